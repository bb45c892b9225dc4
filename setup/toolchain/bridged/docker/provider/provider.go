// Package provider maps kreuzwerker's Terraform Docker provider (SDKv2 resources) to the Pulumi tokens and
// property names that the npm package @pulumi/docker 4.x uses (mapping taken from pulumi-docker's
// provider/resources.go).
package provider

import (
	"unicode"

	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/terraform-providers/terraform-provider-docker/shim"
)

// Version is the version the plugin reports; it must equal the npm package's version. Set with -ldflags -X.
var Version = "4.11.2"

// UpstreamVersion is passed to the Terraform provider (it shows up in its user agent only).
var UpstreamVersion = "kreuzwerker-latest"

func res(name string) tokens.Type {
	fn := string(unicode.ToLower(rune(name[0]))) + name[1:]
	return tokens.Type("docker:index/" + fn + ":" + name)
}

func fn(name string) tokens.ModuleMember {
	f := string(unicode.ToLower(rune(name[0]))) + name[1:]
	return tokens.ModuleMember("docker:index/" + f + ":" + name)
}

// Provider returns the bridge's ProviderInfo. metadata is the bridge-metadata.json written by tfgen (may be nil
// while generating it).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	prov := tfbridge.ProviderInfo{
		P:            shimv2.NewProvider(shim.NewProvider(UpstreamVersion)),
		Name:         "docker",
		Description:  "A Pulumi package for interacting with Docker in Pulumi programs (locally bridged build)",
		Keywords:     []string{"pulumi", "docker"},
		License:      "Apache-2.0",
		Homepage:     "https://pulumi.io",
		Repository:   "https://github.com/pulumi/pulumi-docker",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"host": {
				Default: &tfbridge.DefaultInfo{
					Value:   "unix:///var/run/docker.sock",
					EnvVars: []string{"DOCKER_HOST"},
				},
			},
			"registry_auth": {
				Name:        "registryAuth",
				MaxItemsOne: tfbridge.False(),
			},
		},
		Resources: map[string]*tfbridge.ResourceInfo{
			"docker_config": {Tok: res("ServiceConfig")},
			"docker_container": {
				Tok:                 res("Container"),
				DeleteBeforeReplace: true,
				Fields: map[string]*tfbridge.SchemaInfo{
					"command":           {Name: "command"},
					"networks_advanced": {Name: "networksAdvanced"},
				},
			},
			"docker_image": {
				Tok:    res("RemoteImage"),
				Fields: map[string]*tfbridge.SchemaInfo{"name": {Name: "name"}},
			},
			"docker_network":        {Tok: res("Network")},
			"docker_secret":         {Tok: res("Secret")},
			"docker_service":        {Tok: res("Service")},
			"docker_volume":         {Tok: res("Volume")},
			"docker_registry_image": {Tok: res("RegistryImage")},
			"docker_plugin":         {Tok: res("Plugin")},
			"docker_tag":            {Tok: res("Tag")},
			"docker_buildx_builder": {Tok: res("BuildxBuilder")},
		},
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"docker_network":                  {Tok: fn("getNetwork")},
			"docker_registry_image":           {Tok: fn("getRegistryImage")},
			"docker_plugin":                   {Tok: fn("getPlugin")},
			"docker_image":                    {Tok: fn("getRemoteImage")},
			"docker_logs":                     {Tok: fn("getLogs")},
			"docker_registry_image_manifests": {Tok: fn("getRegistryImageManifests")},
		},
	}
	prov.SetAutonaming(255, "-")
	return prov
}
