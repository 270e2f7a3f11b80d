package provider

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/hashicorp/terraform-plugin-log/tflogtest"
)

// Whatever logs through a masked context, the provider's own messages or
// go-retryablehttp's through leveledLogger, shows neither token nor secret.
func TestLogging_masksTokenAndSecret(t *testing.T) {
	t.Parallel()
	const token = "fbt_log-token-0123456789abcdef"
	const secret = "s3cr3t-log-0123456789abcdefghijklmnop"
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	ctx = maskSecret(maskToken(ctx, token), secret)

	tflog.Warn(ctx, "message with "+token+" and "+secret, map[string]any{
		"error":         "request with Bearer " + token + " gave " + secret,
		"access_token":  "anything",
		"secret":        "anything",
		"Authorization": "Bearer anything",
	})
	logger := leveledLogger{ctx: ctx}
	logger.Debug("performing request "+token, "url", "https://example.test/"+secret, "error", errors.New("token "+token))
	logger.Info("info", "secret", secret)
	logger.Warn("warn", "token", token)
	logger.Error("error", "err", fmt.Errorf("wrapped: %w", errors.New(secret)))

	logged := out.String()
	if strings.Contains(logged, token) || strings.Contains(logged, secret) || strings.Contains(logged, "anything") {
		t.Errorf("log shows the token, a secret or a sensitive field:\n%s", logged)
	}
	for _, want := range []string{"message with", "performing request", `"@level":"error"`} {
		if !strings.Contains(logged, want) {
			t.Errorf("log lacks %q; the messages were dropped rather than masked:\n%s", want, logged)
		}
	}
}

// leveledLogger is shared by every request of a provider, which log through
// it at once; tflog's masking rewrites the fields of the logger's context in
// place on every message. Each message must arrive whole, with its own
// fields, and masked. (Unserialised, the masking's writes to the shared
// field map make the runtime stop the test with a concurrent map write.)
func TestLogging_leveledLoggerConcurrentUse(t *testing.T) {
	t.Parallel()
	const token = "fbt_concurrent-0123456789"
	const workers, messages, contextFields = 8, 100, 64
	var out bytes.Buffer
	ctx := tflogtest.RootLogger(context.Background(), &out)
	ctx = tflog.SetField(ctx, "tf_provider_addr", "flashback")
	for i := range contextFields {
		ctx = tflog.SetField(ctx, fmt.Sprintf("context_%02d", i), "value with "+token)
	}
	logger := leveledLogger{ctx: maskToken(ctx, token)}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range messages {
				logger.Debug("request with Bearer "+token, "attempt", m, "worker", w, "header", "Bearer "+token)
			}
		}()
	}
	wg.Wait()

	seen := map[[2]int]bool{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var line struct {
			Message string  `json:"@message"`
			Attempt float64 `json:"attempt"`
			Worker  float64 `json:"worker"`
			Header  string  `json:"header"`
			Addr    string  `json:"tf_provider_addr"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("a log line is not whole JSON (%v): %s", err, sc.Text())
		}
		if strings.Contains(sc.Text(), token) || line.Message != "request with Bearer ***" || line.Header != "Bearer ***" {
			t.Errorf("a log line is not masked: %s", sc.Text())
		}
		if line.Addr != "flashback" {
			t.Errorf("a log line lost the context's field: %s", sc.Text())
		}
		key := [2]int{int(line.Worker), int(line.Attempt)}
		if seen[key] {
			t.Errorf("worker %d's message %d was logged twice", key[0], key[1])
		}
		seen[key] = true
	}
	if len(seen) != workers*messages {
		t.Errorf("%d distinct messages logged, want %d", len(seen), workers*messages)
	}
}
