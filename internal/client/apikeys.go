package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AI types the API accepts for an AI API key.
const (
	AITypeOpenAI    = "OPENAI"
	AITypeGoogle    = "GOOGLE"
	AITypeAnthropic = "ANTHROPIC"
	AITypeAWS       = "AWS"
	AITypeOther     = "OTHER"
)

// AITypes lists every AI type the API accepts, in the order the API documents them.
func AITypes() []string {
	return []string{AITypeOpenAI, AITypeGoogle, AITypeAnthropic, AITypeAWS, AITypeOther}
}

// AIAPIKeys is the repository-scoped AI API key service. There is no call that
// reads one key: List a repo and pick the key by ID.
type AIAPIKeys interface {
	Create(ctx context.Context, repoID string, req CreateAIAPIKeyRequest) (*CreatedAIAPIKey, error)
	List(ctx context.Context, repoID string) ([]AIAPIKey, error)
	Update(ctx context.Context, repoID, id string, req UpdateAIAPIKeyRequest) error
	Delete(ctx context.Context, repoID, id string) error
}

// AIAPIKey is a key as the list call returns it: never with its secret.
type AIAPIKey struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	RepoID string  `json:"repoId"`
	Key    *string `json:"key"`
	AIType string  `json:"aiType"`
	// CreatedAt is kept as the server wrote it (RFC 3339 in practice), so an
	// unexpected format never makes a whole list unreadable; see Created.
	CreatedAt string  `json:"createdAt"`
	DeletedAt *string `json:"deletedAt"`
}

// Deleted reports whether the list shows the key as deleted. The contract
// lists only live keys, but a list that includes deleted ones marks them so.
func (k AIAPIKey) Deleted() bool {
	return k.DeletedAt != nil && *k.DeletedAt != ""
}

// Created parses CreatedAt.
func (k AIAPIKey) Created() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, k.CreatedAt)
	return t, err == nil
}

type CreateAIAPIKeyRequest struct {
	Name   string `json:"name"`
	AIType string `json:"aiType"`
}

// CreatedAIAPIKey is the create response: the only time the secret is sent.
type CreatedAIAPIKey struct {
	ID      string `json:"id"`
	Key     string `json:"key"`
	Secret  string `json:"secret"`
	Message string `json:"message,omitempty"`
}

type UpdateAIAPIKeyRequest struct {
	Name *string `json:"name,omitempty"`
}

type listAIAPIKeysResponse struct {
	APIKeys *[]AIAPIKey `json:"apiKeys"`
}

type aiAPIKeys struct{ c *Client }

func keysPath(repoID string) string {
	return "/repo/" + url.PathEscape(repoID) + "/ai/apikey"
}

func keyPath(repoID, id string) string {
	return keysPath(repoID) + "/" + url.PathEscape(id)
}

// Create asks the server for a new key. On a *ResponseError the returned key is
// non-nil when the body named the new key's ID, so the caller can delete it
// rather than leave it orphaned. An error for which IsOutcomeUnknown is true
// means the server may have created a key whose response was lost.
func (s *aiAPIKeys) Create(ctx context.Context, repoID string, req CreateAIAPIKeyRequest) (*CreatedAIAPIKey, error) {
	path := keysPath(repoID)
	var out CreatedAIAPIKey
	status, err := s.c.do(context.WithValue(ctx, createKey{}, true), http.MethodPost, path, req, &out)
	if err != nil {
		if createMayHaveActed(ctx, status, err) {
			return nil, &OutcomeUnknownError{Err: err}
		}
		var respErr *ResponseError
		if errors.As(err, &respErr) && out.ID != "" {
			return &CreatedAIAPIKey{ID: out.ID}, err
		}
		return nil, err
	}
	var missing []string
	for _, f := range []struct{ name, value string }{{"id", out.ID}, {"key", out.Key}, {"secret", out.Secret}} {
		if f.value == "" {
			missing = append(missing, `"`+f.name+`"`)
		}
	}
	if len(missing) > 0 {
		respErr := &ResponseError{StatusCode: status, Method: http.MethodPost, Path: path,
			Reason: "the create response lacks " + strings.Join(missing, ", ")}
		if out.ID != "" {
			return &CreatedAIAPIKey{ID: out.ID}, respErr
		}
		return nil, respErr
	}
	return &out, nil
}

// createMayHaveActed tells a create that failed before the server could act
// from one whose effect is unknown.
func createMayHaveActed(ctx context.Context, status int, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case http.StatusInternalServerError, http.StatusBadGateway, http.StatusGatewayTimeout:
			return true
		case http.StatusServiceUnavailable:
			// A 503 that said when to come back was retried and is the
			// server's own refusal; without Retry-After it may come from a
			// proxy that gave up waiting for a server that did act.
			return !apiErr.RetryAfter
		}
		return false
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) {
		return false
	}
	// No status at all: a transport failure. Only a failed dial is certain
	// not to have reached the server.
	return status == 0 && !neverSent(err)
}

func (s *aiAPIKeys) List(ctx context.Context, repoID string) ([]AIAPIKey, error) {
	path := keysPath(repoID)
	var out listAIAPIKeysResponse
	status, err := s.c.do(ctx, http.MethodGet, path, nil, &out)
	if err != nil {
		return nil, err
	}
	if out.APIKeys == nil {
		return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path, Reason: `the list response lacks "apiKeys"`}
	}
	for i, k := range *out.APIKeys {
		if k.ID == "" {
			return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
				Reason: fmt.Sprintf(`key %d of the list has no "id"`, i)}
		}
	}
	// name and aiType are required at create, so a key without them is a
	// broken answer; taking it as drift would plan a rename or a replacement.
	for i, k := range *out.APIKeys {
		for _, f := range []struct{ name, value string }{{"name", k.Name}, {"aiType", k.AIType}} {
			if f.value == "" {
				return nil, &ResponseError{StatusCode: status, Method: http.MethodGet, Path: path,
					Reason: fmt.Sprintf(`key %d of the list has no %q`, i, f.name)}
			}
		}
	}
	return *out.APIKeys, nil
}

func (s *aiAPIKeys) Update(ctx context.Context, repoID, id string, req UpdateAIAPIKeyRequest) error {
	_, err := s.c.do(ctx, http.MethodPut, keyPath(repoID, id), req, nil)
	return err
}

func (s *aiAPIKeys) Delete(ctx context.Context, repoID, id string) error {
	_, err := s.c.do(ctx, http.MethodDelete, keyPath(repoID, id), nil, nil)
	return err
}
