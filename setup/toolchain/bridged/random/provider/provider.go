// Package provider maps hashicorp's Terraform random provider (plugin framework) to the tokens the npm package
// @pulumi/random 4.x uses: random_NAME -> random:index/randomNAME:RandomNAME (as in pulumi-random's
// provider/resources.go).
package provider

import (
	"context"
	"errors"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/terraform-providers/terraform-provider-random/shim"
)

// Version is the version the plugin reports; it must equal the npm package's version. Set with -ldflags -X.
var Version = "4.21.2"

// Provider returns the bridge's ProviderInfo. metadata is the bridge-metadata.json written by tfgen.
func Provider(metadata []byte) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "random",
		Description:  "A Pulumi package to safely use randomness in Pulumi programs (locally bridged build).",
		Keywords:     []string{"pulumi", "random"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-random",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Resources: map[string]*tfbridge.ResourceInfo{
			"random_string": {
				// Same hook as pulumi-random: old RandomString states may lack the schema version marker.
				PreStateUpgradeHook: func(args tfbridge.PreStateUpgradeHookArgs) (int64, resource.PropertyMap, error) {
					if args.PriorStateSchemaVersion == 0 {
						return 1, args.PriorState, nil
					}
					return args.PriorStateSchemaVersion, args.PriorState, nil
				},
			},
			"random_bytes": {ComputeID: computeRandomBytesID},
		},
		EnableAccurateBridgePreview: true,
	}
	makeToken := func(module, name string) (string, error) {
		return tokens.MakeStandard("random")(module, "Random"+name)
	}
	prov.MustComputeTokens(tokens.SingleModule("random_", "index", makeToken))
	return prov
}

func computeRandomBytesID(_ context.Context, state resource.PropertyMap) (resource.ID, error) {
	b, ok := state["base64"]
	if !ok {
		return "", errors.New("no base64 property in state")
	}
	if b.IsSecret() {
		b = b.SecretValue().Element
	}
	if !b.IsString() {
		return "", errors.New("expected base64 property to be a string")
	}
	return resource.ID(b.StringValue()), nil
}
