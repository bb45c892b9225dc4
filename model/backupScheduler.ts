// The backup scheduler of a stack with pa:backup, as plain data: two containers on the stack's host.
// - docker-api: the only holder of the Docker socket, forwarding what model/dockerPolicy.ts allows;
// - backup-scheduler: runs the backups, the retention and the restore drills on their cron schedules
//   with the same code as `pa backup` (bundled), talking to Docker through docker-api only, and
//   notifies a webhook when one fails, pings a heartbeat when one succeeds.
// The component (components/BackupScheduler.ts) turns these specs into resources; the tests start the
// same specs with `docker create` (test/backup), so both run the same containers.
import { BackupConfig, SERVICES, Service, StackConfig } from "../config/schema";
import { BackupRepository, backupRepository, repositoryMountSource } from "./backup";
import { CYPHER_COMMAND } from "./databases";
import { DockerPolicy } from "./dockerPolicy";
import { environmentSpec } from "./environment";
import {
    FREEZE_DEADLINE_SECONDS,
    PROGRAM_DIR,
    PROXY_ENV,
    PROXY_HOSTNAME,
    PROXY_PORT,
    SCHEDULER_ENV,
    SOCKET_IN_PROXY,
    SchedulerSecret,
    SchedulerSettings,
    TOOLS_PATH,
    schedulerToolsVolume,
} from "./backupSchedule";
import { containerName, namePrefix, networkName, stackLabels } from "./names";


export interface SidecarMount {
    source: string;
    target: string;
    readOnly: boolean;
    kind: "volume" | "bind";
}

/** One sidecar container, as plain data. */
export interface SidecarSpec {
    /** Role in the stack, also the Pulumi resource name. */
    role: "docker-api" | "backup-scheduler";
    name: string;
    image: string;
    command: string[];
    /** Plain env values. */
    env: Record<string, string>;
    /** Env names whose values are the stack's secrets. */
    secretEnv: Partial<Record<SchedulerSecret, string>>;
    mounts: SidecarMount[];
    /** Networks by name, with the aliases the container answers to there. */
    networks: { name: string; aliases: string[] }[];
    /** The bundled program, written into the container before it starts. */
    program: { file: string; bundle: "dockerApiProxy" | "backupScheduler" };
    labels: Record<string, string>;
    /** Memory limit in MiB (no swap beyond it). */
    memoryMb: number;
    /** Most processes and threads at once (the cgroup's pids.max). */
    pidsLimit: number;
}

/**
 * Limits of the two sidecars, like every other container's (model/hardening.ts): the proxy is one
 * Node.js process relaying the Docker API; the scheduler is one Node.js process and, during a backup or a
 * drill, a few docker CLI processes (Go, a dozen threads each) streaming dumps from Postgres and Neo4j
 * to restic without holding them.
 */
export const SIDECAR_LIMITS: Record<SidecarSpec["role"], { memoryMb: number; pidsLimit: number }> = {
    "docker-api": { memoryMb: 256, pidsLimit: 128 },
    "backup-scheduler": { memoryMb: 512, pidsLimit: 512 },
};

export function schedulerNetworkName(stack: string): string {
    return `${namePrefix(stack)}-backup-api`;
}


/** What the scheduler may ask of Docker: exactly what scheduled backups, retention and drills need. */
export function schedulerPolicy(stack: string, images: { postgres: string; neo4j: string; restic: string; dockerCli: string }, repository: BackupRepository): DockerPolicy {
    const postgres = containerName(stack, "postgres");
    const neo4j = containerName(stack, "neo4j");
    return {
        stack,
        namePrefix: `${namePrefix(stack)}-`,
        images: [...new Set([images.postgres, images.neo4j, images.restic, images.dockerCli])],
        repositoryPath: repository.kind === "path" ? repository.path : undefined,
        networkContainers: [postgres],
        freezable: [neo4j],
        execTargets: [neo4j],
        commands: [[...CYPHER_COMMAND]],
    };
}

export function dockerApiProxySpec(stack: string, nodeImage: string, socket: string, policy: DockerPolicy): SidecarSpec {
    return {
        role: "docker-api",
        name: `${namePrefix(stack)}-docker-api`,
        image: nodeImage,
        command: ["node", `${PROGRAM_DIR}/docker-api.js`],
        env: {
            [PROXY_ENV.policy]: JSON.stringify(policy),
            [PROXY_ENV.socket]: SOCKET_IN_PROXY,
            [PROXY_ENV.port]: String(PROXY_PORT),
            [PROXY_ENV.freezeDeadline]: String(FREEZE_DEADLINE_SECONDS),
        },
        secretEnv: {},
        mounts: [{ source: socket, target: SOCKET_IN_PROXY, readOnly: false, kind: "bind" }],
        networks: [{ name: schedulerNetworkName(stack), aliases: [PROXY_HOSTNAME] }],
        program: { file: `${PROGRAM_DIR}/docker-api.js`, bundle: "dockerApiProxy" },
        labels: { ...stackLabels(stack), "pa.role": "docker-api" },
        ...SIDECAR_LIMITS["docker-api"],
    };
}

