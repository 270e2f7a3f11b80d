// Package provider is the Terraform provider for the Flashback platform. It
// knows Terraform and nothing of HTTP: every API call goes through
// internal/client.
package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
	"github.com/flashbacknetwork/terraform-provider-flashback/internal/wait"
)

const (
	envBaseURL     = "FLASHBACK_BASE_URL"
	envAccessToken = "FLASHBACK_ACCESS_TOKEN"
	envOrgID       = "FLASHBACK_ORG_ID"

	defaultListCacheTTL = 30 * time.Second
)

var (
	_ provider.Provider                  = &flashbackProvider{}
	_ provider.ProviderWithListResources = &flashbackProvider{}
)

// tuning holds the knobs that are not provider attributes: the waits between
// retries and re-checks. Tests shorten them so that faults are survived in
// milliseconds instead of seconds.
type tuning struct {
	retryWaitMin, retryWaitMax time.Duration
	// readRecheckWait is the first wait before a Read looks again for a key
	// created moments ago; readRecheckTries bounds how often it looks.
	readRecheckWait  time.Duration
	readRecheckTries int
	// sleep, when set, replaces the real waits of the provider's own loops
	// (not the client's retries): tests record them instead of waiting.
	sleep func(ctx context.Context, d time.Duration) bool
}

// wait waits for d or until ctx ends, and reports whether it waited the whole
// time.
func (t tuning) wait(ctx context.Context, d time.Duration) bool {
	if t.sleep != nil {
		return t.sleep(ctx, d)
	}
	return wait.For(ctx, d)
}

var defaultTuning = tuning{
	retryWaitMin:     client.DefaultRetryWaitMin,
	retryWaitMax:     client.DefaultRetryWaitMax,
	readRecheckWait:  time.Second,
	readRecheckTries: 5,
}

type flashbackProvider struct {
	version string
	tuning  tuning
}

// New returns the provider factory that main.go serves.
func New(version string) func() provider.Provider {
	return newWithTuning(version, defaultTuning)
}

func newWithTuning(version string, t tuning) func() provider.Provider {
	return func() provider.Provider {
		return &flashbackProvider{version: version, tuning: t}
	}
}

type providerModel struct {
	BaseURL      types.String `tfsdk:"base_url"`
	AccessToken  types.String `tfsdk:"access_token"`
	MaxRetries   types.Int64  `tfsdk:"max_retries"`
	ListCacheTTL types.String `tfsdk:"list_cache_ttl"`
	OrgID        types.String `tfsdk:"org_id"`
}

// providerData is what Configure hands to every resource and data source.
type providerData struct {
	client     *client.Client
	lists      *client.ListCache[client.AIAPIKey]
	token      string
	maxRetries int
	tuning     tuning

	// llmLists lists the AI LLM configurations of a workspace, keyed by its
	// id; every write of a configuration invalidates its workspace.
	llmLists *client.ListCache[client.AILLM]

	// created holds the ids of every key this provider configuration
	// created: a create with an unknown outcome never names one of them as a
	// key it may have left.
	created sync.Map

	// org is the organization AI policies belong to unless they say.
	org *orgDiscovery
	// policyLists shares the lists of AI policies by scope
	// (client.AIPolicyScopeKey).
	policyLists   *client.ListCache[client.AIPolicy]
	policyCreates policyCreates
}

func (p *flashbackProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "flashback"
	resp.Version = p.version
}

