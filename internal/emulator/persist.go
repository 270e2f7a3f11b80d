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

// dataFileVersion is bumped if the file's shape ever changes incompatibly.
const dataFileVersion = 1

type dataFile struct {
	Version int         `json:"version"`
	Keys    []storedKey `json:"keys"`
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

// loadStore reads the store saved at path. A missing file is an empty store, so a
// fresh -data path just works.
func loadStore(path string) (*store, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newStore(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read emulator data file: %w", err)
	}
	var df dataFile
	if err := json.Unmarshal(data, &df); err != nil {
		return nil, fmt.Errorf("parse emulator data file %s: %w", path, err)
	}
	if df.Version != dataFileVersion {
		return nil, fmt.Errorf("emulator data file %s has version %d, want %d", path, df.Version, dataFileVersion)
	}
	st := newStore()
	for _, k := range df.Keys {
		if k.ID == "" || k.RepoID == "" {
			return nil, fmt.Errorf("emulator data file %s: a key lacks its id or repoId", path)
		}
		if _, dup := st.keys[k.ID]; dup {
			return nil, fmt.Errorf("emulator data file %s: key id %s appears twice", path, k.ID)
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
	return st, nil
}

// saveStore writes the whole store to path so that a crash at any moment leaves
// either the old or the new file, never a torn one.
func saveStore(path string, st *store) error {
	df := dataFile{Version: dataFileVersion, Keys: make([]storedKey, 0, len(st.keys))}
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
	// Sorted by creation so that the file diffs sensibly between saves.
	slices.SortFunc(df.Keys, func(a, b storedKey) int { return cmp.Compare(a.Seq, b.Seq) })
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
