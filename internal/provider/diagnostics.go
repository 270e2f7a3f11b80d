package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// keyRef names what an operation was about, for messages: a key by id where
// it has one, by name before it is created, or, with neither, all the keys of
// the repo. name and aiType are also what a create or a rename sent.
type keyRef struct {
	repoID, id, name, aiType string
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
		"The provider's configuration has values that are not known until apply (base_url, access_token, max_retries, "+
			"list_cache_ttl or org_id come from another resource), so the Flashback API cannot be called yet. Apply the "+
			"resources they depend on first, for example with terraform apply -target.")
	return false
}

// apiErrorDiag turns a failed API call into a diagnostic that says what failed,
// for which key, and what to do next. The client's errors never hold the token
// or a secret, so err is safe to show.
func apiErrorDiag(op string, key keyRef, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s AI API key", op)
	switch {
	case client.IsUnauthorized(err):
		summary = "Flashback rejected the access token"
	case client.IsForbidden(err):
		summary = fmt.Sprintf("No access to Flashback repo %s", key.repoID)
	case op == "list":
		summary = "Cannot list AI API keys"
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s %s: %s. %s", op, key, err, nextStep(op, key, err)))
}

// nextStep says what to do about err, which an operation op on key met. It is
// the one place that decides which errors are worth waiting out and which
// need a change, so that every diagnostic gives the same advice.
func nextStep(op string, key keyRef, err error) string {
	switch {
	case client.IsUnauthorized(err):
		return "The access token is missing, expired or wrong: check access_token in the provider block or the " +
			envAccessToken + " environment variable."
	case client.IsForbidden(err):
		return "The access token has no permission on this repo: check repo_id, or use a token that can manage the " +
			"repo's AI API keys."
	case client.IsNotFound(err) && op == "update":
		return "The key no longer exists: it was deleted outside Terraform. Run terraform apply again: the refresh " +
			"will notice, and the key will be created anew."
	case client.IsNotFound(err):
		return fmt.Sprintf("Either repo %s does not exist (check repo_id), or base_url does not point at the Flashback "+
			"API: a base_url whose path prefix is missing or wrong gets this very answer.", key.repoID)
	case client.IsBadRequest(err) && op == "create":
		return fmt.Sprintf("Flashback refused the values sent, name %q and ai_type %q: change them as its message "+
			"says.", key.name, key.aiType)
	case client.IsBadRequest(err) && op == "update":
		return fmt.Sprintf("Flashback refused the name sent, %q: change name as its message says.", key.name)
	case client.IsRedirect(err):
		return "base_url points at an address that redirects elsewhere: set it to the Flashback API's own address. " +
			"The provider never follows a redirect, so that the access token is sent nowhere else."
	case errors.Is(err, context.Canceled):
		return "Terraform was interrupted; run it again to finish."
	case client.IsTransient(err):
		return "If the Flashback API is having trouble, run Terraform again later; max_retries in the provider " +
			"block sets how long each request keeps trying."
	}
	var unusable *client.ResponseError
	if errors.As(err, &unusable) {
		return "Check that base_url is the Flashback API's address (a web page or a proxy answers like this); if it " +
			"is, the API answered in a form this provider does not understand: report it to Flashback."
	}
	return "Flashback refused the request: correct what its message says."
}
