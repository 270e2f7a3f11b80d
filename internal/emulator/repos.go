package emulator

import (
	"cmp"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// Operations on repos, as used by Fault.Op and Requests.
const (
	OpRepoList   = "repo.list"
	OpRepoCreate = "repo.create"
	OpRepoUpdate = "repo.update"
	OpRepoDelete = "repo.delete"
)

// RepoModes are the modes the emulator accepts for a repo: the official
// client's, which the contract says to send.
var RepoModes = []string{client.RepoModeNormal, client.RepoModeMirror}

// ErrRepoNotFound is returned by the repo hooks for a repo that does not exist
// (any more).
var ErrRepoNotFound = errors.New("repo not found")

// Repo declares a repo in Options.WorkspaceRepos, and is what Repos returns.
type Repo struct {
	ID string
	// Name defaults to ID.
	Name string
	// WorkspaceID is a workspace of Options.Workspaces; "" means the default
	// workspace.
	WorkspaceID string
	// StorageType is one of StorageTypes; default S3. Mode is one of RepoModes;
	// default NORMAL.
	StorageType string
	Mode        string
	// Buckets are declared buckets of the repo's workspace. A declared repo
	// must pass the API's rules (a MIRROR repo has one master, NORMAL folders
	// are unique): New fails otherwise.
	Buckets []RepoBucket
	// LLMIDs are the AI LLM configurations attached to the repo at start, unless
	// the data file says otherwise. An id that matches no configuration is listed
	// as a bare aiLlmId.
	LLMIDs []string
}

func (r Repo) withDefaults() Repo {
	if r.Name == "" {
		r.Name = r.ID
	}
	if r.StorageType == "" {
		r.StorageType = client.StorageTypeS3
	}
	if r.Mode == "" {
		r.Mode = client.RepoModeNormal
	}
	r.Buckets = slices.Clone(r.Buckets)
	r.LLMIDs = slices.Clone(r.LLMIDs)
	return r
}

// RepoBucket is a bucket a repo uses, with its folder in the repo and whether
// it is the master of a MIRROR repo. Its JSON form is the wire's and the data
// file's.
type RepoBucket struct {
	BucketID string `json:"bucketId"`
	Folder   string `json:"folder"`
	Master   bool   `json:"master"`
}

// repoRecord is a stored repo plus what the emulator makes up for its listing:
// a storage access key whose secret is an encrypted blob. Its attached AI LLM
// configurations are in store.attachments. Its JSON form is the data file's.
type repoRecord struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	WorkspaceID string       `json:"workspaceId"`
	StorageType string       `json:"storageType"`
	Mode        string       `json:"mode"`
	Buckets     []RepoBucket `json:"buckets"`
	Disabled    bool         `json:"disabled,omitempty"`
	CreatedAt   time.Time    `json:"createdAt"`
	DeletedAt   *time.Time   `json:"deletedAt,omitempty"`
	// ViaAPI marks a repo made by POST /repo: ListLag hides only those, never
	// one that Options declared.
	ViaAPI     bool          `json:"viaApi,omitempty"`
	StorageKey storageKeyDTO `json:"storageKey"`
	Seq        uint64        `json:"seq"`
}

func (r *repoRecord) live() bool { return r.DeletedAt == nil }

// bucket returns the repo's link to a bucket, or nil.
func (r *repoRecord) bucket(id string) *RepoBucket {
	for i := range r.Buckets {
		if r.Buckets[i].BucketID == id {
			return &r.Buckets[i]
		}
	}
	return nil
}

type storageKeyDTO struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	AccessType string        `json:"accessType"`
	Key        string        `json:"key"`
	Secret     encryptedBlob `json:"secret"`
	CreatedAt  string        `json:"createdAt"`
}

func newRepoRecord(repo Repo, createdAt time.Time, seq uint64) *repoRecord {
	return &repoRecord{
		ID:          repo.ID,
		Name:        repo.Name,
		WorkspaceID: repo.WorkspaceID,
		StorageType: repo.StorageType,
		Mode:        repo.Mode,
		Buckets:     slices.Clone(repo.Buckets),
		CreatedAt:   createdAt,
		StorageKey: storageKeyDTO{
			ID:         newUUID(),
			Name:       "Read-write key",
			AccessType: "WRITE",
			Key:        "AKIA" + strings.ToUpper(hex.EncodeToString(randomBytes(8))),
			Secret:     newEncryptedBlob(),
			CreatedAt:  formatTime(createdAt),
		},
		Seq: seq,
	}
}

