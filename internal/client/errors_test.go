package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Repository writes may answer with error_code and error_message, and which
// status carries them is not documented: every answer is read for them, 2xx
// included, and a 2xx that names an error is a failure.
func TestErrorCode_readInEveryAnswer(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		status int
		body   string
		// code and msg are what the APIError must carry; ok means no error.
		code, msg string
		ok        bool
	}{
		{"400 with code and both texts", 400, `{"success":false,"error_code":"NAME_ALREADY_USED","error_message":"taken","message":"other"}`,
			ErrorCodeNameAlreadyUsed, "taken", false},
		{"400 with code and message", 400, `{"success":false,"error_code":"QUOTA_EXCEEDED","message":"limit"}`, ErrorCodeQuotaExceeded, "limit", false},
		{"400 with code alone", 400, `{"error_code":"MIRROR_MASTER_UNIT_MISSING"}`, ErrorCodeMirrorMasterUnitMissing, "", false},
		{"400 with a code that is not a string", 400, `{"success":false,"error_code":7,"message":"m"}`, "", "m", false},
		{"404 with NOT_FOUND", 404, `{"success":false,"error_code":"NOT_FOUND","error_message":"repository r not found"}`,
			ErrorCodeNotFound, "repository r not found", false},
		{"400 without code", 400, `{"success":false,"message":"bad"}`, "", "bad", false},
		{"200 success false with code", 200, `{"success":false,"error_code":"NORMAL_UNIT_CANNOT_EDIT_FOLDER","error_message":"folder"}`,
			ErrorCodeNormalUnitCannotEditFolder, "folder", false},
		{"200 success true with an error code", 200, `{"success":true,"error_code":"MIRROR_UNIT_ALREADY_IN_OTHER_REPO","repoId":"r"}`,
			ErrorCodeMirrorUnitAlreadyInOtherRepo, "", false},
		{"200 code without success", 200, `{"error_code":"NORMAL_UNIT_FOLDER_CANNOT_DELETE","message":"m"}`,
			ErrorCodeNormalUnitFolderCannotDelete, "m", false},
		{"201 with a code the client does not know", 201, `{"error_code":"FUTURE_CODE"}`, "FUTURE_CODE", "", false},
		{"200 SUCCESS", 200, `{"success":true,"error_code":"SUCCESS"}`, "", "", true},
		{"200 null code", 200, `{"success":true,"error_code":null,"error_message":null}`, "", "", true},
		{"200 empty code", 200, `{"success":true,"error_code":""}`, "", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := answer(t, tt.status, tt.body)
			c := newTestClient(t, srv.URL)
			_, err := c.do(context.Background(), http.MethodPut, "/repo/r", map[string]string{}, nil)
			if tt.ok {
				if err != nil {
					t.Fatalf("err = %v, want success", err)
				}
				return
			}
			apiErr := asAPIError(t, err)
			if apiErr.StatusCode != tt.status || apiErr.Code != tt.code || apiErr.Message != tt.msg {
				t.Errorf("APIError = %+v, want status %d, code %q, message %q", *apiErr, tt.status, tt.code, tt.msg)
			}
			if got := ErrorCode(err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if IsOutcomeUnknown(err) {
				t.Error("IsOutcomeUnknown is true for an answered request")
			}
		})
	}
}

func TestErrorCode_ofOtherErrors(t *testing.T) {
	t.Parallel()
	apiErr := &APIError{StatusCode: 400, Code: ErrorCodeNameAlreadyUsed, Method: "POST", Path: "/repo"}
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("plain"), ""},
		{&ResponseError{StatusCode: 200, Reason: "x"}, ""},
		{&APIError{StatusCode: 400}, ""},
		{apiErr, ErrorCodeNameAlreadyUsed},
		{fmt.Errorf("create repo: %w", apiErr), ErrorCodeNameAlreadyUsed},
		{&OutcomeUnknownError{Err: apiErr}, ErrorCodeNameAlreadyUsed},
	} {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestAPIError_textNamesTheCode(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		code, msg, want string
	}{
		{"", "bad", "POST /repo: 400 Bad Request: bad"},
		{"NAME_ALREADY_USED", "taken", "POST /repo: 400 Bad Request: NAME_ALREADY_USED: taken"},
		{"NAME_ALREADY_USED", "", "POST /repo: 400 Bad Request: NAME_ALREADY_USED"},
		{"NAME_ALREADY_USED", "NAME_ALREADY_USED", "POST /repo: 400 Bad Request: NAME_ALREADY_USED"},
		{"", "", "POST /repo: 400 Bad Request"},
	} {
		err := &APIError{StatusCode: 400, Code: tt.code, Message: tt.msg, Method: "POST", Path: "/repo"}
		if got := err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorCode_tokenEchoedInCodeOrMessageIsRedacted(t *testing.T) {
	t.Parallel()
	for _, status := range []int{200, 400} {
		srv := answer(t, status, `{"success":false,"error_code":"BAD_`+testToken+`","error_message":"token `+testToken+` refused"}`)
		c := newTestClient(t, srv.URL)
		_, err := c.do(context.Background(), http.MethodPost, "/repo", map[string]string{}, nil)
		assertNoToken(t, err)
		if code := ErrorCode(err); strings.Contains(code, testToken) || !strings.HasPrefix(code, "BAD_") {
			t.Errorf("status %d: code %q", status, code)
		}
	}
}
