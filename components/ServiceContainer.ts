// The shape every service component shares: one container from its spec, its volumes and image.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec } from "../model/container";
import { NetworkNames, SecretValues, dockerContainer } from "./dockerContainer";

export interface ServiceArgs {
    /** The container, as decided by model/ from the stack config. */
    spec: ContainerSpec;
    /** Generated and configured secrets the spec's env refers to. */
    secrets: SecretValues;
    /** Names of the stack's networks by role. */
    networks: NetworkNames;
    /** Resources that must be ready first, e.g. the healthy Postgres container. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Protect data volumes from deletion (production). */
    protectVolumes: boolean;
    /** The stack's Docker host (pa:dockerHost). */
    dockerHost: string;
    /** The known_hosts file for an ssh:// Docker host (pa:sshKnownHosts). */
    sshKnownHosts?: string;
}

/** Base of the five service components and the gateway; each subclass only names its type token. */
export abstract class ServiceContainer extends pulumi.ComponentResource {
    /** The Docker container. */
    readonly container: docker.Container;
    /** Docker container name, e.g. pa-production-postgres or pa-production-n8n-1f3a9c2 (apps). */
    readonly containerName: pulumi.Output<string>;
    /** Docker volume names by purpose, e.g. { data: "pa-production-n8n-data" }. */
    readonly volumeNames: pulumi.Output<Record<string, string>>;
    /** The image reference the container runs, as configured. */
    readonly image: string;

    protected constructor(type: string, name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        const made = dockerContainer(this, args.spec, {
            secrets: args.secrets,
            networks: args.networks,
            dependsOn: args.dependsOn,
            protectVolumes: args.protectVolumes,
            dockerHost: args.dockerHost,
            sshKnownHosts: args.sshKnownHosts,
        });
        this.container = made.container;
        this.containerName = made.container.name;
        this.volumeNames = pulumi
            .all(made.volumes.map((v) => v.name))
            .apply((names) => Object.fromEntries(args.spec.volumes.map((m, i) => [m.purpose, names[i]])));
        this.image = args.spec.image;
        this.registerOutputs({ containerName: this.containerName, volumeNames: this.volumeNames, image: this.image });
    }
}
