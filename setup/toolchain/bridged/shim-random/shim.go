// Package shim exposes hashicorp's plugin-framework random provider (an internal package) to the Pulumi bridge.
package shim

import (
	tfpf "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream plugin-framework provider.
func NewProvider() tfpf.Provider {
	return provider.New()
}
