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
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
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
	client *client.Client
	token  string
	tuning tuning
	engine *engine

	// One collection for each kind of object the provider manages: its list
	// cache and the record of what this configuration created
	// (collection.go).
	keys     *collection[client.AIAPIKey]
	llms     *collection[client.AILLM]
	policies *collection[client.AIPolicy]
	repos    *collection[client.Repo]

	workspaces *collection[client.Workspace]
	// buckets lists a workspace's buckets, one list per workspace shared by
	// every reader.
	buckets *client.ListCache[client.Bucket]

	// org is the organization AI policies belong to unless they say.
	org *orgDiscovery
}

// newProviderData is the provider data of client c: a collection for each
// kind of object, sharing one create engine.
func newProviderData(c *client.Client, token string, maxRetries int, ttl time.Duration, t tuning) *providerData {
	e := newEngine(c, maxRetries, t)
	return &providerData{
		client:   c,
		token:    token,
		tuning:   t,
		engine:   e,
		keys:     newKeyCollection(c, ttl, e),
		llms:     newLLMCollection(c, ttl, e),
		policies: newPolicyCollection(c, ttl, e),

		workspaces: newWorkspaceCollection(c, ttl, e),
		buckets:    client.NewListCache(c.Buckets.List, ttl),
		repos:      newRepoCollection(c, ttl, e),
	}
}

// providerDataFrom takes the data Configure handed to a resource or data
// source; nil while the provider is not configured yet.
func providerDataFrom(v any, diags *diag.Diagnostics) *providerData {
	if v == nil {
		return nil
	}
	data, ok := v.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", v))
		return nil
	}
	return data
}

// requireConfigured reports whether the provider is configured, and says why
// not when it is not.
func requireConfigured(data *providerData, diags *diag.Diagnostics) bool {
	if data != nil {
		return true
	}
	diags.AddError("Flashback provider not configured",
		"The provider's configuration has values that are not known until apply (base_url, access_token, max_retries, "+
			"list_cache_ttl or org_id come from another resource), so the Flashback API cannot be called yet. Apply the "+
			"resources they depend on first, for example with terraform apply -target.")
	return false
}

func (p *flashbackProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "flashback"
	resp.Version = p.version
}

func (p *flashbackProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Flashback provider manages the [Flashback](https://flashback.tech) AI gateway, from " +
			"an empty organization: its workspaces, the LLM connections of a workspace, the repositories that serve " +
			"them to applications, the AI policies that govern the traffic, and the AI API keys of a repository (its " +
			"first resource); data sources look up workspaces, repositories, buckets, keys and LLM connections made " +
			"elsewhere.",
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
					"or 504, a dropped connection), each resource does what its API allows (its page says which): a key " +
					"is repeated under a temporary name and renamed, an LLM connection or a repository is repeated as it was sent, a " +
					"policy is never repeated; then the provider looks for what the lost attempts may have made, with " +
					"re-checks after 1s, 2s and 4s. That adds at most about 22 seconds of waiting with the default, " +
					"whatever the resource, plus the retries of those requests. `0` disables retries.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 20)},
			},
			"list_cache_ttl": schema.StringAttribute{
				MarkdownDescription: "How long a list of a repository's keys answers further reads, as a Go duration " +
					"such as `30s` (the default) or `0s`. Flashback has no call that reads a single key, so this lets " +
					"a refresh of many keys cost one list per repository. The LLM connections and the repositories of one " +
					"workspace, and the AI policies of one scope, share a list the same way. Writes by the provider always invalidate it.",
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
	data := newProviderData(c, token, int(maxRetries), ttl, p.tuning)
	data.org = newOrgDiscovery(stringOr(cfg.OrgID, os.Getenv(envOrgID), ""), c.Users.Profile)
	resp.ResourceData = data
	resp.DataSourceData = data
	resp.ListResourceData = data
}

func (p *flashbackProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{
		newRepoAIAPIKeyResource,
		newAILLMResource,
		newAIPolicyResource,
		newWorkspaceResource,
		newRepoResource,
		newRepoAIAPIKeyRotatingResource,
	}
}

// ListResources are what `terraform query` lists: one for each resource, with
// its name (see listResource).
func (p *flashbackProvider) ListResources(_ context.Context) []func() list.ListResource {
	return []func() list.ListResource{
		newRepoAIAPIKeyListResource,
		newAILLMListResource,
		newAIPolicyListResource,
		newWorkspaceListResource,
		newRepoListResource,
		newRepoAIAPIKeyRotatingListResource,
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
		newBucketsDataSource,
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
