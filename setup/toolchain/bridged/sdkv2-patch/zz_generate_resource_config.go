// Added by the local bridged-provider build: the pinned pulumi fork of terraform-plugin-sdk/v2 predates
// terraform-plugin-go v0.31's GenerateResourceConfig RPC, which the newer Terraform providers pull in.
// The Pulumi bridge never calls it; this stub only completes the tfprotov5.ProviderServer interface.

package schema

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov5"
)

func (s *GRPCProviderServer) GenerateResourceConfig(ctx context.Context, req *tfprotov5.GenerateResourceConfigRequest) (*tfprotov5.GenerateResourceConfigResponse, error) {
	return &tfprotov5.GenerateResourceConfigResponse{
		Diagnostics: []*tfprotov5.Diagnostic{{
			Severity: tfprotov5.DiagnosticSeverityError,
			Summary:  "GenerateResourceConfig is not supported by this build of terraform-plugin-sdk",
		}},
	}, nil
}
