// Package shim exposes kreuzwerker's SDKv2 Docker provider (an internal package) to the Pulumi bridge.
// It lives at an import path under the upstream module so Go's internal-package rule allows the import.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the SDKv2 part of the upstream provider (its plugin-framework part is not bridged).
func NewProvider(version string) *schema.Provider {
	return provider.New(version)()
}
