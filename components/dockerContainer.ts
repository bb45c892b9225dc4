// Turns a ContainerSpec into Docker resources under a component: the image (kept on the host so a
// rollback never needs a pull), one volume per mount, and the container itself.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { NetworkRole } from "../model/names";
import { ContainerSpec, cpusValue, memorySwapMb } from "../model/container";
import { NO_NEW_PRIVILEGES } from "../model/hardening";
import { dockerCommandLine } from "../platform/docker";
import { SecretName, fillSecrets, secretsIn } from "../model/secrets";

export type SecretValues = Partial<Record<SecretName, pulumi.Output<string>>>;
export type NetworkNames = Record<NetworkRole, pulumi.Input<string>>;

export interface DockerContainerOptions {
    /** Secret values the spec's env refers to. */
    secrets: SecretValues;
    /** Names of the stack's networks by role. */
    networks: NetworkNames;
    /** Resources that must be ready before the container is created. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Keep the data volumes from being deleted by `pulumi destroy` or a replacement. */
    protectVolumes: boolean;
    /** The Docker host the container runs on (pa:dockerHost), for the pids limit's `docker update`. */
    dockerHost: string;
    /** The known_hosts file for an ssh:// Docker host (pa:sshKnownHosts). */
    sshKnownHosts?: string;
}

export interface DockerContainerResources {
    container: docker.Container;
    volumes: docker.Volume[];
    image: docker.RemoteImage;
}

export function dockerContainer(
    parent: pulumi.Resource,
    spec: ContainerSpec,
    opts: DockerContainerOptions,
): DockerContainerResources {
    const labels = Object.entries(spec.labels).map(([label, value]) => ({ label, value }));
    const image = new docker.RemoteImage(
        `${spec.service}-image`,
        { name: spec.image, keepLocally: true },
        { parent },
    );
    const volumes = spec.volumes.map(
        (mount) =>
            new docker.Volume(
                `${spec.service}-${mount.purpose}`,
                { name: mount.volume, labels },
                { parent, protect: opts.protectVolumes },
            ),
    );
    const container = new docker.Container(
        spec.service,
        {
            // Unset for start-new-first containers: Pulumi then names each replacement anew
            // (pa-<stack>-<service>-<hex>, Pulumi.yaml), so it can run beside the one it replaces.
            name: spec.name,
            image: image.imageId,
            envs: containerEnv(spec.env, opts.secrets),
            ports: spec.ports.map((p) => ({ internal: p.internal, external: p.external, ip: p.ip, protocol: "tcp" })),
            // Created on Docker's bridge (the provider's default mode), which the provider leaves before
            // the start to join every network below with its aliases: aliases given for the network
            // that is the network mode are silently dropped by Docker 20.10.
            networksAdvanced: spec.networks.map((n) => ({ name: opts.networks[n.role], aliases: n.aliases })),
            volumes: spec.volumes.map((mount, i) => ({ volumeName: volumes[i].name, containerPath: mount.containerPath })),
            healthcheck: {
                tests: spec.healthcheck.test,
                interval: spec.healthcheck.interval,
                timeout: spec.healthcheck.timeout,
                retries: spec.healthcheck.retries,
                startPeriod: spec.healthcheck.startPeriod,
            },
            restart: spec.restart,
            logDriver: "json-file",
            logOpts: spec.logOpts,
            labels,
            memory: spec.limits?.memoryMb,
            memorySwap: spec.limits ? memorySwapMb(spec.limits) : undefined,
            cpus: spec.limits?.cpus !== undefined ? cpusValue(spec.limits.cpus) : undefined,
            securityOpts: [NO_NEW_PRIVILEGES],
            capabilities: { drops: ["ALL"], adds: spec.security.capAdd },
            uploads: spec.uploads.map((u) => ({ file: u.file, content: u.content, executable: u.executable })),
            mustRun: true,
            stopTimeout: spec.stopTimeoutSeconds,
            destroyGraceSeconds: spec.stopTimeoutSeconds,
            // `pulumi up` returns only once the container reports healthy, so dependants start after it.
            wait: true,
            waitTimeout: spec.waitTimeoutSeconds,
        },
        // Explicit either way: the provider asks for delete-before-replace on every container.
        { parent, dependsOn: opts.dependsOn, deleteBeforeReplace: spec.rollout === "stop-old-first" },
    );
    // The Docker provider has no pids limit: `docker update` sets it on each new container (the engine
    // keeps it across restarts) once the provider has seen it healthy, so start-up runs without it.
    new command.local.Command(
        `${spec.service}-pids-limit`,
        {
            create: container.name.apply((name) => dockerCommandLine(opts.dockerHost, ["update", "--pids-limit", String(spec.security.pidsLimit), name], opts.sshKnownHosts)),
            triggers: [container.id],
        },
        { parent },
    );
    return { container, volumes, image };
}

/** KEY=value pairs with secrets filled in; the list is marked secret when any value holds one. */
function containerEnv(env: Record<string, string>, secrets: SecretValues): pulumi.Input<pulumi.Input<string>[]> {
    const names = [...new Set(Object.values(env).flatMap(secretsIn))];
    const pairs = Object.entries(env).sort(([a], [b]) => a.localeCompare(b));
    if (names.length === 0) return pairs.map(([key, value]) => `${key}=${value}`);
    const needed = names.map((name) => {
        const value = secrets[name];
        if (!value) throw new Error(`secret ${name} is referenced by the container env but was not provided`);
        return value;
    });
    return pulumi.secret(
        pulumi.all(needed).apply((values) => {
            const byName = Object.fromEntries(names.map((name, i) => [name, values[i]]));
            return pairs.map(([key, value]) => `${key}=${fillSecrets(value, byName)}`);
        }),
    );
}
