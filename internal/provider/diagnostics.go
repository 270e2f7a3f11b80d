package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// objectKind is what messages call an object of one collection, one and many.
type objectKind struct {
	one, many string
}

var (
	aiAPIKeyKind    = objectKind{"AI API key", "AI API keys"}
	aiLLMKind       = objectKind{"AI LLM configuration", "AI LLM configurations"}
	aiPolicyKind    = objectKind{"AI policy", "AI policies"}
	repoKind        = objectKind{"repo", "repos"}
	workspaceKind   = objectKind{"workspace", "workspaces"}
	bucketKind      = objectKind{"bucket", "buckets"}
	userProfileKind = objectKind{"user profile", "user profiles"}
)

// objectRef names what an operation was about, for messages: an object by id
// where it has one, by name before it is created, or, with neither, the
// whole collection; and where it lives. Every collection's errors are built
// from one, so that they all give the same advice.
type objectRef struct {
	kind     objectKind
	id, name string
	// parent is where the object lives; nil where that is not known, such as
	// in an import by ID alone, or not relevant.
	parent *parentRef
	// lookup are the attributes, besides the parent's, that say which object
	// is meant (id, name, "the import ID"): what a 403 or a 404 asks to check.
	lookup []string
	// sent describes, attribute by attribute, what a create or an update sent
	// (see sentValue): what a 400 asks to change. A secret is named, never
	// shown.
	sent []string
	// advise, when set, says what to do about a refusal that the
	// collection's API explains (an error_code); "" leaves it to nextStep.
	advise func(err error) string
}

// sending is ref with the description of what a create or update sent.
func (r objectRef) sending(sent []string) objectRef {
	r.sent = sent
	return r
}

func (r objectRef) String() string {
	var s string
	switch {
	case r.id != "":
		s = r.kind.one + " " + r.id
	case r.name != "":
		s = fmt.Sprintf("%s %q", r.kind.one, r.name)
	case r.parent != nil:
		return fmt.Sprintf("the %s of %s", r.kind.many, r.parent)
	default:
		return "the " + r.kind.many
	}
	if r.parent != nil {
		s += " in " + r.parent.String()
	}
	return s
}

// parentName names where the object lives, such as "repo r1"; "Flashback"
// where that is not known.
func (r objectRef) parentName() string {
	if r.parent == nil {
		return "Flashback"
	}
	return r.parent.String()
}

// located are the attributes that say where the object is: the parent's,
// outermost first, then the lookup's.
func (r objectRef) located() []string {
	var attrs []string
	if r.parent != nil {
		attrs = r.parent.attrs()
	}
	return append(attrs, r.lookup...)
}

// parentRef is where an object lives: the repo, workspace or organization
// that holds it, and the attribute that names it.
type parentRef struct {
	// kind is "repo", "workspace" or "organization".
	kind, id string
	// attr names the parent in the configuration: repo_id, workspace_id,
	// org_id.
	attr string
	// outer is where the parent itself lives, when messages name that too: a
	// policy's workspace is named with its organization.
	outer *parentRef
}

func inRepo(id string) *parentRef { return &parentRef{kind: "repo", id: id, attr: "repo_id"} }

func inWorkspace(id string) *parentRef {
	return &parentRef{kind: "workspace", id: id, attr: "workspace_id"}
}

func inOrganization(id string) *parentRef {
	return &parentRef{kind: "organization", id: id, attr: "org_id"}
}

// within is p, named as part of outer.
func (p *parentRef) within(outer *parentRef) *parentRef {
	p.outer = outer
	return p
}

func (p *parentRef) String() string {
	s := p.kind + " " + p.id
	if p.outer != nil {
		s += " of " + p.outer.String()
	}
	return s
}

// attrs are the attributes that name p, outermost first.
func (p *parentRef) attrs() []string {
	var attrs []string
	if p.outer != nil {
		attrs = p.outer.attrs()
	}
	return append(attrs, p.attr)
}

// sentValue describes an attribute a request sent, with its value. A secret
// is described by its name alone.
func sentValue(attr, value string) string {
	return fmt.Sprintf("%s %q", attr, value)
}

// errorDiag turns a failed API call into a diagnostic that says what failed,
// for which object, and what to do next. The client's errors never hold the
// token or a secret, so err is safe to show.
func errorDiag(op string, ref objectRef, err error) diag.Diagnostic {
	summary := fmt.Sprintf("Cannot %s %s", op, ref.kind.one)
	switch {
	case client.IsUnauthorized(err):
		summary = "Flashback rejected the access token"
	case client.IsForbidden(err) && ref.parent != nil:
		summary = "No access to Flashback " + ref.parent.String()
	case client.IsForbidden(err):
		summary = "No access to Flashback " + ref.kind.one
	case op == "list":
		summary = "Cannot list " + ref.kind.many
	}
	return diag.NewErrorDiagnostic(summary, fmt.Sprintf("Could not %s %s: %s. %s", op, ref, err, nextStep(op, ref, err)))
}

// wrongBaseURL is why a 404 may not be about the object at all.
const wrongBaseURL = "base_url does not point at the Flashback API: a base_url whose path prefix is missing or " +
	"wrong gets this very answer."

// nextStep says what to do about err, which an operation op on ref met. It
// is the one place that decides which errors are worth waiting out and which
// need a change: only what may pass by itself (throttling, a server or
// network failure) is worth trying again later; a refusal names what was
// sent; a 403 or a 404 names the attributes that locate the object.
func nextStep(op string, ref objectRef, err error) string {
	if ref.advise != nil {
		if advice := ref.advise(err); advice != "" {
			return advice
		}
	}
	located := orList(ref.located())
	switch {
	case client.IsUnauthorized(err):
		return "The access token is missing, expired or wrong: check access_token in the provider block or the " +
			envAccessToken + " environment variable."
	case client.IsForbidden(err) && ref.parent != nil:
		return fmt.Sprintf("Either %s does not exist, or the access token has no permission on it: check %s, or use "+
			"a token that can %s the %s's %s.", ref.parent, located, access(op), ref.parent.kind, ref.kind.many)
	case client.IsForbidden(err) && located != "":
		return fmt.Sprintf("The access token has no permission for this: check %s, or use a token of a user who may "+
			"%s it.", located, op)
	case client.IsForbidden(err):
		return fmt.Sprintf("The access token has no permission for this: use a token of a user who may %s it.", op)
	case client.IsNotFound(err) && op == "update":
		return fmt.Sprintf("The %s no longer exists: it was deleted outside Terraform. Run terraform apply again: the "+
			"refresh will notice, and it will be created anew.", ref.kind.one)
	case client.IsNotFound(err) && ref.parent != nil:
		return fmt.Sprintf("Either %s does not exist (check %s), or %s", ref.parent, located, wrongBaseURL)
	case client.IsNotFound(err) && located != "":
		return fmt.Sprintf("Either %s names nothing that Flashback knows (check it), or %s", located, wrongBaseURL)
	case client.IsNotFound(err):
		return wrongBaseURL
	case client.IsBadRequest(err) && len(ref.sent) > 0:
		return fmt.Sprintf("Flashback refused the values sent (%s): change them as its message says.",
			strings.Join(ref.sent, ", "))
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

// access is the permission an operation needs, in a word.
func access(op string) string {
	switch op {
	case "read", "list", "import":
		return "read"
	default:
		return "manage"
	}
}

// orList joins attribute names as "a", "a or b", "a, b or c"; "" for none.
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
