package emulator

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Operations on AI API keys, as used by Fault.Op and Requests. A request that
// matches no operation (unknown path, unsupported method) has the empty
// operation.
const (
	OpList   = "list"
	OpCreate = "create"
	OpUpdate = "update"
	OpDelete = "delete"
)

// ErrKeyNotFound is returned by DeleteKey and RenameKey for an id that is unknown in
// the repo or already deleted: the same cases in which the API answers 404.
var ErrKeyNotFound = errors.New("AI API key not found")

// Key is one stored AI API key, including what the API never shows again (Secret)
// and soft-deleted keys' DeletedAt.
type Key struct {
	ID        string
	Name      string
	RepoID    string
	Key       string
	AIType    string
	Secret    string
	CreatedAt time.Time
	DeletedAt *time.Time
}

// record is a stored key plus its creation sequence.
type record struct {
	Key
	seq uint64
}

func (r *record) live() bool { return r.DeletedAt == nil }

func keyRoutes() []route {
	return []route{
		{path: "/repo/{repoId}/ai/apikey", endpoints: []endpoint{
			{method: http.MethodGet, op: OpList, handle: (*Server).listKeys},
			{method: http.MethodPost, op: OpCreate, handle: (*Server).createKey},
		}},
		{path: "/repo/{repoId}/ai/apikey/{apikeyId}", endpoints: []endpoint{
			{method: http.MethodPut, op: OpUpdate, handle: (*Server).updateKey},
			{method: http.MethodDelete, op: OpDelete, handle: (*Server).deleteKey},
		}},
	}
}

// createKey adds a key and returns it. The secret's 36 random bytes make exactly
// 48 URL-safe characters.
func (st *store) createKey(repoID, name, aiType string, now time.Time) *record {
	rec := &record{
		Key: Key{
			ID:        newUUID(),
			Name:      name,
			RepoID:    repoID,
			Key:       "FB_AI_" + hex.EncodeToString(randomBytes(12)),
			AIType:    aiType,
			Secret:    base64.RawURLEncoding.EncodeToString(randomBytes(36)),
			CreatedAt: now,
		},
		seq: st.nextSeq(),
	}
	st.keys[rec.ID] = rec
	return rec
}

// liveKey finds a non-deleted key of the repo; keys of other repos are invisible,
// as they are to the API.
func (st *store) liveKey(repoID, id string) (*record, bool) {
	rec, ok := st.keys[id]
	if !ok || rec.RepoID != repoID || !rec.live() {
		return nil, false
	}
	return rec, true
}

// sortedKeys returns the repo's keys ("" = every repo), newest first, with the
// soft-deleted ones only when withDeleted.
func (st *store) sortedKeys(repoID string, withDeleted bool) []*record {
	var out []*record
	for _, rec := range st.keys {
		if (withDeleted || rec.live()) && (repoID == "" || rec.RepoID == repoID) {
			out = append(out, rec)
		}
	}
	newestFirst(out, func(r *record) time.Time { return r.CreatedAt }, func(r *record) uint64 { return r.seq })
	return out
}

type keyCreatedBody struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Key     string `json:"key"`
	Secret  string `json:"secret"`
	Message string `json:"message"`
}

type keyListBody struct {
	Success bool     `json:"success"`
	APIKeys []keyDTO `json:"apiKeys"`
}

// keyDTO is a key as lists show it: everything but the secret.
type keyDTO struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	RepoID    string  `json:"repoId"`
	Key       string  `json:"key"`
	AIType    string  `json:"aiType"`
	CreatedAt string  `json:"createdAt"`
	DeletedAt *string `json:"deletedAt"`
}

func newKeyDTO(rec *record) keyDTO {
	var deletedAt *string
	if rec.DeletedAt != nil {
		at := formatTime(*rec.DeletedAt)
		deletedAt = &at
	}
	return keyDTO{
		ID:        rec.ID,
		Name:      rec.Name,
		RepoID:    rec.RepoID,
		Key:       rec.Key.Key,
		AIType:    rec.AIType,
		CreatedAt: formatTime(rec.CreatedAt),
		DeletedAt: deletedAt,
	}
}

// repoForbidden answers 403 unless the token may access the repo.
func (s *Server) repoForbidden(repoID string) (result, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repoForbiddenLocked(repoID)
}

// repoForbiddenLocked answers 403 unless the token may access the repo.
func (s *Server) repoForbiddenLocked(repoID string) (result, bool) {
	if s.repoAccessibleLocked(repoID) {
		return result{}, false
	}
	return errorResult(http.StatusForbidden, "insufficient permissions for repo %s", repoID), true
}

