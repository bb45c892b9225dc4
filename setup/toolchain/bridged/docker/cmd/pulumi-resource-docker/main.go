// Command pulumi-resource-docker is the provider plugin the Pulumi engine runs.
package main

import (
	_ "embed"

	"pa.local/bridged/docker/provider"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
)

//go:embed schema.json
var pulumiSchema []byte

//go:embed bridge-metadata.json
var bridgeMetadata []byte

func main() {
	tfbridge.Main("docker", provider.Version, provider.Provider(bridgeMetadata), pulumiSchema)
}
