package provider

import (
	"context"
	"fmt"
	"sync"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Field names whose values are never written to logs, whatever logs them.
var sensitiveLogFields = []string{"access_token", "token", "secret", "Authorization"}

// maskToken returns ctx with logging set to hide the access token wherever it
// appears, in messages and in field values, and to hide sensitive fields.
func maskToken(ctx context.Context, token string) context.Context {
	ctx = tflog.MaskFieldValuesWithFieldKeys(ctx, sensitiveLogFields...)
	if token == "" {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, token)
	return tflog.MaskMessageStrings(ctx, token)
}

// maskSecret returns ctx with logging set to hide secret as well.
func maskSecret(ctx context.Context, secret string) context.Context {
	if secret == "" {
		return ctx
	}
	ctx = tflog.MaskAllFieldValuesStrings(ctx, secret)
	return tflog.MaskMessageStrings(ctx, secret)
}

// leveledLogger routes go-retryablehttp's messages into tflog. retryablehttp
// logs without a context, so the logger keeps the one it was made with; that
// context carries the masks.
type leveledLogger struct {
	ctx context.Context
}

// sharedLogMu serialises logging through a leveledLogger's context: tflog's
// masking rewrites the context's field map in place, and every request of a
// provider logs through the same context, often concurrently.
var sharedLogMu sync.Mutex

func (l leveledLogger) log(write func(context.Context, string, ...map[string]any), msg string, kv []any) {
	sharedLogMu.Lock()
	defer sharedLogMu.Unlock()
	write(l.ctx, msg, fields(kv))
}

func (l leveledLogger) Error(msg string, kv ...any) { l.log(tflog.Error, msg, kv) }
func (l leveledLogger) Info(msg string, kv ...any)  { l.log(tflog.Info, msg, kv) }
func (l leveledLogger) Debug(msg string, kv ...any) { l.log(tflog.Debug, msg, kv) }
func (l leveledLogger) Warn(msg string, kv ...any)  { l.log(tflog.Warn, msg, kv) }

// fields turns retryablehttp's alternating key/value list into tflog fields.
func fields(kv []any) map[string]any {
	out := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		key, ok := kv[i].(string)
		if !ok {
			key = fmt.Sprint(kv[i])
		}
		v := kv[i+1]
		if err, ok := v.(error); ok {
			v = err.Error()
		}
		out[key] = v
	}
	return out
}
