package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// APIError is an unsuccessful answer from the Flashback API: a non-2xx status,
// or a 2xx whose body says "success": false or carries an error_code other
// than SUCCESS. It never carries the access token or a response body that
// could hold a secret.
type APIError struct {
	StatusCode int
	// Code is the body's error_code (one of the ErrorCode constants, or one
	// the API added since), or "" when it had none.
	Code string
	// Message is the server's own explanation (its error_message, else its
	// message), or a short description of the body when the server did not
	// send its usual JSON error.
	Message string
	Method  string
	// Path is the request path without the base URL or query.
	Path string
	// RetryAfter is whether the response said when to try again.
	RetryAfter bool
}

func (e *APIError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	detail := e.Message
	switch {
	case e.Code == "" || e.Code == e.Message:
	case e.Message == "":
		detail = e.Code
	default:
		detail = e.Code + ": " + e.Message
	}
	if detail == "" {
		return fmt.Sprintf("%s %s: %s", e.Method, e.Path, status)
	}
	return fmt.Sprintf("%s %s: %s: %s", e.Method, e.Path, status, detail)
}

// The error_code values of repository writes (POST /repo, PUT /repo/{id}),
// as the official client's enum names them. Meanings follow the names; the
// API documents no text.
const (
	// ErrorCodeSuccess is the one code that is not an error.
	ErrorCodeSuccess = "SUCCESS"
	// ErrorCodeNotFound: the repository, or a bucket or AI LLM configuration
	// the body names, does not exist.
	ErrorCodeNotFound        = "NOT_FOUND"
	ErrorCodeNameAlreadyUsed = "NAME_ALREADY_USED"
	ErrorCodeQuotaExceeded   = "QUOTA_EXCEEDED"
	// A MIRROR repository has exactly one master bucket, and its buckets
	// belong to no other repository.
	ErrorCodeMirrorMasterUnitCountInvalid = "MIRROR_MASTER_UNIT_COUNT_INVALID"
	ErrorCodeMirrorMasterUnitMissing      = "MIRROR_MASTER_UNIT_MISSING"
	ErrorCodeMirrorUnitAlreadyInOtherRepo = "MIRROR_UNIT_ALREADY_IN_OTHER_REPO"
	// Folders of a NORMAL repository are unique, and a bucket can neither
	// leave one nor change its folder: such a change needs a new repository.
	// The enum's key for the second is NORMAL_UNIT_CANNOT_DELETE; its value,
	// which the wire carries, is this.
	ErrorCodeNormalUnitFolderAlreadyUsed  = "NORMAL_UNIT_FOLDER_ALREADY_USED"
	ErrorCodeNormalUnitFolderCannotDelete = "NORMAL_UNIT_FOLDER_CANNOT_DELETE"
	ErrorCodeNormalUnitCannotEditFolder   = "NORMAL_UNIT_CANNOT_EDIT_FOLDER"
)

// ErrorCode returns the error_code of the API's answer behind err, or "" when
// err is not such an answer or the answer had none. Callers compare it with
// the ErrorCode constants and must treat an unknown code as a plain refusal.
func ErrorCode(err error) string {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return ""
}

// ResponseError is a 2xx answer whose body cannot be used: not JSON, of the
// wrong shape, or missing a field the contract promises. The body itself is
// never included, because a create response carries the key's secret.
type ResponseError struct {
	StatusCode int
	Method     string
	Path       string
	Reason     string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("%s %s: unusable %d response: %s", e.Method, e.Path, e.StatusCode, e.Reason)
}

// OutcomeUnknownError wraps the failure of a request that the server may
// nevertheless have carried out: the connection broke after the request was
// sent, the call timed out, or a proxy answered 500, 502 or 504. For a create
// this means a key may exist whose secret was never received.
type OutcomeUnknownError struct {
	Err error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("outcome unknown: %s", e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

func statusOf(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsUnauthorized reports whether err is a 401: a missing, expired or wrong token.
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// IsForbidden reports whether err is a 403: the token has no access to the repo.
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsBadRequest reports whether err is a 400: the API refused what was sent.
func IsBadRequest(err error) bool { return statusOf(err) == http.StatusBadRequest }

// IsRedirect reports whether err is a redirect, which the client never
// follows.
func IsRedirect(err error) bool {
	s := statusOf(err)
	return s >= 300 && s <= 399
}

// IsTransient reports whether err may go away by itself, so that trying
// again later is the advice: throttling (429), a server or gateway error
// (5xx), a request whose outcome is unknown, or a failure of the network. A
// refusal (4xx), a redirect, an unusable answer or a cancelled call need
// something else.
func IsTransient(err error) bool {
	if IsOutcomeUnknown(err) {
		return true
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500
	}
	var respErr *ResponseError
	if errors.As(err, &respErr) || errors.Is(err, context.Canceled) {
		return false
	}
	return err != nil
}

// IsOutcomeUnknown reports whether the request behind err may have been
// carried out by the server despite the error.
func IsOutcomeUnknown(err error) bool {
	var u *OutcomeUnknownError
	return errors.As(err, &u)
}
