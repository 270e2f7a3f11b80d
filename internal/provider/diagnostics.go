package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// keyRef names what an operation was about, for messages: a key by id where
// it has one, by name before it is created, or, with neither, all the keys of
// the repo.
type keyRef struct {
	repoID, id, name string
}

func (k keyRef) String() string {
	switch {
	case k.id != "":
		return fmt.Sprintf("AI API key %s in repo %s", k.id, k.repoID)
	case k.name != "":
		return fmt.Sprintf("AI API key %q in repo %s", k.name, k.repoID)
	default:
		return "the AI API keys of repo " + k.repoID
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
		"The provider's configuration has values that are not known until apply (base_url, access_token, max_retries "+
			"or list_cache_ttl come from another resource), so the Flashback API cannot be called yet. Apply the "+
			"resources they depend on first, for example with terraform apply -target.")
	return false
}

// apiErrorDiag turns a failed API call into a diagnostic that says what failed,
// for which key, and what to do next. The client's errors never hold the token
// or a secret, so err is safe to show.
func apiErrorDiag(op string, key keyRef, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s AI API key", op)
	if op == "list" {
		summary = "Cannot list AI API keys"
	}
	switch {
	case client.IsUnauthorized(err):
		return diag.NewErrorDiagnostic("Flashback rejected the access token", fmt.Sprintf(
			"Could not %s %s: %s. The access token is missing, expired or wrong: check access_token in the provider "+
				"block or the FLASHBACK_ACCESS_TOKEN environment variable.", op, key, err))
	case client.IsForbidden(err):
		return diag.NewErrorDiagnostic(fmt.Sprintf("No access to Flashback repo %s", key.repoID), fmt.Sprintf(
			"Could not %s %s: %s. The access token has no permission on this repo: check repo_id, or use a token "+
				"that can manage the repo's AI API keys.", op, key, err))
	case client.IsNotFound(err) && op == "update":
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf(
			"Could not update %s: it no longer exists (%s); it was deleted outside Terraform. Run terraform apply "+
				"again: the refresh will notice, and the key will be created anew.", key, err))
	case client.IsNotFound(err) && op == "list":
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf(
			"Could not list %s: %s. Flashback knows no repo with this ID: check repo_id.", key, err))
	default:
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf(
			"Could not %s %s: %s. If the Flashback API is having trouble, run Terraform again later; "+
				"max_retries in the provider block sets how long each request keeps trying.", op, key, err))
	}
}
