// Package client is a Go client for the Flashback platform API. It knows HTTP
// and JSON and nothing of Terraform: callers pass a context, typed requests,
// and get typed responses or typed errors back.
package client

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBaseURL is the Flashback API the provider talks to unless told otherwise.
const DefaultBaseURL = "https://backend.flashback.tech"

// Defaults of the retry budget. With them a request that keeps failing gives up
// after 5 attempts and at most about 1+2+4+8 = 15 seconds of waiting; a server
// that asks with Retry-After may stretch each wait to DefaultRetryWaitMax, so
// 4 × 30 s at most. Each attempt may take up to DefaultTimeout on top.
const (
	DefaultMaxRetries   = 4
	DefaultRetryWaitMin = 1 * time.Second
	DefaultRetryWaitMax = 30 * time.Second
	DefaultTimeout      = 60 * time.Second
)

// maxBodyBytes bounds how much of a response is read: far above any real list,
// low enough that a misbehaving server cannot exhaust memory.
const maxBodyBytes = 64 << 20

// Config configures a Client. BaseURL and Token are required.
type Config struct {
	BaseURL   string
	Token     string
	UserAgent string

	// MaxRetries is how many times a failed request is repeated. Zero means no
	// retries; a negative value selects DefaultMaxRetries.
	MaxRetries   int
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Timeout bounds each attempt, not the whole call with its retries.
	Timeout time.Duration

	// Logger receives the retry machinery's messages. Nil discards them.
	Logger retryablehttp.LeveledLogger
}

// Client talks to one Flashback API with one access token. It is safe for
// concurrent use.
type Client struct {
	baseURL   *url.URL
	token     string
	userAgent string
	http      *retryablehttp.Client
	// clockOffset is the server's clock minus ours, in nanoseconds, from the
	// Date header of the latest response.
	clockOffset atomic.Int64

	AIAPIKeys  AIAPIKeys
	AILLMs     *AILLMs
	AIPolicies *AIPolicies
	Repos      *Repos
	Buckets    *Buckets
	Workspaces *Workspaces
	Users      *Users
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("an access token is required")
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = max(DefaultRetryWaitMax, cfg.RetryWaitMin)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "terraform-provider-flashback"
	}

	transport := cleanhttp.DefaultPooledTransport()
	// Terraform refreshes and applies up to 10 resources at once by default;
	// keeping that many connections alive avoids a TLS handshake per request.
	transport.MaxIdleConnsPerHost = 32
	httpClient := &http.Client{Transport: transport, Timeout: cfg.Timeout, CheckRedirect: refuseRedirect}

	rc := &retryablehttp.Client{
		HTTPClient:   httpClient,
		RetryMax:     cfg.MaxRetries,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		CheckRetry:   checkRetry,
		Backoff:      backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if cfg.Logger != nil {
		rc.Logger = cfg.Logger
	}

	c := &Client{baseURL: base, token: cfg.Token, userAgent: cfg.UserAgent, http: rc}
	c.AIAPIKeys = &aiAPIKeys{c: c}
	c.AILLMs = &AILLMs{c: c}
	c.AIPolicies = &AIPolicies{c: c}
	c.Repos = &Repos{c: c}
	c.Buckets = &Buckets{c: c}
	c.Workspaces = &Workspaces{c: c}
	c.Users = &Users{c: c}
	return c, nil
}

// ErrCleartextBaseURL is why ParseBaseURL refuses an http URL whose host is
// not a loopback address: every request carries the access token.
var ErrCleartextBaseURL = errors.New("http would send the access token unencrypted")

// ParseBaseURL checks that raw is an absolute https URL, or an http URL of a
// loopback host (127.0.0.0/8, ::1, localhost), such as a local emulator's.
func ParseBaseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q must not have a query or fragment", raw)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%q: %w", raw, ErrCleartextBaseURL)
	}
	return u, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// refuseRedirect makes a redirect the answer instead of following it: the
// API has none, so a redirect means base_url is not the API's address, and a
// client that followed it could carry the token (and a create's body) to
// another host or over http.
func refuseRedirect(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}

// RetryWait is how long to wait before the given retry (0 for the first),
// with the same exponential, jittered backoff and bounds as the client's own
// retries: for a caller that repeats an operation of several requests.
func (c *Client) RetryWait(retry int) time.Duration {
	return backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, retry, nil)
}

type createKey struct{}

// checkRetry decides whether a failed attempt is repeated. Reads, updates and
// deletes are idempotent and are retried on throttling, gateway errors and
// broken connections. A create is repeated only where the server certainly did
// not act: it throttled us (429), said it is unavailable and when to come back
// (503 with Retry-After), or the connection was never made.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	creating := ctx.Value(createKey{}) != nil
	if err != nil {
		if neverSent(err) {
			return true, nil
		}
		if creating {
			return false, nil
		}
		// The default policy knows which transport errors are permanent
		// (bad scheme, too many redirects, untrusted certificate).
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return true, nil
	case http.StatusServiceUnavailable:
		return !creating || resp.Header.Get("Retry-After") != "", nil
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return !creating, nil
	}
	return false, nil
}

