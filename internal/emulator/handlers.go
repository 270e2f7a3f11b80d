package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// wireTime is how the API writes timestamps: UTC with milliseconds.
const wireTime = "2006-01-02T15:04:05.000Z"

// maxBodyBytes bounds request bodies; the largest valid one is a few hundred bytes.
const maxBodyBytes = 1 << 20

type routeKind int

const (
	routeNone routeKind = iota
	routeCollection
	routeItem
)

type route struct {
	kind   routeKind
	repoID string
	keyID  string
}

// parseRoute matches /repo/{repoId}/ai/apikey[/{apikeyId}] on the escaped path,
// so that an id containing "/" (sent as %2F) stays one segment.
func parseRoute(escapedPath string) route {
	segments := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	if len(segments) < 4 || len(segments) > 5 ||
		segments[0] != "repo" || segments[2] != "ai" || segments[3] != "apikey" {
		return route{}
	}
	repoID, err := url.PathUnescape(segments[1])
	if err != nil || repoID == "" {
		return route{}
	}
	if len(segments) == 4 {
		return route{kind: routeCollection, repoID: repoID}
	}
	keyID, err := url.PathUnescape(segments[4])
	if err != nil || keyID == "" {
		return route{}
	}
	return route{kind: routeItem, repoID: repoID, keyID: keyID}
}

func (rt route) op(method string) string {
	switch {
	case rt.kind == routeCollection && method == http.MethodGet:
		return OpList
	case rt.kind == routeCollection && method == http.MethodPost:
		return OpCreate
	case rt.kind == routeItem && method == http.MethodPut:
		return OpUpdate
	case rt.kind == routeItem && method == http.MethodDelete:
		return OpDelete
	}
	return ""
}

func (rt route) allow() string {
	if rt.kind == routeCollection {
		return "GET, POST"
	}
	return "PUT, DELETE"
}

// messageBody is both the error body (Success false) and the success body of
// updates and deletes.
type messageBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

type createBody struct {
	Success bool   `json:"success"`
	ID      string `json:"id"`
	Key     string `json:"key"`
	Secret  string `json:"secret"`
	Message string `json:"message"`
}

type listBody struct {
	Success bool        `json:"success"`
	APIKeys []listedKey `json:"apiKeys"`
}

// listedKey is a key as lists show it: everything but the secret.
type listedKey struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	RepoID    string  `json:"repoId"`
	Key       string  `json:"key"`
	AIType    string  `json:"aiType"`
	CreatedAt string  `json:"createdAt"`
	DeletedAt *string `json:"deletedAt"`
}

func (s *Server) list(repoID string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	keys := make([]listedKey, 0)
	for _, rec := range s.store.sorted(repoID, s.listDeleted) {
		if s.listLag > 0 && now.Sub(rec.CreatedAt) < s.listLag {
			continue
		}
		var deletedAt *string
		if rec.DeletedAt != nil {
			at := rec.DeletedAt.UTC().Format(wireTime)
			deletedAt = &at
		}
		keys = append(keys, listedKey{
			ID:        rec.ID,
			Name:      rec.Name,
			RepoID:    rec.RepoID,
			Key:       rec.Key.Key,
			AIType:    rec.AIType,
			CreatedAt: rec.CreatedAt.UTC().Format(wireTime),
			DeletedAt: deletedAt,
		})
	}
	return result{status: http.StatusOK, body: listBody{Success: true, APIKeys: keys}}
}

func (s *Server) create(r *http.Request, repoID string) result {
	fields, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	name, hasName, err := stringField(fields, "name")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if !hasName {
		return errorResult(http.StatusBadRequest, "name is required")
	}
	if err := validateName(name); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	aiType, _, err := stringField(fields, "aiType")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if err := validateAIType(aiType); err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.store.create(repoID, name, aiType, s.now())
	if err := s.persistLocked(func() { delete(s.store.keys, rec.ID) }); err != nil {
		return errorResult(http.StatusInternalServerError, "%v", err)
	}
	return result{
		status: http.StatusCreated,
		body: createBody{
			Success: true,
			ID:      rec.ID,
			Key:     rec.Key.Key,
			Secret:  rec.Secret,
			Message: "AI API key created successfully",
		},
		createdID: rec.ID,
	}
}

func (s *Server) update(r *http.Request, repoID, keyID string) result {
	fields, err := readObject(r.Body)
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	name, hasName, err := stringField(fields, "name")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	if hasName {
		if err := validateName(name); err != nil {
			return errorResult(http.StatusBadRequest, "%v", err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if hasName {
		err = s.renameLocked(repoID, keyID, name)
	} else if _, ok := s.store.liveKey(repoID, keyID); !ok {
		err = fmt.Errorf("%w: %s in repo %s", ErrKeyNotFound, keyID, repoID)
	}
	if err != nil {
		return mutationError(err)
	}
	return result{status: http.StatusOK, body: messageBody{Success: true, Message: "AI API key updated successfully"}}
}

func (s *Server) delete(repoID, keyID string) result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.deleteLocked(repoID, keyID); err != nil {
		return mutationError(err)
	}
	return result{status: http.StatusOK, body: messageBody{Success: true, Message: "AI API key deleted successfully"}}
}

func mutationError(err error) result {
	if errors.Is(err, ErrKeyNotFound) {
		return errorResult(http.StatusNotFound, "%v", err)
	}
	return errorResult(http.StatusInternalServerError, "%v", err)
}

// readObject reads a body that must be exactly one JSON object. Fields are kept raw
// so that their names match exactly, as in the real (JavaScript) backend, rather
// than case-insensitively as encoding/json would match struct fields.
func readObject(body io.Reader) (map[string]json.RawMessage, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read request body: %v", err)
	}
	if len(data) > maxBodyBytes {
		return nil, fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		var typeErr *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return nil, errors.New("request body is empty; it must be a JSON object")
		case errors.As(err, &typeErr):
			return nil, fmt.Errorf("request body must be a JSON object, not %s", typeErr.Value)
		default:
			return nil, fmt.Errorf("request body is not valid JSON: %v", err)
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("request body must hold exactly one JSON object")
	}
	if fields == nil {
		return nil, errors.New("request body must be a JSON object, not null")
	}
	return fields, nil
}

// stringField reads an optional string field; null counts as absent.
func stringField(fields map[string]json.RawMessage, name string) (value string, present bool, err error) {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return "", false, nil
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", false, fmt.Errorf("%s must be a string, not %s", name, jsonKind(raw))
	}
	return value, true, nil
}

func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	default:
		return "a number"
	}
}

func (s *Server) writeJSON(w http.ResponseWriter, status int, body any) {
	data, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		data, _ = json.Marshal(messageBody{Message: "encode response: " + err.Error()})
	}
	s.write(w, status, "application/json", data)
}

func (s *Server) write(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	n, _ := w.Write(body)
	s.mu.Lock()
	s.responseBytes += int64(n)
	s.mu.Unlock()
}

// fail answers as the fault says instead of (or after) handling the request.
func (s *Server) fail(w http.ResponseWriter, f *Fault, createdID string) {
	if f.Drop {
		drop(w)
		return
	}
	status := f.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Body == "" {
		s.writeJSON(w, status, messageBody{Message: fmt.Sprintf("injected fault: %d %s", status, http.StatusText(status))})
		return
	}
	contentType := f.ContentType
	if contentType == "" {
		contentType = "application/json"
	}
	s.write(w, status, contentType, []byte(strings.ReplaceAll(f.Body, "{{id}}", createdID)))
}

// drop closes the connection without a response. Where the connection cannot be
// taken over (HTTP/2), ErrAbortHandler makes net/http reset it instead.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