func validateRepoKind(storageType, mode string) error {
	if !slices.Contains(StorageTypes, storageType) {
		return fmt.Errorf("storageType %q is not one of %v", storageType, StorageTypes)
	}
	if !slices.Contains(RepoModes, mode) {
		return fmt.Errorf("mode %q is not one of %v", mode, RepoModes)
	}
	return nil
}

func repoRoutes() []route {
	return []route{
		{path: "/repo", endpoints: []endpoint{
			{method: http.MethodGet, op: OpRepoList, handle: (*Server).listRepos},
			{method: http.MethodPost, op: OpRepoCreate, handle: (*Server).createRepo},
		}},
		{path: "/repo/{id}", endpoints: []endpoint{
			{method: http.MethodPut, op: OpRepoUpdate, handle: (*Server).replaceRepo},
			{method: http.MethodDelete, op: OpRepoDelete, handle: (*Server).deleteRepo},
			{method: http.MethodGet, absent: "repos cannot be read one by one; list them with GET /repo?repoId="},
		}},
		// The dry runs are in the official client only; the contract's
		// provider never calls them.
		{path: "/repo/validate", endpoints: []endpoint{
			{method: http.MethodPost, absent: "the emulator does not dry-run repos; POST or PUT the repo itself"},
		}},
		{path: "/repo/{id}/validate", endpoints: []endpoint{
			{method: http.MethodPost, absent: "the emulator does not dry-run repos; POST or PUT the repo itself"},
		}},
	}
}

type repoListBody struct {
	Success bool      `json:"success"`
	Repos   []repoDTO `json:"repos"`
}

type repoDTO struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	StorageType string          `json:"storageType"`
	Mode        string          `json:"mode"`
	WorkspaceID string          `json:"workspaceId"`
	Buckets     []repoBucketDTO `json:"buckets"`
	AILLMs      []repoLLMDTO    `json:"aiLlms"`
	APIKeys     []storageKeyDTO `json:"apiKeys"`
	AIAPIKeys   []keyDTO        `json:"aiApiKeys"`
	CreatedAt   string          `json:"createdAt"`
	Disabled    bool            `json:"disabled"`
}

// repoBucketDTO is a bucket link as lists show it: the bucket is embedded
// whole, encrypted secret included, as the API reference's sample shows.
type repoBucketDTO struct {
	Folder   string     `json:"folder"`
	Master   bool       `json:"master"`
	BucketID string     `json:"bucketId"`
	Bucket   *bucketDTO `json:"bucket,omitempty"`
}

// repoLLMDTO is an attachment. The id is in aiLlmId and, when the configuration
// exists, in aiLlm.id too, as the real service may send either.
type repoLLMDTO struct {
	AILLMID string  `json:"aiLlmId"`
	AILLM   *llmDTO `json:"aiLlm,omitempty"`
}

type repoIDBody struct {
	Success bool   `json:"success"`
	RepoID  string `json:"repoId"`
}

