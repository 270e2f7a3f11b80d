package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
)

// Storage types and modes of a repository that the official client knows. The
// sources disagree (the reference says AZURE and BACKUP) and the API may add
// others (the guides speak of an "OpenAI" endpoint type), so the client passes
// any value through in both directions and checks none.
const (
	StorageTypeS3   = "S3"
	StorageTypeGCS  = "GCS"
	StorageTypeBlob = "BLOB"

	RepoModeNormal = "NORMAL"
	RepoModeMirror = "MIRROR"
)

// Repos is the repository service. There is no call that reads one
// repository: List, optionally filtered by repository ID, and pick it by ID.
type Repos struct{ c *Client }

// Repo is what the provider needs of a repository. A listing also carries
// the repository's storage API keys, AI API keys, whole bucket objects with
// their credentials and encrypted secret blobs: they are never decoded, so no
// Repo can hold them.
type Repo struct {
	ID          string
	Name        string
	WorkspaceID string
	// StorageType and Mode are passed through as the server wrote them: the
	// sources disagree on their values.
	StorageType string
	Mode        string
	CreatedAt   string
	Disabled    bool
	// AILLMIDs are the AI LLM configurations the repository exposes, in the
	// server's order; empty, never nil, when there are none.
	AILLMIDs []string
	// Buckets are the buckets the repository uses, in the server's order;
	// empty, never nil, when there are none.
	Buckets []RepoBucket
}

// RepoBucket is a bucket a repository uses: its folder in the repository and,
// in a MIRROR repository, whether it is the master.
type RepoBucket struct {
	BucketID string
	Folder   string
	Master   bool
}

// repoWire decodes the fields of a listing that Repo holds, and nothing else.
type repoWire struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	WorkspaceID string `json:"workspaceId"`
	StorageType string `json:"storageType"`
	Mode        string `json:"mode"`
	CreatedAt   string `json:"createdAt"`
	Disabled    bool   `json:"disabled"`
	AILLMs      []struct {
		AILLMID string `json:"aiLlmId"`
		AILLM   *struct {
			ID string `json:"id"`
		} `json:"aiLlm"`
	} `json:"aiLlms"`
	// Buckets is the current name of the list, Units the older one.
	Buckets *[]repoBucketWire `json:"buckets"`
	Units   *[]repoBucketWire `json:"units"`
}

// repoBucketWire decodes a listed bucket link. Of the embedded bucket object,
// which carries the bucket's credentials, only the id is decoded.
type repoBucketWire struct {
	BucketID string `json:"bucketId"`
	Folder   string `json:"folder"`
	Master   bool   `json:"master"`
	Bucket   *struct {
		ID string `json:"id"`
	} `json:"bucket"`
}

// CreateRepoRequest is the whole body of a repository, which POST /repo
// creates and PUT /repo/{id} replaces. Both lists are always sent complete,
// [] when empty and never left out or null, however the request was built: the
// API does not say whether a replace without a list detaches everything in it
// or leaves it as it is, and with both lists sent both readings end with the
// repository as requested. Nested bucket or AI LLM objects are never sent, ids
// only.
type CreateRepoRequest struct {
	// WorkspaceID is required, on a replace too: the repository's own
	// workspace (moving a repository is not supported).
	WorkspaceID string
	Name        string
	// StorageType and Mode are required and sent as they are (see the
	// StorageType and RepoMode constants).
	StorageType string
	Mode        string
	Buckets     []RepoBucket
	AILLMIDs    []string
}

// ReplaceRepoRequest is the body of PUT /repo/{id}: the create body, whole
// (the official client's UpdateRepoRequest extends CreateRepoRequest).
type ReplaceRepoRequest = CreateRepoRequest

// repoBodyWire is the wire form of CreateRepoRequest. Its lists have no
// omitempty and MarshalJSON never leaves them nil.
type repoBodyWire struct {
	Name        string           `json:"name"`
	StorageType string           `json:"storageType"`
	Mode        string           `json:"mode"`
	WorkspaceID string           `json:"workspaceId"`
	RepoBuckets []repoBucketBody `json:"repoBuckets"`
	RepoAILLMs  []repoLLMBody    `json:"repoAiLlms"`
}

