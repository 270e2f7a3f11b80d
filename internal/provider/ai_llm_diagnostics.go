package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// llmRef names the AI LLM configuration an operation was about, for messages:
// by id where it has one, by name before it is created, or, with neither, all
// the configurations of the workspace. An empty workspaceID means every
// workspace the token can access (import lists them all).
type llmRef struct {
	workspaceID, id, name string
}

func (r llmRef) String() string {
	switch {
	case r.id != "" && r.workspaceID != "":
		return fmt.Sprintf("AI LLM configuration %s in workspace %s", r.id, r.workspaceID)
	case r.id != "":
		return "AI LLM configuration " + r.id
	case r.name != "":
		return fmt.Sprintf("AI LLM configuration %q in workspace %s", r.name, r.workspaceID)
	case r.workspaceID != "":
		return "the AI LLM configurations of workspace " + r.workspaceID
	default:
		return "the AI LLM configurations of every workspace the access token can access"
	}
}

// llmErrorDiag turns a failed API call into a diagnostic that says what
// failed, for which configuration, and what to do next. sent describes the
// values a create or update sent (see llmSent); the client's errors never hold
// the token, the secret or the key, so err is safe to show.
func llmErrorDiag(op string, ref llmRef, sent []string, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s AI LLM configuration", op)
	switch {
	case client.IsUnauthorized(err):
		summary = "Flashback rejected the access token"
	case client.IsForbidden(err) && ref.workspaceID != "":
		summary = "No access to Flashback workspace " + ref.workspaceID
	case op == "list":
		summary = "Cannot list AI LLM configurations"
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s %s: %s. %s", op, ref, err, llmNextStep(op, ref, sent, err)))
}

// llmNextStep says what to do about err, which operation op on ref met. It
// follows the same rules as the AI API keys' advice: only an error that may go
// away by itself is worth waiting out, and a refusal names what was refused.
func llmNextStep(op string, ref llmRef, sent []string, err error) string {
	switch {
	case client.IsUnauthorized(err):
		return "The access token is missing, expired or wrong: check access_token in the provider block or the " +
			envAccessToken + " environment variable."
	case client.IsForbidden(err) && ref.workspaceID != "":
		return fmt.Sprintf("Either workspace %s does not exist, or the access token has no permission on it: check "+
			"workspace_id, or use a token that can manage the workspace's AI LLM configurations.", ref.workspaceID)
	case client.IsForbidden(err):
		return "The access token has no permission for this: use a token that can manage AI LLM configurations."
	case client.IsNotFound(err) && op == "update":
		return "The configuration no longer exists: it was deleted outside Terraform. Run terraform apply again: the " +
			"refresh will notice, and the configuration will be created anew."
	case client.IsNotFound(err) && ref.workspaceID != "":
		return fmt.Sprintf("Either workspace %s does not exist (check workspace_id), or base_url does not point at the "+
			"Flashback API: a base_url whose path prefix is missing or wrong gets this very answer.", ref.workspaceID)
	case client.IsNotFound(err):
		return "base_url does not point at the Flashback API: a base_url whose path prefix is missing or wrong gets " +
			"this very answer."
	case client.IsBadRequest(err) && len(sent) > 0:
		return fmt.Sprintf("Flashback refused the values sent (%s): change them as its message says.", strings.Join(sent, ", "))
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

// llmSent describes, attribute by attribute, what a create or update sends:
// the values of name, ai_type and endpoint, and only the names of secret and
// key, whose values never appear in a message.
func llmSent(name, aiType, endpoint *string, secret, key bool) []string {
	var sent []string
	if name != nil {
		sent = append(sent, fmt.Sprintf("name %q", *name))
	}
	if aiType != nil {
		sent = append(sent, fmt.Sprintf("ai_type %q", *aiType))
	}
	if endpoint != nil {
		sent = append(sent, fmt.Sprintf("endpoint %q", *endpoint))
	}
	if secret {
		sent = append(sent, "the secret (not shown)")
	}
	if key {
		sent = append(sent, "key (not shown)")
	}
	return sent
}

func llmSentByCreate(req client.CreateAILLMRequest) []string {
	return llmSent(&req.Name, &req.AIType, &req.Endpoint, req.Secret != "", req.Key != "")
}

func llmSentByUpdate(req client.UpdateAILLMRequest) []string {
	return llmSent(req.Name, req.AIType, req.Endpoint, req.Secret != nil, req.Key != nil)
}

// llmInUseDiag is the refusal to delete a configuration that repositories
// still use: it names them and says how to let go of them first.
func llmInUseDiag(ref llmRef, repos []client.AILLMRepo, err error) diag.Diagnostic {
	names := make([]string, len(repos))
	for i, repo := range repos {
		if repo.Name != "" {
			names[i] = fmt.Sprintf("%s (%q)", repo.ID, repo.Name)
		} else {
			names[i] = repo.ID
		}
	}
	return diag.NewErrorDiagnostic("AI LLM configuration still in use", fmt.Sprintf(
		"Could not delete %s: %s. Repositories still use it: %s. Detach it from them first (in the Flashback "+
			"console, or wherever the repositories are managed), then run terraform destroy or apply again. When "+
			"Terraform manages those repositories too, make them depend on this configuration (reference its id, or "+
			"depends_on) so that Terraform detaches or destroys them before it.", ref, err, strings.Join(names, ", ")))
}
