package client

import (
	"fmt"
	"net/url"
	"strings"
)

// field is a string field of a decoded answer, for the check of required
// fields.
type field struct{ name, value string }

// missing quotes the names of the fields that are empty, comma-separated, or
// returns "" when none is.
func missing(fields ...field) string {
	var names []string
	for _, f := range fields {
		if f.value == "" {
			names = append(names, `"`+f.name+`"`)
		}
	}
	return strings.Join(names, ", ")
}

// optional is a field of an update request: nil leaves it unchanged.
type optional struct {
	name  string
	value *string
}

// checkUpdate refuses, before anything is sent, an update that sets nothing
// or sets a field to "": what the server does with either is not documented.
// othersSet says whether a field that is not a string is set.
func checkUpdate(what, id string, othersSet bool, fields ...optional) error {
	var set []field
	for _, f := range fields {
		if f.value != nil {
			set = append(set, field{f.name, *f.value})
		}
	}
	if len(set) == 0 && !othersSet {
		return fmt.Errorf("update of %s %s changes nothing: set at least one field", what, id)
	}
	if m := missing(set...); m != "" {
		return fmt.Errorf("update of %s %s sets %s to an empty value, which the API does not define", what, id, m)
	}
	return nil
}

// checkEntries fails with a *ResponseError naming the first entry of a list
// that lacks a required field. Such an entry is a broken answer, not drift:
// taking a configuration without its name for a renamed one would plan a
// change nobody made, and one without its id cannot be matched at all.
func checkEntries[T any](status int, method, path, noun string, entries []T, required func(T) []field) error {
	for i, e := range entries {
		if m := missing(required(e)...); m != "" {
			return &ResponseError{StatusCode: status, Method: method, Path: path,
				Reason: fmt.Sprintf("%s %d of the list has no %s", noun, i, m)}
		}
	}
	return nil
}

// lacks is the *ResponseError of an answer without a field the contract
// promises.
func lacks(status int, method, path, what, name string) *ResponseError {
	return &ResponseError{StatusCode: status, Method: method, Path: path, Reason: fmt.Sprintf("%s lacks %q", what, name)}
}

// pathSegment escapes id as one path segment. An empty id would change which
// endpoint the request reaches (DELETE /ai/llm/ is not DELETE /ai/llm/{id}),
// so it is refused before anything is sent.
func pathSegment(what, id string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("the %s id is empty", what)
	}
	return url.PathEscape(id), nil
}