type repoBucketBody struct {
	BucketID string `json:"bucketId"`
	Folder   string `json:"folder"`
	Master   bool   `json:"master"`
}

type repoLLMBody struct {
	AILLMID string `json:"aiLlmId"`
}

// MarshalJSON writes the wire body, with both lists present: whoever
// marshals a CreateRepoRequest, by value or by pointer, sends them.
func (r CreateRepoRequest) MarshalJSON() ([]byte, error) {
	w := repoBodyWire{
		Name:        r.Name,
		StorageType: r.StorageType,
		Mode:        r.Mode,
		WorkspaceID: r.WorkspaceID,
		RepoBuckets: make([]repoBucketBody, 0, len(r.Buckets)),
		RepoAILLMs:  make([]repoLLMBody, 0, len(r.AILLMIDs)),
	}
	for _, b := range r.Buckets {
		w.RepoBuckets = append(w.RepoBuckets, repoBucketBody(b))
	}
	for _, id := range r.AILLMIDs {
		w.RepoAILLMs = append(w.RepoAILLMs, repoLLMBody{AILLMID: id})
	}
	return json.Marshal(w)
}

// check refuses, before anything is sent, a body the API does not define:
// without a required field, with an empty id, or naming an id twice.
func (r CreateRepoRequest) check(op string) error {
	if m := missing(field{"workspaceId", r.WorkspaceID}, field{"name", r.Name}, field{"storageType", r.StorageType},
		field{"mode", r.Mode}); m != "" {
		return fmt.Errorf("cannot %s a repository without %s", op, m)
	}
	var buckets []string
	for i, b := range r.Buckets {
		switch {
		case b.BucketID == "":
			return fmt.Errorf("cannot %s repository %q: bucket %d has an empty id", op, r.Name, i)
		case slices.Contains(buckets, b.BucketID):
			return fmt.Errorf("cannot %s repository %q: bucket %s is listed twice", op, r.Name, b.BucketID)
		}
		buckets = append(buckets, b.BucketID)
	}
	for i, id := range r.AILLMIDs {
		switch {
		case id == "":
			return fmt.Errorf("cannot %s repository %q: AI LLM configuration %d has an empty id", op, r.Name, i)
		case slices.Contains(r.AILLMIDs[:i], id):
			return fmt.Errorf("cannot %s repository %q: AI LLM configuration %s is listed twice", op, r.Name, id)
		}
	}
	return nil
}

const reposPath = "/repo"

func repoPath(id string) (string, error) {
	seg, err := pathSegment("repository", id)
	return reposPath + "/" + seg, err
}

// Create makes a repository and returns its ID; read it back with List. The
// server answers refusals with an error_code (ErrorCode(err)): a name already
// used, a bucket layout its rules forbid, a quota. An answer without the ID is
// a *ResponseError: nothing else in it names the repository, so list the
// workspace to find it. An error for which IsOutcomeUnknown is true means the
// server may have made a repository whose response was lost; sending the
// create again would then meet NAME_ALREADY_USED.
func (s *Repos) Create(ctx context.Context, req CreateRepoRequest) (string, error) {
	if err := req.check("create"); err != nil {
		return "", err
	}
	var out struct {
		ID string `json:"repoId"`
	}
	status, err := s.c.create(ctx, reposPath, req, &out)
	if err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", lacks(status, http.MethodPost, reposPath, "the create response", "repoId")
	}
	return out.ID, nil
}

// Replace sends the whole repository in one PUT: what req leaves out is
// removed from it. The answer does not echo the repository: read it back with
// List. Refusals carry an error_code as for Create; a repository that no
// longer exists is a 404 (IsNotFound) with NOT_FOUND.
func (s *Repos) Replace(ctx context.Context, id string, req ReplaceRepoRequest) error {
	path, err := repoPath(id)
	if err != nil {
		return err
	}
	if err := req.check("replace"); err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodPut, path, req, nil)
	return err
}

