package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// AITypes are the values the API accepts for aiType, in the contract's order.
var AITypes = []string{"OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"}

// MaxNameLength is the longest name, in characters, that the emulator accepts.
const MaxNameLength = 255

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

// record is a stored key plus its creation sequence, which keeps the list order
// deterministic when two keys share a millisecond.
type record struct {
	Key
	seq uint64
}

func (r *record) live() bool { return r.DeletedAt == nil }

// store holds every key ever created. It is not safe for concurrent use on its own:
// Server guards it with its mutex.
type store struct {
	keys    map[string]*record
	lastSeq uint64
}

func newStore() *store {
	return &store{keys: make(map[string]*record)}
}

// create adds a key and returns it. now is truncated to milliseconds because that
// is all the wire format carries, so what tests inspect equals what clients see.
// The secret's 36 random bytes make exactly 48 URL-safe characters.
func (st *store) create(repoID, name, aiType string, now time.Time) *record {
	st.lastSeq++
	rec := &record{
		Key: Key{
			ID:        newUUID(),
			Name:      name,
			RepoID:    repoID,
			Key:       "FB_AI_" + hex.EncodeToString(randomBytes(12)),
			AIType:    aiType,
			Secret:    base64.RawURLEncoding.EncodeToString(randomBytes(36)),
			CreatedAt: now.UTC().Truncate(time.Millisecond),
		},
		seq: st.lastSeq,
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

// live returns the repo's non-deleted keys ("" = every repo), newest first.
func (st *store) live(repoID string) []*record {
	return st.sorted(repoID, false)
}

// sorted returns the repo's keys ("" = every repo), newest first, with the
// soft-deleted ones only when withDeleted.
func (st *store) sorted(repoID string, withDeleted bool) []*record {
	var out []*record
	for _, rec := range st.keys {
		if (withDeleted || rec.live()) && (repoID == "" || rec.RepoID == repoID) {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b *record) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.seq, a.seq)
	})
	return out
}

func validateName(name string) error {
	if name == "" {
		return errors.New("name must not be empty")
	}
	if n := utf8.RuneCountInString(name); n > MaxNameLength {
		return fmt.Errorf("name must be at most %d characters, got %d", MaxNameLength, n)
	}
	return nil
}

func validateAIType(aiType string) error {
	if aiType == "" {
		return errors.New("aiType is required")
	}
	if !slices.Contains(AITypes, aiType) {
		return fmt.Errorf("aiType %q is not one of %v", aiType, AITypes)
	}
	return nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomBytes needs no error path: since Go 1.24 crypto/rand.Read never returns one
// (it aborts the program if the OS source fails).
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
