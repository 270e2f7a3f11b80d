package provider

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// absoluteURLValidator accepts an absolute URL: a scheme and a host, such as
// https://api.openai.com/v1. Flashback refuses anything else, and saying so at
// plan time spares an apply that fails halfway.
type absoluteURLValidator struct{}

var _ validator.String = absoluteURLValidator{}

func (absoluteURLValidator) Description(context.Context) string {
	return "value must be an absolute URL, such as https://api.openai.com/v1"
}

func (v absoluteURLValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v absoluteURLValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid URL",
			fmt.Sprintf("Expected an absolute URL with a scheme and a host, such as https://api.openai.com/v1; got %q.", raw))
	}
}
