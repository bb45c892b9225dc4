// Command pulumi-tfgen-docker writes schema.json and bridge-metadata.json (`schema --out DIR`).
package main

import (
	"pa.local/bridged/docker/provider"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfgen"
)

func main() {
	tfgen.Main("docker", provider.Version, provider.Provider([]byte("{}")))
}
