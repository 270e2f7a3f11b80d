package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// AILLMs is the AI LLM configuration service: the connections of a workspace
// to upstream AI providers, with their secrets. There is no call that reads one
// configuration: List the workspace and pick it by ID.
type AILLMs struct{ c *Client }

// AILLM is a configuration as the list returns it: never with its secret.
type AILLM struct {
	ID          string `json:"id"`
	OrgID       string `json:"orgId"`
	WorkspaceID string `json:"workspaceId"`
	UserID      string `json:"userId"`
	Name        string `json:"name"`
	AIType      string `json:"aiType"`
	// Endpoint is empty for a configuration that uses a stored provider API
	// key instead of inline credentials (a form the provider does not create).
	Endpoint string `json:"endpoint"`
	// Key is never the stored value: the server sends null or a masked form.
	// It is information only, never something to compare with a configuration.
	Key *string `json:"key"`
	// CreatedAt is kept as the server wrote it, so an unexpected format never
	// makes a whole list unreadable.
	CreatedAt string `json:"createdAt"`
	// Repos are the repositories that use the configuration; while there are
	// any, it cannot be deleted.
	Repos []AILLMRepo `json:"repos"`
}

// AILLMRepo is a repository that uses a configuration.
type AILLMRepo struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	CreatedAt string `json:"createdAt"`
}

// CreateAILLMRequest is a new configuration with inline credentials: the only
// form the API reference documents (a stored provider API key is not offered).
// Every field but Key is required.
type CreateAILLMRequest struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
	AIType      string `json:"aiType"`
	Endpoint    string `json:"endpoint"`
	Secret      string `json:"secret"`
	// Key is the provider-dependent extra access key; empty sends none.
	Key string `json:"key,omitempty"`
}

// UpdateAILLMRequest changes the fields that are set and leaves the others.
// A field is never sent as null or empty: what the server does with either is
// not documented, so Update refuses them before sending anything.
type UpdateAILLMRequest struct {
	Name     *string `json:"name,omitempty"`
	AIType   *string `json:"aiType,omitempty"`
	Endpoint *string `json:"endpoint,omitempty"`
	Key      *string `json:"key,omitempty"`
	Secret   *string `json:"secret,omitempty"`
}

// AILLMValidation is the outcome of a validation the server ran: Valid false
// means the configuration is bad, not that the call failed.
type AILLMValidation struct {
	Valid   bool
	Message string
}

const aiLLMsPath = "/ai/llm"

func aiLLMPath(id string) (string, error) {
	seg, err := pathSegment("AI LLM configuration", id)
	return aiLLMsPath + "/" + seg, err
}

// Create makes a configuration and returns its ID; read it back with List.
// An answer without the ID is a *ResponseError: nothing else in it names the
// configuration, so list the workspace to find it. An error for which
// IsOutcomeUnknown is true means the server may have made a configuration
// whose response was lost. The secret and the key never appear in an error.
func (s *AILLMs) Create(ctx context.Context, req CreateAILLMRequest) (string, error) {
	if m := missing(field{"workspaceId", req.WorkspaceID}, field{"name", req.Name}, field{"aiType", req.AIType},
		field{"endpoint", req.Endpoint}, field{"secret", req.Secret}); m != "" {
		return "", fmt.Errorf("cannot create an AI LLM configuration without %s", m)
	}
	var out struct {
		ID string `json:"aiLlmId"`
	}
	status, err := s.c.create(ctx, aiLLMsPath, req, &out)
	if err != nil {
		return "", withhold(err, req.Secret, req.Key)
	}
	if out.ID == "" {
		return "", lacks(status, http.MethodPost, aiLLMsPath, "the create response", "aiLlmId")
	}
	return out.ID, nil
}

// List returns the configurations of a workspace, or of every workspace the
// caller can access when workspaceID is empty. Its signature is a ListFunc,
// so a ListCache keyed by workspace ID can serve it.
func (s *AILLMs) List(ctx context.Context, workspaceID string) ([]AILLM, error) {
	var query url.Values
	if workspaceID != "" {
		query = url.Values{"workspaceId": {workspaceID}}
	}
	var out struct {
		AILLMs *[]AILLM `json:"aiLlms"`
	}
	status, err := s.c.doQuery(ctx, http.MethodGet, aiLLMsPath, query, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.AILLMs == nil {
		return nil, lacks(status, http.MethodGet, aiLLMsPath, "the list response", "aiLlms")
	}
	// Endpoint is not required: a configuration made with a stored provider
	// key has none.
	err = checkEntries(status, http.MethodGet, aiLLMsPath, "configuration", *out.AILLMs, func(l AILLM) []field {
		return []field{{"id", l.ID}, {"name", l.Name}, {"aiType", l.AIType}, {"workspaceId", l.WorkspaceID}}
	})
	if err != nil {
		return nil, err
	}
	return *out.AILLMs, nil
}

// Update sends the fields of req that are set, in one PUT. It refuses, before
// sending anything, a request that sets nothing or sets a field to "". The
// secret and the key never appear in an error.
func (s *AILLMs) Update(ctx context.Context, id string, req UpdateAILLMRequest) error {
	path, err := aiLLMPath(id)
	if err != nil {
		return err
	}
	err = checkUpdate("AI LLM configuration", id, false, optional{"name", req.Name}, optional{"aiType", req.AIType},
		optional{"endpoint", req.Endpoint}, optional{"key", req.Key}, optional{"secret", req.Secret})
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodPut, path, req, nil)
	return withhold(err, deref(req.Secret), deref(req.Key))
}

// Delete removes a configuration for good. While any repository uses it the
// server answers 403, the status it also gives for a caller without access:
// List shows which repositories use it.
func (s *AILLMs) Delete(ctx context.Context, id string) error {
	path, err := aiLLMPath(id)
	if err != nil {
		return err
	}
	_, err = s.c.do(ctx, http.MethodDelete, path, nil, nil)
	return err
}

// Validate asks the server to test the configuration against its provider.
// The server makes a real call that may spend the customer's provider quota,
// so nothing calls it implicitly, and it is not repeated where the server may
// have run it. A test that ran and failed is a result, not an error. The
// message is the server's own: it may quote the secret, which this call does
// not know, so a caller that shows it withholds the secret first.
func (s *AILLMs) Validate(ctx context.Context, id string) (*AILLMValidation, error) {
	path, err := aiLLMPath(id)
	if err != nil {
		return nil, err
	}
	path += "/validate"
	var out struct {
		Success *bool  `json:"success"`
		Message string `json:"message"`
	}
	status, err := s.c.do(notRepeated(ctx), http.MethodPost, path, nil, &out)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode >= 200 && apiErr.StatusCode <= 299 {
		// "success": false on a 2xx: the test ran and the configuration is bad.
		return &AILLMValidation{Valid: false, Message: apiErr.Message}, nil
	}
	if err != nil {
		return nil, err
	}
	if out.Success == nil {
		return nil, lacks(status, http.MethodPost, path, "the validate response", "success")
	}
	return &AILLMValidation{Valid: *out.Success, Message: out.Message}, nil
}

// withhold removes the values a request carried from the server's message in
// err: a server that echoes a rejected secret must not put it into errors and
// logs.
func withhold(err error, values ...string) error {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		for _, v := range values {
			if v != "" {
				apiErr.Message = strings.ReplaceAll(apiErr.Message, v, "[redacted]")
			}
		}
	}
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
