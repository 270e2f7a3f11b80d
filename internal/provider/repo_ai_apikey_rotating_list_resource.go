package provider

import (
	"context"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

// newRepoAIAPIKeyRotatingListResource lists the keys of a repository that a
// rotating key could adopt as its current key: the same keys and filters as
// the key's list resource, less the keys that are some rotating key's
// previous key ("<name> (retiring)") or a create's or rotation's temporary
// key, which are not anyone's to adopt.
func newRepoAIAPIKeyRotatingListResource() list.ListResource {
	return &listResource[repoAIAPIKeyListConfig, client.AIAPIKey]{
		typeName: "_repo_ai_apikey_rotating",
		identity: repoAIAPIKeyRotatingIdentity,
		schema: listschema.Schema{
			MarkdownDescription: "Lists the AI API keys of a Flashback repository that a `flashback_repo_ai_apikey_rotating` " +
				"can adopt as its current key, newest first, for `terraform query`: each key with its identity (`repo_id`, " +
				"`id`) and its name as display name. Keys named `<name> (retiring)`, the previous keys of rotating keys, " +
				"and the temporary keys of a create or a rotation under way are left out. Secrets are never listed: " +
				"Flashback returns a key's secret only when the key is created.",
			Attributes: keyListFilters(),
		},
		list:   listAdoptableKeys,
		result: listedRotatingKey,
	}
}

// listAdoptableKeys lists the repo's keys as the key's list resource does,
// through the same cache, less those no rotating key may adopt.
func listAdoptableKeys(ctx context.Context, data *providerData, cfg repoAIAPIKeyListConfig) ([]client.AIAPIKey, diag.Diagnostics) {
	keys, diags := listRepoAIAPIKeys(ctx, data, cfg)
	adoptable := make([]client.AIAPIKey, 0, len(keys))
	for _, k := range keys {
		if !strings.HasSuffix(k.Name, retiringSuffix) && !strings.HasPrefix(k.Name, rotationNamePrefix) &&
			!strings.HasPrefix(k.Name, pendingNamePrefix) {
			adoptable = append(adoptable, k)
		}
	}
	return adoptable, diags
}

// listedRotatingKey is a listed key as an import leaves it in the state: the
// current key, with no secret (Flashback never returns it again), no previous
// key, rotate_when {} and overlap null until the configuration sets it.
func listedRotatingKey(cfg repoAIAPIKeyListConfig, k client.AIAPIKey) (string, any) {
	m := rotatingKeyModel{
		ID:         types.StringValue(k.ID),
		RepoID:     cfg.RepoID,
		RotateWhen: noKeepers(),
		Overlap:    types.StringNull(),
		Key:        types.StringNull(),
		Secret:     types.StringNull(),
		RetiredIDs: types.ListNull(types.StringType),

		SecretRecipients: types.ListNull(types.StringType),
		EncryptedSecret:  types.StringNull(),
	}
	m.dropPrevious()
	m.applyListed(k)
	return k.Name, m
}