// Delete deletes a repository, with its storage and AI API keys; its buckets
// and AI LLM configurations stay, and can be deleted once no repository uses
// them. A repository that does not exist (any more) is a 404.
func (s *Repos) Delete(ctx context.Context, id string) error {
	path, err := repoPath(id)
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodDelete, path, nil, nil)
	return err
}

// ListWorkspace returns the repositories of a workspace, or of every
// workspace the caller can access when workspaceID is empty. Its signature is
// a ListFunc, so a ListCache keyed by workspace ID can serve it.
func (s *Repos) ListWorkspace(ctx context.Context, workspaceID string) ([]Repo, error) {
	return s.List(ctx, workspaceID, "")
}

// List returns the repositories of a workspace, or of every workspace the
// caller can access when workspaceID is empty. A non-empty repoID asks the
// server for that repository alone, but the filter is not in the API
// reference and a server may ignore it: callers must still pick the
// repository by ID, never take the first one.
func (s *Repos) List(ctx context.Context, workspaceID, repoID string) ([]Repo, error) {
	query := url.Values{}
	if workspaceID != "" {
		query.Set("workspaceId", workspaceID)
	}
	if repoID != "" {
		query.Set("repoId", repoID)
	}
	var out struct {
		Repos *[]repoWire `json:"repos"`
	}
	status, err := s.c.doQuery(ctx, http.MethodGet, reposPath, query, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Repos == nil {
		return nil, lacks(status, http.MethodGet, reposPath, "the list response", "repos")
	}
	err = checkEntries(status, http.MethodGet, reposPath, "repository", *out.Repos, func(w repoWire) []field {
		return []field{{"id", w.ID}, {"name", w.Name}, {"workspaceId", w.WorkspaceID}}
	})
	if err != nil {
		return nil, err
	}
	broken := func(format string, args ...any) error {
		return &ResponseError{StatusCode: status, Method: http.MethodGet, Path: reposPath, Reason: fmt.Sprintf(format, args...)}
	}
	repos := make([]Repo, len(*out.Repos))
	for i, w := range *out.Repos {
		r := Repo{ID: w.ID, Name: w.Name, WorkspaceID: w.WorkspaceID, StorageType: w.StorageType, Mode: w.Mode,
			CreatedAt: w.CreatedAt, Disabled: w.Disabled, AILLMIDs: make([]string, 0, len(w.AILLMs))}
		// The attached configuration's ID is in aiLlmId, in aiLlm.id, or in
		// both; two different IDs leave no way to tell which is attached.
		for j, a := range w.AILLMs {
			id := a.AILLMID
			if a.AILLM != nil && a.AILLM.ID != "" {
				if id != "" && id != a.AILLM.ID {
					return nil, broken(`repository %d of the list has AI LLM %d with "aiLlmId" %q but "aiLlm.id" %q`, i, j, id, a.AILLM.ID)
				}
				id = a.AILLM.ID
			}
			if id == "" {
				return nil, broken(`repository %d of the list has AI LLM %d without "aiLlmId" or "aiLlm.id"`, i, j)
			}
			r.AILLMIDs = append(r.AILLMIDs, id)
		}
		// The same for a bucket: bucketId, bucket.id or both, in the list
		// named buckets or, in older answers, units.
		links := w.Buckets
		if links == nil {
			links = w.Units
		}
		r.Buckets = []RepoBucket{}
		if links != nil {
			r.Buckets = make([]RepoBucket, 0, len(*links))
			for j, b := range *links {
				id := b.BucketID
				if b.Bucket != nil && b.Bucket.ID != "" {
					if id != "" && id != b.Bucket.ID {
						return nil, broken(`repository %d of the list has bucket %d with "bucketId" %q but "bucket.id" %q`, i, j, id, b.Bucket.ID)
					}
					id = b.Bucket.ID
				}
				if id == "" {
					return nil, broken(`repository %d of the list has bucket %d without "bucketId" or "bucket.id"`, i, j)
				}
				r.Buckets = append(r.Buckets, RepoBucket{BucketID: id, Folder: b.Folder, Master: b.Master})
			}
		}
		repos[i] = r
	}
	return repos, nil
}
