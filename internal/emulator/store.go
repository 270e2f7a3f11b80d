package emulator

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// MaxNameLength is the longest name, in characters, that the emulator accepts.
const MaxNameLength = 255

// store holds every object clients and hooks can change: what the data file
// keeps. It is not safe for concurrent use on its own: Server guards it with its
// mutex.
type store struct {
	// lastSeq numbers creations across collections, which keeps list order
	// deterministic when two objects share a millisecond.
	lastSeq  uint64
	keys     map[string]*record
	llms     map[string]*llmRecord
	policies map[string]*policyRecord
	// attachments are the AI LLM configurations each repo references, by repo id.
	attachments map[string][]string
	// Workspaces, repos and buckets, declared by Options or made through the
	// API, soft-deleted ones included.
	workspaces map[string]*workspaceRecord
	repos      map[string]*repoRecord
	buckets    map[string]*bucketRecord
}

func newStore() *store {
	return &store{
		keys:        make(map[string]*record),
		llms:        make(map[string]*llmRecord),
		policies:    make(map[string]*policyRecord),
		attachments: make(map[string][]string),
		workspaces:  make(map[string]*workspaceRecord),
		repos:       make(map[string]*repoRecord),
		buckets:     make(map[string]*bucketRecord),
	}
}

func (st *store) nextSeq() uint64 {
	st.lastSeq++
	return st.lastSeq
}

// oldestFirst returns the values of m in creation order: the order in which
// workspaces, repos and buckets were declared or made, which is how the API
// lists them.
func oldestFirst[T any](m map[string]T, seq func(T) uint64) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b T) int { return cmp.Compare(seq(a), seq(b)) })
	return out
}

// newestFirst sorts by creation time, newest first, then by creation sequence, so
// that a clock that steps back or two creations in one millisecond still give one
// order.
func newestFirst[T any](items []T, createdAt func(T) time.Time, seq func(T) uint64) {
	slices.SortFunc(items, func(a, b T) int {
		if c := createdAt(b).Compare(createdAt(a)); c != 0 {
			return c
		}
		return cmp.Compare(seq(b), seq(a))
	})
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
	// The enum is the contract's, written down once, in the client.
	if types := client.AITypes(); !slices.Contains(types, aiType) {
		return fmt.Errorf("aiType %q is not one of %v", aiType, types)
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
