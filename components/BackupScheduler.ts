// The stack's backup scheduler on its own host (model/backupScheduler.ts says what and why): an internal
// network for the scheduler and its Docker API proxy only, the tools volume, the pinned node and docker
// CLI images (kept on the host: the proxy refuses pulls), and the two containers with their bundled
// programs written in before they start.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { SchedulerSecret } from "../model/backupSchedule";
import { SidecarSpec } from "../model/backupScheduler";
import { NO_NEW_PRIVILEGES } from "../model/hardening";
import { dockerCommandLine } from "../platform/docker";

export interface BackupSchedulerArgs {
    /** The Docker API proxy's container. */
    proxy: SidecarSpec;
    /** The scheduler's container. */
    scheduler: SidecarSpec;
    /** The bundled programs, by sidecar. */
    programs: Record<SidecarSpec["program"]["bundle"], string>;
    /** The docker CLI image the scheduler copies its `docker` from. */
    dockerCliImage: string;
    /** Values of the scheduler's secret env. */
    secrets: Partial<Record<SchedulerSecret, pulumi.Input<string>>>;
    /** The stack's labels, for the network and the volume. */
    labels: Record<string, string>;
    /** What must run before the scheduler (the stack's databases and its egress network). */
    dependsOn: pulumi.Input<pulumi.Resource>[];
    /** The Docker host the sidecars run on (pa:dockerHost), for the pids limit's `docker update`. */
    dockerHost: string;
    /** The known_hosts file for an ssh:// Docker host (pa:sshKnownHosts), when set. */
    sshKnownHosts?: string;
}

export class BackupScheduler extends pulumi.ComponentResource {
    /** The scheduler's container name (its log is the schedule's record). */
    readonly schedulerContainer: pulumi.Output<string>;

    constructor(name: string, args: BackupSchedulerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:BackupScheduler", name, {}, opts);
        const labels = Object.entries(args.labels).map(([label, value]) => ({ label, value }));
        const apiNetwork = args.proxy.networks[0].name;
        const network = new docker.Network("backup-api", { name: apiNetwork, internal: true, driver: "bridge", labels }, { parent: this });
        const tools = args.scheduler.mounts.filter((m) => m.kind === "volume").map((m) => new docker.Volume(`backup-${m.target.replace(/\W+/g, "")}`, { name: m.source, labels }, { parent: this }));
        const nodeImage = new docker.RemoteImage("node-image", { name: args.scheduler.image, keepLocally: true }, { parent: this });
        const cliImage = new docker.RemoteImage("docker-cli-image", { name: args.dockerCliImage, keepLocally: true }, { parent: this });
        const container = (spec: SidecarSpec, dependsOn: pulumi.Input<pulumi.Resource>[]) => {
            const plain = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
            const secretNames = Object.entries(spec.secretEnv) as [SchedulerSecret, string][];
            const envs = secretNames.length
                ? pulumi.secret(pulumi.all(secretNames.map(([key]) => pulumi.output(args.secrets[key] ?? ""))).apply((values) => [...plain, ...secretNames.map(([, env], i) => `${env}=${values[i]}`)]))
                : plain;
            const sidecar = new docker.Container(
                spec.role,
                {
                    name: spec.name,
                    image: nodeImage.imageId,
                    command: spec.command,
                    envs,
                    networksAdvanced: spec.networks.map((n) => ({ name: n.name, aliases: n.aliases })),
                    mounts: spec.mounts.map((m) => ({ type: m.kind, source: m.source, target: m.target, readOnly: m.readOnly })),
                    uploads: [{ file: spec.program.file, content: args.programs[spec.program.bundle] }],
                    labels: Object.entries(spec.labels).map(([label, value]) => ({ label, value })),
                    restart: "unless-stopped",
                    logDriver: "json-file",
                    logOpts: { "max-size": "10m", "max-file": "3" },
                    // Neither listens to anything but its API network; neither needs a capability.
                    capabilities: { drops: ["ALL"] },
                    securityOpts: [NO_NEW_PRIVILEGES],
                    memory: spec.memoryMb,
                    memorySwap: spec.memoryMb,
                    mustRun: true,
                    stopTimeout: 60,
                },
                // Fixed names: the old container goes before its replacement starts.
                { parent: this, dependsOn: [network, nodeImage, cliImage, ...tools, ...dependsOn], deleteBeforeReplace: true },
            );
            // As for every container (components/dockerContainer.ts): the provider has no pids limit.
            new command.local.Command(
                `${spec.role}-pids-limit`,
                {
                    create: sidecar.name.apply((containerName) => dockerCommandLine(args.dockerHost, ["update", "--pids-limit", String(spec.pidsLimit), containerName], args.sshKnownHosts)),
                    triggers: [sidecar.id],
                },
                { parent: this },
            );
            return sidecar;
        };
        const proxy = container(args.proxy, []);
        const scheduler = container(args.scheduler, [proxy, ...args.dependsOn]);
        this.schedulerContainer = scheduler.name;
        this.registerOutputs({ schedulerContainer: this.schedulerContainer });
    }
}
