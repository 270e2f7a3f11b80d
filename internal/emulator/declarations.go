package emulator

import (
	"errors"
	"fmt"
	"slices"
)

// declarations are the workspaces, repos and buckets that Options declare,
// checked against each other and with their defaults filled in, in the order
// they are declared.
type declarations struct {
	workspaces []Workspace
	repos      []Repo
	buckets    []Bucket
}

// declare checks opts' declarations. It fails when they contradict each other:
// an id declared twice, a repo or bucket in an undeclared workspace, a value
// the API would refuse.
func declare(opts Options, orgID string) (*declarations, error) {
	d := &declarations{}
	seen := make(map[string]bool)
	for _, ws := range opts.Workspaces {
		if ws.ID == "" {
			return nil, errors.New("emulator options: a workspace has no id")
		}
		if seen[ws.ID] {
			return nil, fmt.Errorf("emulator options: workspace %s is declared twice", ws.ID)
		}
		seen[ws.ID] = true
		d.addWorkspace(ws, orgID)
	}
	// inWorkspace puts what names no workspace in the default one, which is
	// declared the first time something needs it.
	inWorkspace := func(kind, id, workspaceID string) (string, error) {
		if workspaceID == "" {
			if !slices.ContainsFunc(d.workspaces, func(ws Workspace) bool { return ws.ID == DefaultWorkspaceID }) {
				d.addWorkspace(Workspace{ID: DefaultWorkspaceID, Name: DefaultWorkspaceName}, orgID)
			}
			return DefaultWorkspaceID, nil
		}
		if !seen[workspaceID] {
			return "", fmt.Errorf("emulator options: %s %s is in workspace %s, which Workspaces does not declare", kind, id, workspaceID)
		}
		return workspaceID, nil
	}

	bucketNames := make(map[string]string)
	bucketIDs := make(map[string]bool)
	for _, b := range opts.Buckets {
		if b.ID == "" {
			return nil, errors.New("emulator options: a bucket in Buckets has an empty id")
		}
		if bucketIDs[b.ID] {
			return nil, fmt.Errorf("emulator options: bucket %s is declared twice", b.ID)
		}
		bucketIDs[b.ID] = true
		var err error
		if b.WorkspaceID, err = inWorkspace("bucket", b.ID, b.WorkspaceID); err != nil {
			return nil, err
		}
		b = b.withDefaults()
		if err := b.validate(); err != nil {
			return nil, fmt.Errorf("emulator options: bucket %s: %w", b.ID, err)
		}
		if other, dup := bucketNames[b.Name]; dup {
			return nil, fmt.Errorf("emulator options: buckets %s and %s are both named %q; bucket names are unique in the organization", other, b.ID, b.Name)
		}
		bucketNames[b.Name] = b.ID
		d.buckets = append(d.buckets, b)
	}

	repoIDs := make(map[string]bool)
	for _, id := range opts.Repos {
		if id == "" {
			return nil, errors.New("emulator options: a repo in Repos has an empty id")
		}
		// Repeating a repo in Repos has always been harmless.
		if repoIDs[id] {
			continue
		}
		repoIDs[id] = true
		workspaceID, _ := inWorkspace("repo", id, "")
		d.repos = append(d.repos, Repo{ID: id, WorkspaceID: workspaceID}.withDefaults())
	}
	for _, repo := range opts.WorkspaceRepos {
		if repo.ID == "" {
			return nil, errors.New("emulator options: a repo in WorkspaceRepos has an empty id")
		}
		if repoIDs[repo.ID] {
			return nil, fmt.Errorf("emulator options: repo %s is declared twice", repo.ID)
		}
		repoIDs[repo.ID] = true
		var err error
		if repo.WorkspaceID, err = inWorkspace("repo", repo.ID, repo.WorkspaceID); err != nil {
			return nil, err
		}
		repo = repo.withDefaults()
		if err := validateRepoKind(repo.StorageType, repo.Mode); err != nil {
			return nil, fmt.Errorf("emulator options: repo %s: %w", repo.ID, err)
		}
		d.repos = append(d.repos, repo)
	}
	return d, nil
}

func (d *declarations) addWorkspace(ws Workspace, orgID string) {
	if ws.Name == "" {
		ws.Name = ws.ID
	}
	if ws.OrgID == "" {
		ws.OrgID = orgID
	}
	d.workspaces = append(d.workspaces, ws)
}

// adoptLocked stores every declared object whose id the store does not hold
// yet: the data file, loaded first, wins for the objects it holds. Declared
// repos pass the API's rules against the buckets then stored, so that every
// listed repo is one the API could have made.
func (s *Server) adoptLocked(d *declarations) error {
	created := s.wireNow()
	for _, ws := range d.workspaces {
		if _, ok := s.store.workspaces[ws.ID]; !ok {
			s.store.workspaces[ws.ID] = &workspaceRecord{ID: ws.ID, Name: ws.Name, OrgID: ws.OrgID, CreatedAt: created, Seq: s.store.nextSeq()}
		}
	}
	for _, b := range d.buckets {
		if _, ok := s.store.buckets[b.ID]; !ok {
			s.store.buckets[b.ID] = newBucketRecord(b, created, s.store.nextSeq())
		}
	}
	for _, repo := range d.repos {
		if _, ok := s.store.repos[repo.ID]; ok {
			continue
		}
		rec := newRepoRecord(repo, created, s.store.nextSeq())
		if v := s.repoRuleViolationLocked(rec, nil, nil); v != nil {
			return fmt.Errorf("emulator options: repo %s: %s", repo.ID, v.message)
		}
		s.store.repos[repo.ID] = rec
		// Attachments saved by an older data file win over the declaration.
		if _, saved := s.store.attachments[repo.ID]; !saved && len(repo.LLMIDs) > 0 {
			s.store.attachments[repo.ID] = slices.Clone(repo.LLMIDs)
		}
	}
	return nil
}
