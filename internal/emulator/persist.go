package emulator

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// dataFileVersion is bumped whenever the file's shape changes. Version 1 held
// keys only, version 2 added AI LLM configurations, policies and the repos'
// attached LLMs; both still load. An emulator that knows an older version
// refuses a newer file rather than silently dropping what it cannot hold.
const dataFileVersion = 3

type dataFile struct {
	Version  int             `json:"version"`
	Keys     []storedKey     `json:"keys"`
	LLMs     []*llmRecord    `json:"llms,omitempty"`
	Policies []*policyRecord `json:"policies,omitempty"`
	// RepoLLMs are the attached AI LLM configurations by repo id.
	RepoLLMs map[string][]string `json:"repoLlms,omitempty"`
	// Workspaces, repos and buckets, declared or made through the API, soft-
	// deleted ones included (since version 3).
	Workspaces []*workspaceRecord `json:"workspaces,omitempty"`
	Repos      []*repoRecord      `json:"repos,omitempty"`
	Buckets    []*bucketRecord    `json:"buckets,omitempty"`
}

// storedKey is the file form of a record. It includes the secret: the file is the
// emulator's whole state, and it is written with mode 0600.
type storedKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	RepoID    string     `json:"repoId"`
	Key       string     `json:"key"`
	AIType    string     `json:"aiType"`
	Secret    string     `json:"secret"`
	CreatedAt time.Time  `json:"createdAt"`
	DeletedAt *time.Time `json:"deletedAt"`
	Seq       uint64     `json:"seq"`
}

// loadStore reads the store saved at path into st. A missing file changes
// nothing, so a fresh -data path just works. Attachments in the file replace
// st's for the same repo.
func loadStore(path string, st *store) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read emulator data file: %w", err)
	}
	var df dataFile
	if err := json.Unmarshal(data, &df); err != nil {
		return fmt.Errorf("parse emulator data file %s: %w", path, err)
	}
	if df.Version < 1 || df.Version > dataFileVersion {
		return fmt.Errorf("emulator data file %s has version %d, want %d (or an older one)", path, df.Version, dataFileVersion)
	}
	ids := make(map[string]bool)
	unique := func(kind, id string) error {
		if id == "" {
			return fmt.Errorf("emulator data file %s: a %s lacks its id", path, kind)
		}
		if ids[id] {
			return fmt.Errorf("emulator data file %s: %s id %s appears twice", path, kind, id)
		}
		ids[id] = true
		return nil
	}
	for _, k := range df.Keys {
		if err := unique("key", k.ID); err != nil {
			return err
		}
		if k.RepoID == "" {
			return fmt.Errorf("emulator data file %s: key %s lacks its repoId", path, k.ID)
		}
		st.keys[k.ID] = &record{
			Key: Key{
				ID:        k.ID,
				Name:      k.Name,
				RepoID:    k.RepoID,
				Key:       k.Key,
				AIType:    k.AIType,
				Secret:    k.Secret,
				CreatedAt: k.CreatedAt.UTC(),
				DeletedAt: k.DeletedAt,
			},
			seq: k.Seq,
		}
		st.lastSeq = max(st.lastSeq, k.Seq)
	}
	for _, l := range df.LLMs {
		if l == nil {
			return fmt.Errorf("emulator data file %s: an AI LLM configuration is null", path)
		}
		if err := unique("AI LLM configuration", l.ID); err != nil {
			return err
		}
		l.CreatedAt = l.CreatedAt.UTC()
		st.llms[l.ID] = l
		st.lastSeq = max(st.lastSeq, l.Seq)
	}
	for _, p := range df.Policies {
		if p == nil {
			return fmt.Errorf("emulator data file %s: a policy is null", path)
		}
		if err := unique("policy", p.ID); err != nil {
			return err
		}
		p.CreatedAt, p.LastUpdatedAt = p.CreatedAt.UTC(), p.LastUpdatedAt.UTC()
		st.policies[p.ID] = p
		st.lastSeq = max(st.lastSeq, p.Seq)
	}
	for repoID, llmIDs := range df.RepoLLMs {
		st.attachments[repoID] = llmIDs
	}
	for _, ws := range df.Workspaces {
		if ws == nil {
			return fmt.Errorf("emulator data file %s: a workspace is null", path)
		}
		if err := unique("workspace", ws.ID); err != nil {
			return err
		}
		ws.CreatedAt = ws.CreatedAt.UTC()
		st.workspaces[ws.ID] = ws
		st.lastSeq = max(st.lastSeq, ws.Seq)
	}
	for _, b := range df.Buckets {
		if b == nil {
			return fmt.Errorf("emulator data file %s: a bucket is null", path)
		}
		if err := unique("bucket", b.ID); err != nil {
			return err
		}
		if st.workspaces[b.WorkspaceID] == nil {
			return fmt.Errorf("emulator data file %s: bucket %s is in workspace %s, which the file does not hold", path, b.ID, b.WorkspaceID)
		}
		b.CreatedAt = b.CreatedAt.UTC()
		st.buckets[b.ID] = b
		st.lastSeq = max(st.lastSeq, b.Seq)
	}
	for _, r := range df.Repos {
		if r == nil {
			return fmt.Errorf("emulator data file %s: a repo is null", path)
		}
		if err := unique("repo", r.ID); err != nil {
			return err
		}
		if st.workspaces[r.WorkspaceID] == nil {
			return fmt.Errorf("emulator data file %s: repo %s is in workspace %s, which the file does not hold", path, r.ID, r.WorkspaceID)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		st.repos[r.ID] = r
		st.lastSeq = max(st.lastSeq, r.Seq)
	}
	return nil
}

// saveStore writes the whole store to path so that a crash at any moment leaves
// either the old or the new file, never a torn one.
func saveStore(path string, st *store) error {
	df := dataFile{
		Version:  dataFileVersion,
		Keys:     make([]storedKey, 0, len(st.keys)),
		RepoLLMs: st.attachments,
	}
	for _, rec := range st.keys {
		df.Keys = append(df.Keys, storedKey{
			ID:        rec.ID,
			Name:      rec.Name,
			RepoID:    rec.RepoID,
			Key:       rec.Key.Key,
			AIType:    rec.AIType,
			Secret:    rec.Secret,
			CreatedAt: rec.CreatedAt,
			DeletedAt: rec.DeletedAt,
			Seq:       rec.seq,
		})
	}
	for _, rec := range st.llms {
		df.LLMs = append(df.LLMs, rec)
	}
	for _, rec := range st.policies {
		df.Policies = append(df.Policies, rec)
	}
	// Sorted by creation so that the file diffs sensibly between saves.
	slices.SortFunc(df.Keys, func(a, b storedKey) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(df.LLMs, func(a, b *llmRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	slices.SortFunc(df.Policies, func(a, b *policyRecord) int { return cmp.Compare(a.Seq, b.Seq) })
	df.Workspaces = oldestFirst(st.workspaces, func(w *workspaceRecord) uint64 { return w.Seq })
	df.Repos = oldestFirst(st.repos, func(r *repoRecord) uint64 { return r.Seq })
	df.Buckets = oldestFirst(st.buckets, func(b *bucketRecord) uint64 { return b.Seq })
	data, err := json.MarshalIndent(df, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(data, '\n'))
}

func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// Chmod explicitly: the file holds secrets, whatever the umask allows.
	if err = tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save emulator data: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes the rename itself durable. It is best effort: some file systems
// cannot sync a directory, and the data is already safely in the renamed file.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	defer d.Close()
	_ = d.Sync()
}
