package client

import (
	"context"
	"net/http"
)

// create POSTs a request that makes an object on the server. It is repeated
// only where the server certainly did not act (see checkRetry), and a failure
// after which the server may nevertheless have made the object is an
// *OutcomeUnknownError: the caller must look for the object before it sends
// the create again, or it may make a second one.
func (c *Client) create(ctx context.Context, path string, in, out any) (int, error) {
	status, err := c.do(notRepeated(ctx), http.MethodPost, path, in, out)
	if err != nil && createMayHaveActed(ctx, status, err) {
		return status, &OutcomeUnknownError{Err: err}
	}
	return status, err
}

// notRepeated gives a request the retry policy of a create: it is sent again
// only where the server certainly did not act on it.
func notRepeated(ctx context.Context) context.Context {
	return context.WithValue(ctx, createKey{}, true)
}
