// Package emulator is an in-memory stand-in for the Flashback API the provider
// uses, faithful enough to run every resource's whole lifecycle against it, with
// hooks to change objects behind the provider's back, count traffic and inject
// failures.
//
// The wire contract it implements is in contract/ next to this file:
// contract/flashback-api.md (AI API keys) and contract/flashback-ai-gateway-api.md
// (AI LLM configurations, AI policies, repos, workspaces, the user profile and the
// organization). It follows the latter's "Emulator choices in one place" wherever
// the contract is silent. It implements every endpoint of those files except the
// repo writes (POST /repo, PUT and DELETE /repo/{id}), GET /ai/llm/stats and the
// policy violation, alert, validate and recommend endpoints; repos are declared
// in Options, and AttachLLM and DetachLLM stand in for the repo writes. Where it
// departs from or adds to the contract:
//   - One user in one organization, an ADMIN of every workspace of that
//     organization. Workspaces of other organizations exist only to be refused,
//     with their repos.
//   - Names (keys, LLM configurations, policies) are at most MaxNameLength
//     characters; bodies must be one JSON object of at most 1 MiB; an unsupported
//     method gets 405 with Allow; a bad token gets 401 with WWW-Authenticate.
//   - An empty workspaceId, repoId or orgId query parameter is a 400, not "absent".
//   - PUT /ai/llm/{id} with workspaceId, and PUT /policy/{id} with orgId,
//     workspaceId or repoId, even null, are a 400: scope never changes.
//   - An AI LLM endpoint must be an absolute URL (scheme and host) on create and
//     update; validate then succeeds only for an http(s) endpoint with a secret.
//     A change of type, endpoint, key, secret or apiKeyUuid makes a configuration
//     unvalidated again (open question 5 of the gateway contract).
//   - A policy's workspace or repo that does not exist is a 404, one of another
//     organization a 403, a repo outside the policy's workspace a 400, on create
//     and on list alike.
//   - Repo listings carry synthetic storage credentials (RepoStorageSecrets) so
//     that clients can be shown never to expose them.
//   - Options.ListLag hides young keys, LLM configurations and policies from lists
//     (never from GET /policy/{id}); Options.ListDeleted shows soft-deleted keys.
//
// The package is organised by collection: router.go dispatches, and each
// collection (keys.go, llms.go, policies.go, repos.go, workspaces.go,
// organization.go) declares its routes, store and handlers; faults, latency,
// list lag, counters, chaos and persistence apply to every route.
package emulator
