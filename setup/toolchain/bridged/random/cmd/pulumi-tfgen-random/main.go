// Command pulumi-tfgen-random writes schema.json and bridge-metadata.json (`schema --out DIR`).
package main

import (
	"pa.local/bridged/random/provider"

	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
)

func main() {
	pftfgen.Main("random", provider.Provider([]byte("{}")))
}