func (p *flashbackProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Flashback provider manages the [Flashback](https://flashback.tech) AI gateway: the AI " +
			"API keys of a repository (its first resource), the LLM connections of a workspace, the AI policies that " +
			"govern the traffic, and lookups of workspaces and repositories that tie them together.",
		Attributes: map[string]schema.Attribute{
			"base_url": schema.StringAttribute{
				MarkdownDescription: "The Flashback API's base URL, an absolute `https` URL; `http` only for a loopback " +
					"address (`127.0.0.1`, `::1`, `localhost`), such as a local emulator's, since every request carries the " +
					"access token. Redirects are never followed. Defaults to the `" + envBaseURL + "` environment variable, " +
					"then to `" + client.DefaultBaseURL + "`.",
				Optional: true,
			},
			"access_token": schema.StringAttribute{
				MarkdownDescription: "The access token sent as `Authorization: Bearer` on every request. " +
					"Defaults to the `" + envAccessToken + "` environment variable; one of the two is required.",
				Optional:  true,
				Sensitive: true,
			},
			"max_retries": schema.Int64Attribute{
				MarkdownDescription: "How many times a request is repeated after throttling (429), a gateway error " +
					"(502, 503, 504) or a dropped connection. The waits grow exponentially from 1s (1s, 2s, 4s, 8s, " +
					"jittered, at most 30s each), or are what `Retry-After` asks, up to 30s. Defaults to `4`: a request " +
					"that keeps failing gives up after at most about 15 seconds of waiting, or 2 minutes when the server " +
					"keeps asking for 30s with `Retry-After`; each attempt may also take up to 60s. A create is repeated " +
					"as it was sent only where Flashback certainly did not act. When its outcome is unknown (a 500, 502 " +
					"or 504, a dropped connection), it is repeated up to `max_retries` times under a temporary name and " +
					"renamed, which adds at most about 22 seconds of waiting with the default, plus the retries of those " +
					"requests. `0` disables retries.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"list_cache_ttl": schema.StringAttribute{
				MarkdownDescription: "How long a list of a repository's keys answers further reads, as a Go duration " +
					"such as `30s` (the default) or `0s`. Flashback has no call that reads a single key, so this lets " +
					"a refresh of many keys cost one list per repository. The LLM connections of one workspace, and the " +
					"AI policies of one scope, share a list the same way. Writes by the provider always invalidate it.",
				Optional:   true,
				Validators: []validator.String{durationValidator{}},
			},
			"org_id": schema.StringAttribute{
				MarkdownDescription: "The organization that `flashback_ai_policy` resources belong to when they do not set " +
					"`org_id` themselves. Defaults to the `" + envOrgID + "` environment variable; when neither is set, " +
					"the provider reads the organization of the access token's user from Flashback (`GET /user/profile`), " +
					"once, and only when a policy without `org_id` is created. Nothing else needs it.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
		},
	}
}

func (p *flashbackProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	// A value that is unknown until apply (taken from another resource) cannot
	// be checked now. Leave the provider unconfigured: creates still plan, and
	// anything that needs the API says why it cannot run yet.
	if cfg.BaseURL.IsUnknown() || cfg.AccessToken.IsUnknown() || cfg.MaxRetries.IsUnknown() || cfg.ListCacheTTL.IsUnknown() ||
		cfg.OrgID.IsUnknown() {
		tflog.Debug(ctx, "provider configuration has values unknown until apply; not configuring the API client yet")
		return
	}

	baseURL := stringOr(cfg.BaseURL, os.Getenv(envBaseURL), client.DefaultBaseURL)
	token := stringOr(cfg.AccessToken, os.Getenv(envAccessToken), "")
	ctx = maskToken(ctx, token)

	_, err := client.ParseBaseURL(baseURL)
	switch {
	case errors.Is(err, client.ErrCleartextBaseURL):
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Insecure Flashback base URL",
			fmt.Sprintf("base_url (or %s) %s: every request carries the access token, and over http anyone on the way can "+
				"read it. Use https, for example %s; http is allowed only for a loopback address (127.0.0.1, ::1, "+
				"localhost), such as a local emulator's.", envBaseURL, err, client.DefaultBaseURL))
	case err != nil:
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Flashback base URL",
			fmt.Sprintf("base_url (or %s) %s. Set it to the Flashback API's address, for example %s.", envBaseURL, err, client.DefaultBaseURL))
	}
	switch {
	case !cfg.AccessToken.IsNull() && strings.TrimSpace(token) == "":
		resp.Diagnostics.AddAttributeError(path.Root("access_token"), "Empty Flashback access token",
			"access_token is set to an empty string in the provider block, which takes the place of the "+envAccessToken+
				" environment variable. Remove access_token from the block to use the variable, or set it to a token.")
	case token == "":
		resp.Diagnostics.AddAttributeError(path.Root("access_token"), "Missing Flashback access token",
			"The provider needs an access token to call the Flashback API. Set access_token in the provider block, "+
				"or the "+envAccessToken+" environment variable.")
	}
	maxRetries := int64(client.DefaultMaxRetries)
	if !cfg.MaxRetries.IsNull() {
		maxRetries = cfg.MaxRetries.ValueInt64()
	}
	ttl := defaultListCacheTTL
	if !cfg.ListCacheTTL.IsNull() {
		ttl, _ = time.ParseDuration(cfg.ListCacheTTL.ValueString())
	}
	if resp.Diagnostics.HasError() {
		return
	}

	c, err := client.New(client.Config{
		BaseURL:      baseURL,
		Token:        token,
		UserAgent:    userAgent(p.version, req.TerraformVersion),
		MaxRetries:   int(maxRetries),
		RetryWaitMin: p.tuning.retryWaitMin,
		RetryWaitMax: p.tuning.retryWaitMax,
		Logger:       leveledLogger{ctx: ctx},
	})
	if err != nil {
		resp.Diagnostics.AddError("Cannot configure the Flashback provider", err.Error())
		return
	}
	data := &providerData{
		client:     c,
		lists:      newKeyLists(c, ttl),
		llmLists:   client.NewListCache(c.AILLMs.List, func(l client.AILLM) string { return l.ID }, ttl),
		token:      token,
		maxRetries: int(maxRetries),
		tuning:     p.tuning,
	}
	data.org = newOrgDiscovery(stringOr(cfg.OrgID, os.Getenv(envOrgID), ""), c.Users.Profile)
	data.policyLists = client.NewListCache(c.AIPolicies.ListScope, func(p client.AIPolicy) string { return p.ID }, ttl)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *flashbackProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newRepoAIAPIKeyResource,
		newAILLMResource,
		newAIPolicyResource,
	}
}

// ListResources are what `terraform query` lists: one for each resource, with
// its name (see listResource).
func (p *flashbackProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		newRepoAIAPIKeyListResource,
		newAILLMListResource,
		newAIPolicyListResource,
	}
}

func (p *flashbackProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		newRepoAIAPIKeyDataSource,
		newRepoAIAPIKeysDataSource,
		newAILLMsDataSource,
		newWorkspaceDataSource,
		newRepoDataSource,
		newReposDataSource,
	}
}

func stringOr(v types.String, fallbacks ...string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	for _, f := range fallbacks {
		if f != "" {
			return f
		}
	}
	return ""
}

func userAgent(providerVersion, terraformVersion string) string {
	ua := "terraform-provider-flashback/" + providerVersion
	if terraformVersion != "" {
		ua += " Terraform/" + terraformVersion
	}
	return ua
}

// newKeyLists is the list cache of AI API keys, one list per repository.
func newKeyLists(c *client.Client, ttl time.Duration) *client.ListCache[client.AIAPIKey] {
	return client.NewListCache(c.AIAPIKeys.List, keyID, ttl)
}