// repoErrorBody is how repo writes refuse: with an error_code, and the same
// text in error_message and message, so that a client reading either finds
// it.
type repoErrorBody struct {
	Success      bool   `json:"success"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
	Message      string `json:"message"`
}

func (s *Server) sortedReposLocked() []*repoRecord {
	return oldestFirst(s.store.repos, func(r *repoRecord) uint64 { return r.Seq })
}

func (s *Server) newRepoDTOLocked(repo *repoRecord) repoDTO {
	buckets := make([]repoBucketDTO, 0, len(repo.Buckets))
	for _, link := range repo.Buckets {
		dto := repoBucketDTO{Folder: link.Folder, Master: link.Master, BucketID: link.BucketID}
		if b, ok := s.store.buckets[link.BucketID]; ok {
			embedded := newBucketDTO(b)
			dto.Bucket = &embedded
		}
		buckets = append(buckets, dto)
	}
	llms := make([]repoLLMDTO, 0)
	for _, id := range s.store.attachments[repo.ID] {
		att := repoLLMDTO{AILLMID: id}
		if rec, ok := s.store.llms[id]; ok {
			dto := s.newLLMDTOLocked(rec)
			att.AILLM = &dto
		}
		llms = append(llms, att)
	}
	keys := make([]keyDTO, 0)
	for _, rec := range s.store.sortedKeys(repo.ID, false) {
		keys = append(keys, newKeyDTO(rec))
	}
	return repoDTO{
		ID:          repo.ID,
		Name:        repo.Name,
		StorageType: repo.StorageType,
		Mode:        repo.Mode,
		WorkspaceID: repo.WorkspaceID,
		Buckets:     buckets,
		AILLMs:      llms,
		APIKeys:     []storageKeyDTO{repo.StorageKey},
		AIAPIKeys:   keys,
		CreatedAt:   formatTime(repo.CreatedAt),
		Disabled:    repo.Disabled,
	}
}

// listRepos filters by workspaceId and repoId; repos of workspaces the caller
// cannot access are never listed, nor deleted ones.
func (s *Server) listRepos(r *http.Request, _ map[string]string) result {
	workspaceID, byWorkspace, err := queryID(r, "workspaceId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	repoID, byRepo, err := queryID(r, "repoId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if byWorkspace {
		if res, forbidden := s.workspaceForbiddenLocked(workspaceID); forbidden {
			return res
		}
	}
	now := s.now()
	repos := make([]repoDTO, 0)
	for _, repo := range s.sortedReposLocked() {
		if !s.repoAccessibleLocked(repo.ID) || (byWorkspace && repo.WorkspaceID != workspaceID) || (byRepo && repo.ID != repoID) ||
			(repo.ViaAPI && !s.listed(repo.CreatedAt, now)) {
			continue
		}
		repos = append(repos, s.newRepoDTOLocked(repo))
	}
	return okResult(repoListBody{Success: true, Repos: repos})
}

// repoRefusal is a repo write the API's rules refuse, with its error_code.
type repoRefusal struct {
	status  int
	code    string
	message string
}

func refuse(status int, code, format string, args ...any) *repoRefusal {
	return &repoRefusal{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// repoErrorResult answers a refusal, with 200 instead of its status when the
// emulator was told to put error codes in 2xx answers.
func (s *Server) repoErrorResult(v *repoRefusal) result {
	status := v.status
	if s.errorCodesIn2xx {
		status = http.StatusOK
	}
	return result{status: status, body: repoErrorBody{ErrorCode: v.code, ErrorMessage: v.message, Message: v.message}}
}

// repoWrite is a POST or PUT body. A list is "sent" when the body has it and
// it is not null.
type repoWrite struct {
	name, storageType, mode, workspaceID *string
	buckets                              []RepoBucket
	bucketsSent                          bool
	llmIDs                               []string
	llmsSent                             bool
}

// readRepoWrite reads the fields of a repo body that the emulator knows.
// repoUnits (the older name), walletAddress and the nested bucket and aiLlm
// objects are ignored: only ids count.
func readRepoWrite(f *fields) (repoWrite, error) {
	w := repoWrite{
		name:        optional(f, "name"),
		storageType: optional(f, "storageType"),
		mode:        optional(f, "mode"),
		workspaceID: optional(f, "workspaceId"),
	}
	items, sent := f.objects("repoBuckets")
	w.bucketsSent = sent
	for i, item := range items {
		var link RepoBucket
		var ok bool
		if link.BucketID, ok = item.str("bucketId"); !ok && item.err == nil {
			item.fail("bucketId is required")
		}
		link.Folder, _ = item.str("folder")
		link.Master, _ = item.boolean("master")
		if item.err != nil {
			return w, fmt.Errorf("repoBuckets[%d]: %v", i, item.err)
		}
		if link.BucketID == "" {
			return w, fmt.Errorf("repoBuckets[%d]: bucketId must not be empty", i)
		}
		if slices.ContainsFunc(w.buckets, func(b RepoBucket) bool { return b.BucketID == link.BucketID }) {
			return w, fmt.Errorf("repoBuckets lists bucket %s twice", link.BucketID)
		}
		w.buckets = append(w.buckets, link)
	}
	items, sent = f.objects("repoAiLlms")
	w.llmsSent = sent
	for i, item := range items {
		id, ok := item.str("aiLlmId")
		if !ok && item.err == nil {
			item.fail("aiLlmId is required")
		}
		if item.err != nil {
			return w, fmt.Errorf("repoAiLlms[%d]: %v", i, item.err)
		}
		if id == "" {
			return w, fmt.Errorf("repoAiLlms[%d]: aiLlmId must not be empty", i)
		}
		if slices.Contains(w.llmIDs, id) {
			return w, fmt.Errorf("repoAiLlms lists AI LLM configuration %s twice", id)
		}
		w.llmIDs = append(w.llmIDs, id)
	}
	if f.err != nil {
		return w, f.err
	}
	for _, required := range []struct {
		name  string
		value *string
	}{{"name", w.name}, {"storageType", w.storageType}, {"mode", w.mode}} {
		if required.value == nil {
			return w, fmt.Errorf("%s is required: the body is the whole repository, every time", required.name)
		}
	}
	if err := validateName(*w.name); err != nil {
		return w, err
	}
	if err := validateRepoKind(*w.storageType, *w.mode); err != nil {
		return w, err
	}
	if w.workspaceID != nil && *w.workspaceID == "" {
		return w, errors.New("workspaceId must not be empty")
	}
	return w, nil
}

// repoNameTakenLocked refuses a name that another live repo of the
// organization has. Declarations are not held to it: tests declare namesakes
// on purpose, to prove that a lookup by name finds both.
func (s *Server) repoNameTakenLocked(cand *repoRecord) *repoRefusal {
	for _, other := range s.sortedReposLocked() {
		if other.ID != cand.ID && other.live() && other.Name == cand.Name {
			if ws, ok := s.store.workspaces[other.WorkspaceID]; ok && ws.OrgID == s.orgID {
				return refuse(http.StatusBadRequest, client.ErrorCodeNameAlreadyUsed,
					"a repository named %q already exists (%s); repository names are unique in the organization", cand.Name, other.ID)
			}
		}
	}
	return nil
}

// repoRuleViolationLocked checks a repo as it would be after a write against
// the API's rules for its buckets and AI LLM configurations: cand is the new
// state, old the stored one (nil for a create), and llmIDs the configurations
// it would use (nil to skip that check, for a declaration). Names, quotas and
// access are the caller's.
func (s *Server) repoRuleViolationLocked(cand, old *repoRecord, llmIDs []string) *repoRefusal {
	for _, link := range cand.Buckets {
		if b, ok := s.store.buckets[link.BucketID]; !ok || !b.live() || b.WorkspaceID != cand.WorkspaceID {
			return refuse(http.StatusBadRequest, client.ErrorCodeNotFound, "bucket %s not found in workspace %s", link.BucketID, cand.WorkspaceID)
		}
	}
	for _, id := range llmIDs {
		if l, ok := s.store.llms[id]; !ok || l.WorkspaceID != cand.WorkspaceID {
			return refuse(http.StatusBadRequest, client.ErrorCodeNotFound, "AI LLM configuration %s not found in workspace %s", id, cand.WorkspaceID)
		}
	}
	switch cand.Mode {
	case client.RepoModeMirror:
		masters := 0
		for _, link := range cand.Buckets {
			if link.Master {
				masters++
			}
		}
		switch {
		case masters == 0:
			return refuse(http.StatusBadRequest, client.ErrorCodeMirrorMasterUnitMissing, "a MIRROR repository needs one master bucket; %d buckets, none of them master", len(cand.Buckets))
		case masters > 1:
			return refuse(http.StatusBadRequest, client.ErrorCodeMirrorMasterUnitCountInvalid, "a MIRROR repository has exactly one master bucket, not %d", masters)
		}
	case client.RepoModeNormal:
		folders := make(map[string]string)
		for _, link := range cand.Buckets {
			if other, dup := folders[link.Folder]; dup {
				return refuse(http.StatusBadRequest, client.ErrorCodeNormalUnitFolderAlreadyUsed, "buckets %s and %s both use folder %q", other, link.BucketID, link.Folder)
			}
			folders[link.Folder] = link.BucketID
		}
		if old != nil {
			for _, was := range old.Buckets {
				now := cand.bucket(was.BucketID)
				if now == nil {
					return refuse(http.StatusBadRequest, client.ErrorCodeNormalUnitFolderCannotDelete,
						"bucket %s cannot leave NORMAL repository %s: its folder %q holds data; make a new repository instead", was.BucketID, cand.ID, was.Folder)
				}
				if now.Folder != was.Folder {
					return refuse(http.StatusBadRequest, client.ErrorCodeNormalUnitCannotEditFolder,
						"the folder of bucket %s in NORMAL repository %s cannot change from %q to %q; make a new repository instead", was.BucketID, cand.ID, was.Folder, now.Folder)
				}
			}
		}
	}
	for _, link := range cand.Buckets {
		for _, other := range s.bucketUsersLocked(link.BucketID) {
			if other.ID != cand.ID && (cand.Mode == client.RepoModeMirror || other.Mode == client.RepoModeMirror) {
				return refuse(http.StatusBadRequest, client.ErrorCodeMirrorUnitAlreadyInOtherRepo,
					"bucket %s is already used by repository %s (%s); a bucket of a MIRROR repository belongs to no other", link.BucketID, other.ID, other.Name)
			}
		}
	}
	return nil
}

// liveReposInOrgLocked counts the live repos of the caller's organization, for
// the quota.
func (s *Server) liveReposInOrgLocked() int {
	n := 0
	for _, repo := range s.store.repos {
		if ws, ok := s.store.workspaces[repo.WorkspaceID]; ok && repo.live() && ws.OrgID == s.orgID {
			n++
		}
	}
	return n
}

// createRepo answers 200 with the new id only: clients read the repo back by
// listing. Lists absent or null in the body are empty.
func (s *Server) createRepo(r *http.Request, _ map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	w, err := readRepoWrite(f)
	if err == nil && w.workspaceID == nil {
		err = errors.New("workspaceId is required")
	}
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if res, forbidden := s.workspaceForbiddenLocked(*w.workspaceID); forbidden {
		return res
	}
	if s.repoQuota > 0 && s.liveReposInOrgLocked() >= s.repoQuota {
		return s.repoErrorResult(refuse(http.StatusBadRequest, client.ErrorCodeQuotaExceeded,
			"the organization's subscription allows %d repositories; delete one or upgrade", s.repoQuota))
	}
	rec := newRepoRecord(Repo{ID: newUUID(), Name: *w.name, WorkspaceID: *w.workspaceID, StorageType: *w.storageType, Mode: *w.mode,
		Buckets: w.buckets}, s.wireNow(), s.store.nextSeq())
	rec.ViaAPI = true
	llmIDs := w.llmIDs
	if llmIDs == nil {
		llmIDs = []string{}
	}
	if v := cmp.Or(s.repoNameTakenLocked(rec), s.repoRuleViolationLocked(rec, nil, llmIDs)); v != nil {
		return s.repoErrorResult(v)
	}
	s.store.repos[rec.ID] = rec
	s.store.attachments[rec.ID] = llmIDs
	if err := s.persistLocked(func() {
		delete(s.store.repos, rec.ID)
		delete(s.store.attachments, rec.ID)
	}); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{status: http.StatusOK, body: repoIDBody{Success: true, RepoID: rec.ID}, createdID: rec.ID}
}

// replaceRepo takes the whole repository. A list absent or null in the body is
// empty (everything detached), unless the emulator was told to keep what an
// absent list leaves out.
func (s *Server) replaceRepo(r *http.Request, p map[string]string) result {
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	w, err := readRepoWrite(f)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["id"]
	rec, ok := s.store.repos[id]
	if !ok || !rec.live() {
		return s.repoErrorResult(refuse(http.StatusNotFound, client.ErrorCodeNotFound, "repository %s not found", id))
	}
	if res, forbidden := s.repoForbiddenLocked(id); forbidden {
		return res
	}
	switch {
	case w.workspaceID != nil && *w.workspaceID != rec.WorkspaceID:
		return errorResult(http.StatusBadRequest, "workspaceId cannot change: repository %s stays in workspace %s", id, rec.WorkspaceID)
	case *w.storageType != rec.StorageType:
		return errorResult(http.StatusBadRequest, "storageType cannot change from %s to %s: make a new repository instead", rec.StorageType, *w.storageType)
	case *w.mode != rec.Mode:
		return errorResult(http.StatusBadRequest, "mode cannot change from %s to %s: make a new repository instead", rec.Mode, *w.mode)
	}

	cand := *rec
	cand.Name = *w.name
	cand.Buckets = w.buckets
	if !w.bucketsSent && s.keepOmittedLists {
		cand.Buckets = slices.Clone(rec.Buckets)
	}
	oldLLMs, hadLLMs := s.store.attachments[id]
	llmIDs := w.llmIDs
	if llmIDs == nil {
		llmIDs = []string{}
	}
	if !w.llmsSent && s.keepOmittedLists {
		llmIDs = slices.Clone(oldLLMs)
	}
	if v := cmp.Or(s.repoNameTakenLocked(&cand), s.repoRuleViolationLocked(&cand, rec, llmIDs)); v != nil {
		return s.repoErrorResult(v)
	}
	old := *rec
	*rec = cand
	s.store.attachments[id] = llmIDs
	if err := s.persistLocked(func() {
		*rec = old
		if hadLLMs {
			s.store.attachments[id] = oldLLMs
		} else {
			delete(s.store.attachments, id)
		}
	}); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(repoIDBody{Success: true, RepoID: id})
}

func (s *Server) deleteRepo(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := p["id"]
	rec, ok := s.store.repos[id]
	if !ok || !rec.live() {
		return errorResult(http.StatusNotFound, "User or repository not found: %s", id)
	}
	if res, forbidden := s.repoForbiddenLocked(id); forbidden {
		return res
	}
	if err := s.deleteRepoLocked(rec); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return okResult(messageBody{Success: true, Message: "Repository deleted successfully"})
}

// deleteRepoLocked soft-deletes a repo with its AI API keys and repo-scoped
// policies, and drops its bucket and AI LLM links, which makes those buckets
// and configurations deletable.
func (s *Server) deleteRepoLocked(rec *repoRecord) error {
	now := s.wireNow()
	old := *rec
	oldLLMs, hadLLMs := s.store.attachments[rec.ID]
	var keys []*record
	for _, k := range s.store.sortedKeys(rec.ID, false) {
		k.DeletedAt = &now
		keys = append(keys, k)
	}
	var policies []*policyRecord
	for _, p := range s.store.policies {
		if p.live() && p.RepoID == rec.ID {
			p.DeletedAt = &now
			policies = append(policies, p)
		}
	}
	rec.DeletedAt = &now
	rec.Buckets = nil
	delete(s.store.attachments, rec.ID)
	return s.persistLocked(func() {
		*rec = old
		if hadLLMs {
			s.store.attachments[rec.ID] = oldLLMs
		}
		for _, k := range keys {
			k.DeletedAt = nil
		}
		for _, p := range policies {
			p.DeletedAt = nil
		}
	})
}

// liveRepoLocked finds a repo the hooks may change.
func (s *Server) liveRepoLocked(id string) (*repoRecord, error) {
	rec, ok := s.store.repos[id]
	if !ok || !rec.live() {
		return nil, fmt.Errorf("%w: %s", ErrRepoNotFound, id)
	}
	return rec, nil
}

// AddRepo grants the token access to one more repo, in the default workspace
// (which it adds if needed), named after its id. A repo id already known stays
// where and as it is.
func (s *Server) AddRepo(repoID string) error {
	if repoID == "" {
		return errors.New("AddRepo: the repo id is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.store.repos[repoID]; ok {
		return nil
	}
	now := s.wireNow()
	_, hadWorkspace := s.store.workspaces[DefaultWorkspaceID]
	if !hadWorkspace {
		s.store.workspaces[DefaultWorkspaceID] = &workspaceRecord{ID: DefaultWorkspaceID, Name: DefaultWorkspaceName, OrgID: s.orgID,
			CreatedAt: now, Seq: s.store.nextSeq()}
	}
	s.store.repos[repoID] = newRepoRecord(Repo{ID: repoID, WorkspaceID: DefaultWorkspaceID}.withDefaults(), now, s.store.nextSeq())
	return s.persistLocked(func() {
		delete(s.store.repos, repoID)
		if !hadWorkspace {
			delete(s.store.workspaces, DefaultWorkspaceID)
		}
	})
}

// AttachLLM makes a repo reference an AI LLM configuration, as someone editing
// the repo in the Flashback UI would; attaching it again changes nothing. It
// returns an error wrapping ErrRepoNotFound or ErrLLMNotFound for an unknown id.
func (s *Server) AttachLLM(repoID, llmID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.liveRepoLocked(repoID); err != nil {
		return err
	}
	if _, ok := s.store.llms[llmID]; !ok {
		return fmt.Errorf("%w: %s", ErrLLMNotFound, llmID)
	}
	old, had := s.store.attachments[repoID]
	if slices.Contains(old, llmID) {
		return nil
	}
	s.store.attachments[repoID] = append(slices.Clone(old), llmID)
	return s.persistLocked(func() {
		if had {
			s.store.attachments[repoID] = old
		} else {
			delete(s.store.attachments, repoID)
		}
	})
}

// DetachLLM removes an AI LLM configuration from a repo. It fails if the repo is
// unknown (ErrRepoNotFound) or does not reference the configuration.
func (s *Server) DetachLLM(repoID, llmID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.liveRepoLocked(repoID); err != nil {
		return err
	}
	old := s.store.attachments[repoID]
	i := slices.Index(old, llmID)
	if i < 0 {
		return fmt.Errorf("AI LLM configuration %s is not attached to repo %s", llmID, repoID)
	}
	s.store.attachments[repoID] = slices.Delete(slices.Clone(old), i, i+1)
	return s.persistLocked(func() { s.store.attachments[repoID] = old })
}

// AttachedLLMs returns the ids of the AI LLM configurations a repo references,
// in the order they were attached.
func (s *Server) AttachedLLMs(repoID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.store.attachments[repoID])
}

// SetRepoDisabled disables or enables a repo, as Flashback does outside the
// API (the organization's repos can be disabled). It returns an error wrapping
// ErrRepoNotFound for an unknown or deleted repo.
func (s *Server) SetRepoDisabled(repoID string, disabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, err := s.liveRepoLocked(repoID)
	if err != nil {
		return err
	}
	old := rec.Disabled
	rec.Disabled = disabled
	return s.persistLocked(func() { rec.Disabled = old })
}

// Repos returns the live repos of a workspace ("" = every workspace) as they
// are now, with their buckets and attached AI LLM configurations, in the order
// GET /repo lists them. ListLag does not hide any of them.
func (s *Server) Repos(workspaceID string) []Repo {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Repo
	for _, rec := range s.sortedReposLocked() {
		if rec.live() && (workspaceID == "" || rec.WorkspaceID == workspaceID) {
			out = append(out, Repo{ID: rec.ID, Name: rec.Name, WorkspaceID: rec.WorkspaceID, StorageType: rec.StorageType, Mode: rec.Mode,
				Buckets: slices.Clone(rec.Buckets), LLMIDs: slices.Clone(s.store.attachments[rec.ID])})
		}
	}
	return out
}

// RepoStorageSecrets returns every secret value a listing of the repo carries
// (the storage access key and the parts of its encrypted secret, then those of
// the buckets it embeds), so that tests can prove a client never exposes them.
// It returns nil for an unknown repo.
func (s *Server) RepoStorageSecrets(repoID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.store.repos[repoID]
	if !ok {
		return nil
	}
	k := repo.StorageKey
	secrets := append([]string{k.Key}, k.Secret.parts()...)
	for _, link := range repo.Buckets {
		if b, ok := s.store.buckets[link.BucketID]; ok {
			secrets = append(secrets, maskKey(b.Key))
			secrets = append(secrets, b.Secret.parts()...)
		}
	}
	return secrets
}