func (s *Server) listKeys(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if res, forbidden := s.repoForbiddenLocked(p["repoId"]); forbidden {
		return res
	}
	now := s.now()
	keys := make([]keyDTO, 0)
	for _, rec := range s.store.sortedKeys(p["repoId"], s.listDeleted) {
		if s.listed(rec.CreatedAt, now) {
			keys = append(keys, newKeyDTO(rec))
		}
	}
	return okResult(keyListBody{Success: true, APIKeys: keys})
}

func (s *Server) createKey(r *http.Request, p map[string]string) result {
	repoID := p["repoId"]
	if res, forbidden := s.repoForbidden(repoID); forbidden {
		return res
	}
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	name, hasName := f.str("name")
	aiType, _ := f.str("aiType")
	if f.err != nil {
		return errorResult(http.StatusBadRequest, "%v", f.err)
	}
	if !hasName {
		return errorResult(http.StatusBadRequest, "name is required")
	}
	if err := validateName(name); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if err := validateAIType(aiType); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.store.createKey(repoID, name, aiType, s.wireNow())
	if err := s.persistLocked(func() { delete(s.store.keys, rec.ID) }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{
		status: http.StatusCreated,
		body: keyCreatedBody{
			Success: true,
			ID:      rec.ID,
			Key:     rec.Key.Key,
			Secret:  rec.Secret,
			Message: "AI API key created successfully",
		},
		createdID: rec.ID,
	}
}

func (s *Server) updateKey(r *http.Request, p map[string]string) result {
	repoID, keyID := p["repoId"], p["apikeyId"]
	if res, forbidden := s.repoForbidden(repoID); forbidden {
		return res
	}
	f, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	name, hasName := f.str("name")
	if f.err != nil {
		return errorResult(http.StatusBadRequest, "%v", f.err)
	}
	if hasName {
		if err := validateName(name); err != nil {
			return errorResult(http.StatusBadRequest, "%v", err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if hasName {
		err = s.renameKeyLocked(repoID, keyID, name)
	} else if _, ok := s.store.liveKey(repoID, keyID); !ok {
		err = fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, keyID, repoID)
	}
	if err != nil {
		return keyMutationError(err)
	}
	return okResult(messageBody{Success: true, Message: "AI API key updated successfully"})
}

func (s *Server) deleteKey(_ *http.Request, p map[string]string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if res, forbidden := s.repoForbiddenLocked(p["repoId"]); forbidden {
		return res
	}
	if err := s.deleteKeyLocked(p["repoId"], p["apikeyId"]); err != nil {
		return keyMutationError(err)
	}
	return okResult(messageBody{Success: true, Message: "AI API key deleted successfully"})
}

func keyMutationError(err error) result {
	if errors.Is(err, ErrKeyNotFound) {
		return errorResult(http.StatusNotFound, "%v", err)
	}
	return errorResult(http.StatusInternalServerError, "%v", err)
}

// DeleteKey soft-deletes a key as someone using the Flashback UI would. It returns
// an error wrapping ErrKeyNotFound if the key is unknown in the repo or already
// deleted.
func (s *Server) DeleteKey(repoID, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleteKeyLocked(repoID, id)
}

// RenameKey renames a key as someone using the Flashback UI would. The name must
// be valid for the API, and the key live.
func (s *Server) RenameKey(repoID, id, name string) error {
	if err := validateName(name); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.renameKeyLocked(repoID, id, name)
}

func (s *Server) deleteKeyLocked(repoID, id string) error {
	rec, ok := s.store.liveKey(repoID, id)
	if !ok {
		return fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, id, repoID)
	}
	deletedAt := s.wireNow()
	rec.DeletedAt = &deletedAt
	return s.persistLocked(func() { rec.DeletedAt = nil })
}

func (s *Server) renameKeyLocked(repoID, id, name string) error {
	rec, ok := s.store.liveKey(repoID, id)
	if !ok {
		return fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, id, repoID)
	}
	old := rec.Name
	rec.Name = name
	return s.persistLocked(func() { rec.Name = old })
}

// LiveKeys returns copies of the non-deleted keys of a repo ("" = every repo),
// secrets included, newest first. ListLag does not hide any of them.
func (s *Server) LiveKeys(repoID string) []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := s.store.sortedKeys(repoID, false)
	keys := make([]Key, len(recs))
	for i, rec := range recs {
		keys[i] = rec.Key
	}
	return keys
}
