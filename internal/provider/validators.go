package provider

import (
	"context"
	"fmt"
	"time"

	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// nameValidators are the one rule for the name of every object the provider
// manages: not empty, and not only white space, which tells no one which
// object it is.
func nameValidators() []validator.String {
	return []validator.String{
		stringvalidator.LengthAtLeast(1),
		stringvalidator.RegexMatches(notBlank, "must not be empty or only white space"),
	}
}

// notBlank matches a string with a character that is not white space.
var notBlank = regexp.MustCompile(`\S`)

// durationValidator accepts a Go duration that is not negative, such as "30s".
type durationValidator struct{}

var _ validator.String = durationValidator{}

func (durationValidator) Description(context.Context) string {
	return "value must be a duration such as 30s, 1m or 0s"
}

func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v durationValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("Expected a duration that is not negative, such as 30s, 1m or 0s; got %q.", req.ConfigValue.ValueString()))
	}
}
