package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// wireTime is how the API writes timestamps: UTC with milliseconds.
const wireTime = "2006-01-02T15:04:05.000Z"

// maxBodyBytes bounds request bodies; the largest valid one is a few kilobytes.
const maxBodyBytes = 1 << 20

func formatTime(t time.Time) string {
	return t.UTC().Format(wireTime)
}

// messageBody is both the error body (Success false) and the success body of
// calls that answer only with a message.
type messageBody struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
}

// readObject reads a body that must be exactly one JSON object. Fields are kept raw
// so that their names match exactly, as in the real (JavaScript) backend, rather
// than case-insensitively as encoding/json would match struct fields.
func readObject(body io.Reader) (*fields, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read request body: %v", err)
	}
	if len(data) > maxBodyBytes {
		return nil, fmt.Errorf("request body is larger than %d bytes", maxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil {
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
	if raw == nil {
		return nil, errors.New("request body must be a JSON object, not null")
	}
	return &fields{raw: raw}, nil
}

// fields are a request body's fields. Reading one that has the wrong type records
// the first such error in err, so a handler reads them all and checks once.
type fields struct {
	raw map[string]json.RawMessage
	err error
}

// present reports whether the body names the field at all, even as null.
func (f *fields) present(name string) bool {
	_, ok := f.raw[name]
	return ok
}

// str reads an optional string field; null counts as absent.
func (f *fields) str(name string) (value string, ok bool) {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return "", false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		f.fail("%s must be a string, not %s", name, jsonKind(raw))
		return "", false
	}
	return value, true
}

// integer reads an optional integer field; null counts as absent.
func (f *fields) integer(name string) (value int, ok bool) {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return 0, false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		kind := jsonKind(raw)
		if kind == "a number" {
			kind = string(raw)
		}
		f.fail("%s must be an integer, not %s", name, kind)
		return 0, false
	}
	return value, true
}

// boolean reads an optional boolean field; null counts as absent.
func (f *fields) boolean(name string) (value bool, ok bool) {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return false, false
	}
	if err := json.Unmarshal(raw, &value); err != nil {
		f.fail("%s must be a boolean, not %s", name, jsonKind(raw))
		return false, false
	}
	return value, true
}

// objects reads an optional array of JSON objects; null counts as absent. An
// element that is not an object is an error, recorded like any other.
func (f *fields) objects(name string) (items []*fields, ok bool) {
	raw, ok := f.raw[name]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	var elements []json.RawMessage
	if err := json.Unmarshal(raw, &elements); err != nil {
		f.fail("%s must be an array, not %s", name, jsonKind(raw))
		return nil, false
	}
	items = make([]*fields, 0, len(elements))
	for i, e := range elements {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(e, &obj); err != nil || obj == nil {
			f.fail("%s[%d] must be an object, not %s", name, i, jsonKind(e))
			return nil, false
		}
		items = append(items, &fields{raw: obj})
	}
	return items, true
}

func (f *fields) fail(format string, args ...any) {
	if f.err == nil {
		f.err = fmt.Errorf(format, args...)
	}
}

func jsonKind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '"':
		return "a string"
	default:
		return "a number"
	}
}

// queryID reads an optional id from the query string. Present but empty is an
// error rather than "absent": a client that sends it has lost the id it meant.
func queryID(r *http.Request, name string) (value string, ok bool, err error) {
	q := r.URL.Query()
	if !q.Has(name) {
		return "", false, nil
	}
	if value = q.Get(name); value == "" {
		return "", false, fmt.Errorf("query parameter %s must not be empty; leave it out instead", name)
	}
	return value, true, nil
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
