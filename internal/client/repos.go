package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Repos is the repository service, read only for now. There is no call that
// reads one repository: List, optionally filtered by repository ID, and pick
// it by ID.
type Repos struct{ c *Client }

// Repo is what the provider needs of a repository. A listing also carries
// the repository's storage API keys, bucket credentials and encrypted secret
// blobs: they are never decoded, so no Repo can hold them.
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
}

// List returns the repositories of a workspace, or of every workspace the
// caller can access when workspaceID is empty. A non-empty repoID asks the
// server for that repository alone, but the filter is not in the API
// reference and a server may ignore it: callers must still pick the
// repository by ID, never take the first one.
func (s *Repos) List(ctx context.Context, workspaceID, repoID string) ([]Repo, error) {
	const path = "/repo"
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
	status, err := s.c.doQuery(ctx, http.MethodGet, path, query, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.Repos == nil {
		return nil, lacks(status, http.MethodGet, path, "the list response", "repos")
	}
	err = checkEntries(status, http.MethodGet, path, "repository", *out.Repos, func(w repoWire) []field {
		return []field{{"id", w.ID}, {"name", w.Name}, {"workspaceId", w.WorkspaceID}}
	})
	if err != nil {
		return nil, err
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
					return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
						Reason: fmt.Sprintf(`repository %d of the list has AI LLM %d with "aiLlmId" %q but "aiLlm.id" %q`, i, j, id, a.AILLM.ID)}
				}
				id = a.AILLM.ID
			}
			if id == "" {
				return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
					Reason: fmt.Sprintf(`repository %d of the list has AI LLM %d without "aiLlmId" or "aiLlm.id"`, i, j)}
			}
			r.AILLMIDs = append(r.AILLMIDs, id)
		}
		repos[i] = r
	}
	return repos, nil
}
