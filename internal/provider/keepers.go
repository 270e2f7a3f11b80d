package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// keepers replaces a key when its entries change. No keepers has three
// spellings: unset, null and {}. They must mean one thing, or a module that
// adds an optional keepers variable defaulting to {} would rotate every key.
// Terraform plans a configured {} as {}, so {} is the one value: an unset
// keepers is planned as {} too (the attribute is Computed for that alone),
// and Read turns the null of an older state into {}.

func noKeepers() types.Map {
	return types.MapValueMust(types.StringType, map[string]attr.Value{})
}

// noKeepersIsEmpty plans an unset or null keepers as {}.
type noKeepersIsEmpty struct{}

var _ planmodifier.Map = noKeepersIsEmpty{}

func (noKeepersIsEmpty) Description(context.Context) string {
	return "an unset or null keepers is the same as {}"
}

func (m noKeepersIsEmpty) MarkdownDescription(ctx context.Context) string { return m.Description(ctx) }

func (noKeepersIsEmpty) PlanModifyMap(_ context.Context, req planmodifier.MapRequest, resp *planmodifier.MapResponse) {
	if req.ConfigValue.IsNull() && !req.Plan.Raw.IsNull() {
		resp.PlanValue = noKeepers()
	}
}

// replaceWhenKeepersChange replaces the key when an entry is added, changed
// or removed, but not between a null (older state) and an empty keepers.
var replaceWhenKeepersChange = mapplanmodifier.RequiresReplaceIf(
	func(_ context.Context, req planmodifier.MapRequest, resp *mapplanmodifier.RequiresReplaceIfFuncResponse) {
		resp.RequiresReplace = keepersReplace(req.PlanValue, req.StateValue)
	},
	"a change to keepers' entries creates a new key",
	"a change to `keepers`' entries creates a new key",
)

// keepersReplace says whether keepers planned as plan, which differ from
// state's, replace the key: only when one of them has an entry.
func keepersReplace(plan, state types.Map) bool {
	return plan.IsUnknown() || len(plan.Elements()) > 0 || len(state.Elements()) > 0
}