// neverSent reports whether err happened before any byte of the request
// reached the server: the connection could not be opened.
func neverSent(err error) bool {
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// backoff waits what the server asked for with Retry-After, else an
// exponentially growing, fully jittered time, never more than max.
func backoff(minWait, maxWait time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if wait, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return min(wait, maxWait)
		}
	}
	ceiling := maxWait
	// Compared by shifting max down, so a large attempt or minimum cannot
	// overflow minWait<<attempt into a negative wait.
	if attempt < 63 && minWait <= maxWait>>attempt {
		ceiling = minWait << attempt
	}
	if ceiling <= minWait {
		return ceiling
	}
	// Full jitter above the minimum spreads out clients that failed together.
	return minWait + rand.N(ceiling-minWait+1)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		// A delay beyond what a Duration holds would overflow to a negative
		// wait and an immediate retry.
		if int64(secs) > math.MaxInt64/int64(time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		return max(at.Sub(now), 0), true
	}
	return 0, false
}

// ServerNow estimates the server's current time from the Date headers it
// sent, to within about a second (Date has whole seconds).
func (c *Client) ServerNow() time.Time {
	return time.Now().Add(time.Duration(c.clockOffset.Load()))
}

// envelope is the part every Flashback response body shares, with the
// error_code and error_message that repository writes may add.
type envelope struct {
	Success      *bool  `json:"success"`
	Message      string `json:"message"`
	ErrorCode    string `json:"error_code"`
	ErrorMessage string `json:"error_message"`
}

// failed reports whether a 2xx body says the call failed: "success": false,
// or an error_code other than SUCCESS, whatever "success" says (which HTTP
// status carries an error_code is not documented, and an answer that names an
// error cannot be taken for a success).
func (e envelope) failed() bool {
	return (e.Success != nil && !*e.Success) || (e.ErrorCode != "" && e.ErrorCode != ErrorCodeSuccess)
}

// explanation is the server's own text: error_message, which goes with an
// error_code, else message.
func (e envelope) explanation() string {
	return cmp.Or(e.ErrorMessage, e.Message)
}

// do sends one API call with retries and decodes a 2xx body into out. The
// path segments must already be escaped.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, error) {
	return c.doQuery(ctx, method, path, nil, in, out)
}

// doQuery is do with query parameters. Errors name the path without the
// query.
func (c *Client) doQuery(ctx context.Context, method, path string, query url.Values, in, out any) (int, error) {
	u := c.baseURL.JoinPath()
	u.RawPath = strings.TrimSuffix(c.baseURL.EscapedPath(), "/") + path
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = query.Encode()

	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return 0, fmt.Errorf("%s %s: encoding request: %w", method, path, err)
		}
	}
	var reqBody any
	if body != nil {
		reqBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u.String(), reqBody)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return 0, fmt.Errorf("%s %s: %w", method, path, scrubURL(err))
	}
	defer resp.Body.Close()
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.clockOffset.Store(int64(time.Until(date)))
	}

	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("%s %s: reading %d response: %w", method, path, resp.StatusCode, err)
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		code, msg := errorMessage(resp, data)
		if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
			code, msg = "", redirectMessage(resp)
		}
		return resp.StatusCode, &APIError{StatusCode: resp.StatusCode, Code: c.redact(code), Method: method, Path: path, Message: c.redact(msg),
			RetryAfter: resp.Header.Get("Retry-After") != ""}
	}

	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return resp.StatusCode, &ResponseError{StatusCode: resp.StatusCode, Method: method, Path: path, Reason: describeJSONError(data, err)}
	}
	if env.failed() {
		msg := env.explanation()
		if msg == "" && env.ErrorCode == "" {
			msg = `the server answered "success": false without a message`
		}
		return resp.StatusCode, &APIError{StatusCode: resp.StatusCode, Code: c.redact(env.ErrorCode), Method: method, Path: path, Message: c.redact(msg)}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return resp.StatusCode, &ResponseError{StatusCode: resp.StatusCode, Method: method, Path: path, Reason: describeJSONError(data, err)}
		}
	}
	return resp.StatusCode, nil
}

// redact removes the access token from a server's message: a server that
// echoes a rejected token must not put it into errors and logs.
func (c *Client) redact(msg string) string {
	return strings.ReplaceAll(msg, c.token, "[redacted]")
}

// errorMessage extracts the server's error_code and message from an error
// body, or describes a body that is not the API's JSON (a proxy's HTML page, an
// empty body). A field of an unexpected type is skipped rather than losing the
// others: this body explains a failure, it is not data to use.
func errorMessage(resp *http.Response, data []byte) (code, msg string) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err == nil {
		text := func(name string) string {
			var v string
			_ = json.Unmarshal(raw[name], &v)
			return v
		}
		code = text("error_code")
		if msg = cmp.Or(text("error_message"), text("message")); msg != "" || code != "" {
			return code, msg
		}
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return "", "empty response body"
	}
	ct := resp.Header.Get("Content-Type")
	if ct == "" {
		ct = "unknown content type"
	}
	return "", fmt.Sprintf("unexpected non-JSON response body (%s, %d bytes)", ct, len(data))
}

// redirectMessage says where a redirect pointed, without its query, which
// could carry anything.
func redirectMessage(resp *http.Response) string {
	loc, err := resp.Location()
	if err != nil {
		return "a redirect without a usable Location, not followed"
	}
	loc.RawQuery, loc.Fragment, loc.User = "", "", nil
	return fmt.Sprintf("a redirect to %s, not followed", loc.Redacted())
}

func describeJSONError(data []byte, err error) string {
	if len(bytes.TrimSpace(data)) == 0 {
		return "empty body"
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return "body is not valid JSON"
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q has JSON type %s, expected %s", typeErr.Field, typeErr.Value, typeErr.Type)
	default:
		return "body is not the expected JSON object"
	}
}

// scrubURL drops the URL from a transport error: the path is already in the
// message, and the host adds noise without adding meaning.
func scrubURL(err error) error {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err
	}
	return err
}
