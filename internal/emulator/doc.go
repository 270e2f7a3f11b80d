// Package emulator is an in-memory stand-in for the Flashback API the provider
// uses, faithful enough to run every resource's whole lifecycle against it, with
// hooks to change objects behind the provider's back, count traffic and inject
// failures.
//
// The wire contract it implements is in contract/ next to this file:
// contract/flashback-api.md (AI API keys), contract/flashback-ai-gateway-api.md
// (AI LLM configurations, AI policies, repos, workspaces, the user profile and the
// organization) and the parts of contract/flashback-platform-api.md that
// contract/README.md names (repo writes, the bucket list, workspace writes). It
// follows those files' "Emulator choices in one place" wherever the contract is
// silent. It implements every endpoint of the first two files except
// GET /ai/llm/stats and the policy violation, alert, validate and recommend
// endpoints. Buckets cannot be created through it: Options.Buckets and AddBucket
// stand in for POST /bucket, as AttachLLM and DetachLLM stand in for an edit in
// the Flashback UI. Where it departs from or adds to the contract:
//   - One user in one organization, an ADMIN of every workspace of that
//     organization. Workspaces of other organizations exist only to be refused,
//     with their repos and buckets.
//   - With nothing declared in Options it holds the organization alone, as for a
//     new customer; everything else is then made through the API.
//   - Names (keys, LLM configurations, policies, repos, workspaces, buckets) are
//     at most MaxNameLength characters; bodies must be one JSON object of at most
//     1 MiB; an unsupported method gets 405 with Allow; a bad token gets 401 with
//     WWW-Authenticate.
//   - An empty workspaceId, repoId or orgId query parameter is a 400, not "absent".
//   - PUT /ai/llm/{id} with workspaceId, PUT /policy/{id} with orgId,
//     workspaceId or repoId, even null, and PUT /workspace/{id} with orgId are a
//     400: scope never changes. PUT /workspace/{id} without a name is a 400.
//   - An AI LLM endpoint must be an absolute URL (scheme and host) on create and
//     update; validate then succeeds only for an http(s) endpoint with a secret.
//     A change of type, endpoint, key, secret or apiKeyUuid makes a configuration
//     unvalidated again (open question 5 of the gateway contract).
//   - A policy's workspace or repo that does not exist (or was deleted) is a 404,
//     one of another organization a 403, a repo outside the policy's workspace a
//     400, on create and on list alike.
//   - Repo writes: the body needs name, storageType and mode (and workspaceId on
//     POST), else 400; a bucket or AI LLM id named twice in one
//     body is a 400; PUT cannot change storageType or mode (400: open question 3
//     of the platform contract; the provider replaces the repo instead). On PUT an
//     absent or null list is empty; with Options.KeepOmittedRepoLists, absent or
//     null leaves it as it is. Options.ErrorCodesIn2xx answers error codes with
//     200; Options.RepoQuota and SetRepoQuota make POST /repo answer
//     QUOTA_EXCEEDED (400).
//   - Every repo's listing carries a synthetic storage key and the whole objects
//     of its buckets with their encrypted secret blobs (RepoStorageSecrets,
//     BucketSecrets), so that clients can be shown never to keep them.
//   - Options.ListLag hides young keys, LLM configurations and policies, and
//     workspaces and repos made through the API, from lists (never from
//     GET /policy/{id} or GET /workspace/{id}); what Options declare is never
//     hidden. Options.ListDeleted shows soft-deleted keys.
//   - A data file holds the whole state, declared objects included, and wins
//     over Options for the ids it holds.
//
// The package is organised by collection: router.go dispatches, and each
// collection (keys.go, llms.go, policies.go, repos.go, buckets.go,
// workspaces.go, organization.go) declares its routes, store and handlers;
// declarations.go turns Options into stored objects; faults, latency, list lag,
// counters, chaos and persistence apply to every route.
package emulator
