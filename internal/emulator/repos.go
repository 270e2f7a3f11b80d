package emulator

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// OpRepoList is the operation of GET /repo, as used by Fault.Op and Requests.
const OpRepoList = "repo.list"

// ErrRepoNotFound is returned by the repo hooks for a repo no option declared.
var ErrRepoNotFound = errors.New("repo not found")

// Repo declares a repo in Options.WorkspaceRepos.
type Repo struct {
	ID string
	// Name defaults to ID.
	Name string
	// WorkspaceID is a workspace of Options.Workspaces; "" means the default
	// workspace.
	WorkspaceID string
	// LLMIDs are the AI LLM configurations attached to the repo at start, unless
	// the data file says otherwise. An id that matches no configuration is listed
	// as a bare aiLlmId.
	LLMIDs []string
}

// repoEntry is a declared repo plus what the emulator makes up for its listing:
// a storage bucket and a storage access key whose secret is an encrypted blob.
type repoEntry struct {
	Repo
	createdAt  time.Time
	bucketID   string
	storageKey storageKeyDTO
}

type storageKeyDTO struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	AccessType string        `json:"accessType"`
	Key        string        `json:"key"`
	Secret     encryptedBlob `json:"secret"`
	CreatedAt  string        `json:"createdAt"`
}

type encryptedBlob struct {
	Key     string `json:"key"`
	IV      string `json:"iv"`
	AuthTag string `json:"authTag"`
	Message string `json:"message"`
}

func newRepoEntry(repo Repo, createdAt time.Time) *repoEntry {
	if repo.Name == "" {
		repo.Name = repo.ID
	}
	repo.LLMIDs = slices.Clone(repo.LLMIDs)
	return &repoEntry{
		Repo:      repo,
		createdAt: createdAt,
		bucketID:  newUUID(),
		storageKey: storageKeyDTO{
			ID:         newUUID(),
			Name:       "Read-write key",
			AccessType: "WRITE",
			Key:        "AKIA" + strings.ToUpper(hex.EncodeToString(randomBytes(8))),
			Secret: encryptedBlob{
				Key:     hex.EncodeToString(randomBytes(32)),
				IV:      hex.EncodeToString(randomBytes(12)),
				AuthTag: hex.EncodeToString(randomBytes(16)),
				Message: base64.StdEncoding.EncodeToString(randomBytes(30)),
			},
			CreatedAt: formatTime(createdAt),
		},
	}
}

func repoRoutes() []route {
	return []route{
		{path: "/repo", endpoints: []endpoint{
			{method: http.MethodGet, op: OpRepoList, handle: (*Server).listRepos},
		}},
		{path: "/repo/{id}", endpoints: []endpoint{
			{method: http.MethodGet, absent: "repos cannot be read one by one; list them with GET /repo?repoId="},
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
	Buckets     []bucketDTO     `json:"buckets"`
	AILLMs      []repoLLMDTO    `json:"aiLlms"`
	APIKeys     []storageKeyDTO `json:"apiKeys"`
	AIAPIKeys   []keyDTO        `json:"aiApiKeys"`
	CreatedAt   string          `json:"createdAt"`
	Disabled    bool            `json:"disabled"`
}

type bucketDTO struct {
	Folder   string `json:"folder"`
	Master   bool   `json:"master"`
	BucketID string `json:"bucketId"`
}

// repoLLMDTO is an attachment. The id is in aiLlmId and, when the configuration
// exists, in aiLlm.id too, as the real service may send either.
type repoLLMDTO struct {
	AILLMID string  `json:"aiLlmId"`
	AILLM   *llmDTO `json:"aiLlm,omitempty"`
}

func (s *Server) newRepoDTOLocked(repo *repoEntry) repoDTO {
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
		StorageType: "S3",
		Mode:        "NORMAL",
		WorkspaceID: repo.WorkspaceID,
		Buckets:     []bucketDTO{{Folder: "data", Master: true, BucketID: repo.bucketID}},
		AILLMs:      llms,
		APIKeys:     []storageKeyDTO{repo.storageKey},
		AIAPIKeys:   keys,
		CreatedAt:   formatTime(repo.createdAt),
	}
}

// listRepos filters by workspaceId and repoId; repos of workspaces the caller
// cannot access are never listed.
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
	repos := make([]repoDTO, 0)
	for _, id := range s.dir.repoOrder {
		repo := s.dir.repos[id]
		if !s.dir.repoAccessible(id) || (byWorkspace && repo.WorkspaceID != workspaceID) || (byRepo && id != repoID) {
			continue
		}
		repos = append(repos, s.newRepoDTOLocked(repo))
	}
	return okResult(repoListBody{Success: true, Repos: repos})
}

// AddRepo grants the token access to one more repo, in the default workspace. A
// repo id already declared stays where it is.
func (s *Server) AddRepo(repoID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.repos[repoID]; !ok {
		s.dir.addRepo(Repo{ID: repoID}, s.wireNow())
	}
}

// AttachLLM makes a repo reference an AI LLM configuration, as someone editing
// the repo in the Flashback UI would; attaching it again changes nothing. It
// returns an error wrapping ErrRepoNotFound or ErrLLMNotFound for an unknown id.
func (s *Server) AttachLLM(repoID, llmID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.repos[repoID]; !ok {
		return fmt.Errorf("%w: %s", ErrRepoNotFound, repoID)
	}
	if _, ok := s.store.llms[llmID]; !ok {
		return fmt.Errorf("%w: %s", ErrLLMNotFound, llmID)
	}
	old := s.store.attachments[repoID]
	if slices.Contains(old, llmID) {
		return nil
	}
	s.store.attachments[repoID] = append(slices.Clone(old), llmID)
	return s.persistLocked(func() { s.store.attachments[repoID] = old })
}

// DetachLLM removes an AI LLM configuration from a repo. It fails if the repo is
// unknown (ErrRepoNotFound) or does not reference the configuration.
func (s *Server) DetachLLM(repoID, llmID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.dir.repos[repoID]; !ok {
		return fmt.Errorf("%w: %s", ErrRepoNotFound, repoID)
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

// RepoStorageSecrets returns every secret value a listing of the repo carries
// (the storage access key and the parts of its encrypted secret), so that tests
// can prove a client never exposes them. It returns nil for an unknown repo.
func (s *Server) RepoStorageSecrets(repoID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	repo, ok := s.dir.repos[repoID]
	if !ok {
		return nil
	}
	k := repo.storageKey
	return []string{k.Key, k.Secret.Key, k.Secret.IV, k.Secret.AuthTag, k.Secret.Message}
}