export interface SchedulerFacts {
    stack: string;
    backup: BackupConfig;
    repository: BackupRepository;
    images: Record<Service, string> & { restic: string; node: string; dockerCli: string };
    volumes: Record<Service, Record<string, string>>;
    /** A network with a way out, for notifications and the heartbeat (the proxy's network has none). */
    egressNetwork: string;
    /** Whether a notification and a heartbeat URL are set (their values are secrets). */
    notify: boolean;
    heartbeat: boolean;
}

/** Which of the optional secrets a stack has: their values reach the scheduler only as secrets. */
function optionalSecrets(f: SchedulerFacts): Partial<Record<SchedulerSecret, string>> {
    return {
        ...(f.notify ? { notifyUrl: SCHEDULER_ENV.notifyUrl } : {}),
        ...(f.heartbeat ? { heartbeatUrl: SCHEDULER_ENV.heartbeatUrl } : {}),
        ...(f.backup.offsite.length ? { offsite: SCHEDULER_ENV.offsite } : {}),
    };
}

export function schedulerSettings(f: SchedulerFacts): SchedulerSettings {
    const { postgres, neo4j, letta, openWebui, n8n } = f.images;
    return {
        stack: f.stack,
        containers: { postgres: containerName(f.stack, "postgres"), neo4j: containerName(f.stack, "neo4j") },
        volumes: f.volumes,
        images: { postgres, neo4j, letta, openWebui, n8n },
        backup: {
            repository: repositoryMountSource(f.repository),
            image: f.images.restic,
            keepDaily: f.backup.keepDaily,
            keepWeekly: f.backup.keepWeekly,
            keepMonthly: f.backup.keepMonthly,
            keepPoints: f.backup.keepPoints,
            verifyReadPercent: f.backup.verifyReadPercent,
            offsiteNetwork: f.egressNetwork,
        },
        schedule: f.backup.schedule,
        drillSchedule: f.backup.drillSchedule,
        timezone: f.backup.timezone,
        notifyFormat: f.backup.notifyFormat,
        dockerCliImage: f.images.dockerCli,
        toolsVolume: schedulerToolsVolume(f.stack),
        dockerHost: `tcp://${PROXY_HOSTNAME}:${PROXY_PORT}`,
    };
}

export function backupSchedulerSpec(f: SchedulerFacts): SidecarSpec {
    const settings = schedulerSettings(f);
    return {
        role: "backup-scheduler",
        name: `${namePrefix(f.stack)}-backup-scheduler`,
        image: f.images.node,
        command: ["node", `${PROGRAM_DIR}/backup-scheduler.js`],
        env: {
            [SCHEDULER_ENV.settings]: JSON.stringify(settings),
            DOCKER_HOST: settings.dockerHost,
            // The docker CLI the scheduler copies at start; the bundled backup code runs it.
            PATH: `${TOOLS_PATH}:/usr/local/bin:/usr/bin:/bin`,
        },
        secretEnv: {
            resticPassword: SCHEDULER_ENV.resticPassword,
            postgresPassword: SCHEDULER_ENV.postgresPassword,
            neo4jPassword: SCHEDULER_ENV.neo4jPassword,
            ...optionalSecrets(f),
        },
        mounts: [{ source: settings.toolsVolume, target: TOOLS_PATH, readOnly: false, kind: "volume" }],
        networks: [
            { name: schedulerNetworkName(f.stack), aliases: [] },
            { name: f.egressNetwork, aliases: [] },
        ],
        program: { file: `${PROGRAM_DIR}/backup-scheduler.js`, bundle: "backupScheduler" },
        labels: { ...stackLabels(f.stack), "pa.role": "backup-scheduler" },
        ...SIDECAR_LIMITS["backup-scheduler"],
    };
}


/** The scheduler's two containers for a stack with pa:backup (index.ts declares them when backup.scheduler is on). */
export function backupSchedulerSpecs(cfg: StackConfig, backup: BackupConfig, notify: boolean, heartbeat: boolean): { proxy: SidecarSpec; scheduler: SidecarSpec } {
    const repository = backupRepository(cfg.stack, backup);
    const env = environmentSpec(cfg, { openai: false, anthropic: false });
    const volumes = Object.fromEntries(SERVICES.map((s) => [s, Object.fromEntries(env.containers[s].volumes.map((v) => [v.purpose, v.volume]))])) as Record<Service, Record<string, string>>;
    const images = { ...cfg.images };
    const policy = schedulerPolicy(cfg.stack, images, repository);
    return {
        proxy: dockerApiProxySpec(cfg.stack, images.node, backup.dockerSocket, policy),
        scheduler: backupSchedulerSpec({ stack: cfg.stack, backup, repository, images, volumes, egressNetwork: networkName(cfg.stack, "frontend"), notify, heartbeat }),
    };
}

