package provider

import (
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// aiLLMRef names an AI LLM configuration of workspace workspaceID in
// messages: by id, or, with id "", all the configurations of the workspace.
// An empty workspaceID means every workspace the token can access (import
// lists them all).
func aiLLMRef(workspaceID, id string) objectRef {
	ref := objectRef{kind: aiLLMKind, id: id}
	if workspaceID != "" {
		ref.parent = inWorkspace(workspaceID)
	}
	return ref
}

// llmSent describes, attribute by attribute, what a create or update sends:
// the values of name, ai_type and endpoint, and only the names of secret and
// key, whose values never appear in a message.
func llmSent(name, aiType, endpoint *string, secret, key bool) []string {
	var sent []string
	if name != nil {
		sent = append(sent, sentValue("name", *name))
	}
	if aiType != nil {
		sent = append(sent, sentValue("ai_type", *aiType))
	}
	if endpoint != nil {
		sent = append(sent, sentValue("endpoint", *endpoint))
	}
	if secret {
		sent = append(sent, "the secret (not shown)")
	}
	if key {
		sent = append(sent, "key (not shown)")
	}
	return sent
}

// llmCreateRef names the configuration a create is for, with what it sends.
func llmCreateRef(req client.CreateAILLMRequest) objectRef {
	ref := aiLLMRef(req.WorkspaceID, "").sending(llmSent(&req.Name, &req.AIType, &req.Endpoint, req.Secret != "", req.Key != ""))
	ref.name = req.Name
	return ref
}

func llmSentByUpdate(req client.UpdateAILLMRequest) []string {
	return llmSent(req.Name, req.AIType, req.Endpoint, req.Secret != nil, req.Key != nil)
}

// llmInUseDiag is the refusal to delete a configuration that repositories
// still use: Flashback answers it with a 403 like a missing permission, so
// the advice errorDiag gives would be wrong. It names the repositories and
// says how to let go of them first.
func llmInUseDiag(ref objectRef, repos []client.AILLMRepo, err error) diag.Diagnostic {
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
