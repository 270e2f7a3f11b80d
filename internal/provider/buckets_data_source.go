package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/flashbacknetwork/terraform-provider-flashback/internal/client"
)

var _ datasource.DataSourceWithConfigure = &bucketsDataSource{}

type bucketsDataSource struct {
	data *providerData
}

func newBucketsDataSource() datasource.DataSource { return &bucketsDataSource{} }

type bucketsDataSourceModel struct {
	WorkspaceID types.String  `tfsdk:"workspace_id"`
	Buckets     []bucketModel `tfsdk:"buckets"`
}

// bucketModel is a listed bucket, without its credentials: the client never
// decodes the access key or the encrypted secret, so nothing here could hold
// them.
type bucketModel struct {
	ID          types.String `tfsdk:"id"`
	Name        types.String `tfsdk:"name"`
	StorageType types.String `tfsdk:"storage_type"`
	Bucket      types.String `tfsdk:"bucket"`
	Region      types.String `tfsdk:"region"`
	Endpoint    types.String `tfsdk:"endpoint"`
}

func (d *bucketsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_buckets"
}

func (d *bucketsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The buckets (storage connections) of a Flashback workspace, so that a repository can " +
			"use buckets connected elsewhere, such as in the Flashback console. Their credentials (access key, " +
			"secret, encrypted secret) are never read into Terraform.",
		Attributes: map[string]schema.Attribute{
			"workspace_id": schema.StringAttribute{
				MarkdownDescription: "The ID of the workspace whose buckets are listed.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"buckets": schema.ListNestedAttribute{
				MarkdownDescription: "The workspace's buckets, in Flashback's order. Empty when there are none.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id": schema.StringAttribute{
						MarkdownDescription: "The bucket's ID, which a repository's `bucket_id` takes.",
						Computed:            true,
					},
					"name": schema.StringAttribute{
						MarkdownDescription: "The bucket's name in Flashback.",
						Computed:            true,
					},
					"storage_type": schema.StringAttribute{
						MarkdownDescription: "The storage provider as Flashback reports it, such as `S3`, `GCS` or " +
							"`BLOB`; passed through unchecked.",
						Computed: true,
					},
					"bucket": schema.StringAttribute{
						MarkdownDescription: "The name of the bucket (or container) at the storage provider.",
						Computed:            true,
					},
					"region": schema.StringAttribute{
						MarkdownDescription: "The bucket's region; null when it has none.",
						Computed:            true,
					},
					"endpoint": schema.StringAttribute{
						MarkdownDescription: "The storage endpoint, for S3-compatible providers; null when it has none.",
						Computed:            true,
					},
				}},
			},
		},
	}
}

func (d *bucketsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	d.data = providerDataFrom(req.ProviderData, &resp.Diagnostics)
}

func (d *bucketsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var cfg bucketsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() || !requireConfigured(d.data, &resp.Diagnostics) {
		return
	}
	ctx = maskToken(ctx, d.data.token)
	workspaceID := cfg.WorkspaceID.ValueString()

	// One list per workspace, shared with every other reader of the cache:
	// only read it.
	buckets, err := d.data.buckets.List(ctx, workspaceID)
	if err != nil {
		resp.Diagnostics.Append(errorDiag("list", objectRef{kind: bucketKind, parent: inWorkspace(workspaceID)}, err))
		return
	}
	cfg.Buckets = make([]bucketModel, 0, len(buckets))
	for _, b := range buckets {
		// A server that ignored the filter would list other workspaces too.
		if b.WorkspaceID != "" && b.WorkspaceID != workspaceID {
			continue
		}
		cfg.Buckets = append(cfg.Buckets, listedBucket(b))
	}
	tflog.Debug(ctx, "listed buckets", map[string]any{"workspace_id": workspaceID, "listed": len(buckets), "matching": len(cfg.Buckets)})
	resp.Diagnostics.Append(resp.State.Set(ctx, cfg)...)
}

// listedBucket is what the state keeps of a listed bucket.
func listedBucket(b client.Bucket) bucketModel {
	return bucketModel{
		ID:          types.StringValue(b.ID),
		Name:        types.StringValue(b.Name),
		StorageType: nullIfEmpty(b.StorageType),
		Bucket:      nullIfEmpty(b.Bucket),
		Region:      nullIfEmpty(b.Region),
		Endpoint:    nullIfEmpty(b.Endpoint),
	}
}
