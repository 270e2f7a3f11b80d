package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// keyRef names the key an operation was about, for messages: by id where it
// has one, by name before it is created.
type keyRef struct {
	repoID, id, name string
}

func (k keyRef) String() string {
	if k.id != "" {
		return fmt.Sprintf("AI API key %s in repo %s", k.id, k.repoID)
	}
	return fmt.Sprintf("AI API key %q in repo %s", k.name, k.repoID)
}

// apiErrorDiag turns a failed API call into a diagnostic that says what failed,
// for which key, and what to do next. The client's errors never hold the token
// or a secret, so err is safe to show.
func apiErrorDiag(op string, key keyRef, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s AI API key", op)
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
	default:
		return diag.NewErrorDiagnostic(summary, fmt.Sprintf(
			"Could not %s %s: %s. If the Flashback API is having trouble, run terraform apply again later; "+
				"max_retries in the provider block sets how long each request keeps trying.", op, key, err))
	}
}
