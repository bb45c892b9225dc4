// Command pulumi-resource-random is the provider plugin the Pulumi engine runs.
package main

import (
	"context"
	_ "embed"

	"pa.local/bridged/random/provider"

	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func main() {
	pf.Main(context.Background(), "random", provider.Provider(bridgeMetadata), pf.ProviderMetadata{PackageSchema: pulumiSchema})
}
