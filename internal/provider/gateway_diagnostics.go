package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// gatewayRef names an object of the AI gateway (a policy, a workspace, a
// repo) in messages: by ID where it has one, by name before it is created or
// when it is looked up by name, and where it lives.
type gatewayRef struct {
	// kind is what the object is, singular: "AI policy", "workspace", "repo".
	kind     string
	id, name string
	// parent is where the object lives, such as "workspace ws-1 of
	// organization org-1"; empty when that is not known or not relevant.
	parent string
	// located are the attributes that say where the object is (org_id,
	// workspace_id, repo_id, or id for a lookup): what a 403 or a 404 asks to
	// check.
	located []string
	// sent are the attributes whose values a create or an update sent: what
	// a 400 asks to change.
	sent []string
}

func (r gatewayRef) String() string {
	var s string
	switch {
	case r.id != "":
		s = fmt.Sprintf("%s %s", r.kind, r.id)
	case r.name != "":
		s = fmt.Sprintf("%s %q", r.kind, r.name)
	default:
		s = "the " + r.kind + "s"
	}
	if r.parent != "" {
		s += " in " + r.parent
	}
	return s
}

// gatewayErrorDiag turns a failed API call on an object of the AI gateway into
// a diagnostic that says what failed, for which object, and what to do next.
// The client's errors never hold the token or a secret, so err is safe to show.
func gatewayErrorDiag(op string, ref gatewayRef, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s %s", op, ref.kind)
	switch {
	case client.IsUnauthorized(err):
		summary = "Flashback rejected the access token"
	case client.IsForbidden(err):
		summary = "No access to Flashback " + ref.kind
		if ref.parent != "" {
			summary = "No access to Flashback " + ref.parent
		}
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s %s: %s. %s", op, ref, err, gatewayNextStep(op, ref, err)))
}

// gatewayNextStep says what to do about err, which an operation op on ref
// met. It follows the rules of the AI API keys' advice: only what may pass by
// itself (throttling, a server or network failure) is worth trying again
// later; a refusal names what was sent, and a 404 points at the attributes
// that locate the object and at base_url.
func gatewayNextStep(op string, ref gatewayRef, err error) string {
	located := orList(ref.located)
	switch {
	case client.IsUnauthorized(err):
		return "The access token is missing, expired or wrong: check access_token in the provider block or the " +
			envAccessToken + " environment variable."
	case client.IsForbidden(err):
		return fmt.Sprintf("The access token has no permission for this: check %s, or use a token of a user who may "+
			"%s it.", located, op)
	case client.IsNotFound(err) && op == "update":
		return fmt.Sprintf("The %s no longer exists: it was deleted outside Terraform. Run terraform apply again: the "+
			"refresh will notice, and it will be created anew.", ref.kind)
	case client.IsNotFound(err):
		return fmt.Sprintf("Either %s names nothing that Flashback knows (check it), or base_url does not point at the "+
			"Flashback API: a base_url whose path prefix is missing or wrong gets this very answer.", located)
	case client.IsBadRequest(err) && len(ref.sent) > 0:
		return fmt.Sprintf("Flashback refused the values sent (%s): change them as its message says.", strings.Join(ref.sent, ", "))
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

// orList joins attribute names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	switch len(names) {
	case 0:
		return "the IDs in the configuration"
	case 1:
		return names[0]
	default:
		return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
}
