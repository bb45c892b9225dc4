// The backup scheduler of a stack with pa:backup, as plain data: two containers on the stack's host.
// - docker-api: the only holder of the Docker socket, forwarding what model/dockerPolicy.ts allows;
// - backup-scheduler: runs the backups, the retention and the restore drills on their cron schedules
//   with the same code as `pa backup` (bundled), talking to Docker through docker-api only, and
//   notifies a webhook when one fails, pings a heartbeat when one succeeds.
// The component (components/BackupScheduler.ts) turns these specs into resources; the tests start the
// same specs with `docker create` (test/backup), so both run the same containers.
import { Cron } from "croner";
import { BackupConfig, SERVICES, Service, StackConfig } from "../config/schema";
import { BackupRepository, backupRepository, repositoryMountSource } from "./backup";
import { CYPHER_COMMAND } from "./databases";
import { DockerPolicy } from "./dockerPolicy";
import { environmentSpec } from "./environment";
import { SCRATCH_LABEL, STACK_LABEL, containerName, namePrefix, networkName, stackLabels } from "./names";

/** Env names the scheduler reads; the secret ones come from Pulumi secrets. */
export const SCHEDULER_ENV = {
    settings: "PA_SCHEDULER",
    resticPassword: "RESTIC_PASSWORD",
    postgresPassword: "PGPASSWORD",
    neo4jPassword: "NEO4J_PASSWORD",
    notifyUrl: "PA_NOTIFY_URL",
    heartbeatUrl: "PA_HEARTBEAT_URL",
} as const;
export const SCHEDULER_SECRET_ENV = ["resticPassword", "postgresPassword", "neo4jPassword", "notifyUrl", "heartbeatUrl"] as const;
export type SchedulerSecret = (typeof SCHEDULER_SECRET_ENV)[number];

/** Env names the proxy reads. */
export const PROXY_ENV = { policy: "PA_DOCKER_POLICY", socket: "PA_DOCKER_SOCKET", port: "PA_LISTEN_PORT", freezeDeadline: "PA_FREEZE_DEADLINE_SECONDS" } as const;

export const PROXY_PORT = 2375;
/** A freeze the scheduler did not end by then is ended by the proxy (Neo4j store copies take seconds). */
export const FREEZE_DEADLINE_SECONDS = 600;
const PROXY_HOSTNAME = "docker-api";
const SOCKET_IN_PROXY = "/var/run/docker.sock";
const TOOLS_PATH = "/pa-tools";
const PROGRAM_DIR = "/opt/pa";

/** What the scheduler needs to know of its stack, beside its secrets (PA_SCHEDULER, JSON). */
export interface SchedulerSettings {
    stack: string;
    /** The containers a scheduled run touches: Postgres (dumped beside) and Neo4j (frozen, counted). */
    containers: { postgres: string; neo4j: string };
    volumes: Record<Service, Record<string, string>>;
    images: Record<Service, string>;
    backup: {
        repository: string;
        image: string;
        keepDaily: number;
        keepWeekly: number;
        keepMonthly: number;
        keepPoints: number;
        verifyReadPercent: number;
    };
    schedule: string;
    drillSchedule: string;
    timezone: string;
    notifyFormat: "json" | "ntfy";
    /** The image whose /usr/local/bin/docker the scheduler copies into its tools volume at start. */
    dockerCliImage: string;
    toolsVolume: string;
    /** The Docker API the scheduler talks to (the proxy). */
    dockerHost: string;
}

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
}

export function schedulerNetworkName(stack: string): string {
    return `${namePrefix(stack)}-backup-api`;
}

export function schedulerToolsVolume(stack: string): string {
    return `${namePrefix(stack)}-backup-tools`;
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
            ...(f.notify ? { notifyUrl: SCHEDULER_ENV.notifyUrl } : {}),
            ...(f.heartbeat ? { heartbeatUrl: SCHEDULER_ENV.heartbeatUrl } : {}),
        },
        mounts: [{ source: settings.toolsVolume, target: TOOLS_PATH, readOnly: false, kind: "volume" }],
        networks: [
            { name: schedulerNetworkName(f.stack), aliases: [] },
            { name: f.egressNetwork, aliases: [] },
        ],
        program: { file: `${PROGRAM_DIR}/backup-scheduler.js`, bundle: "backupScheduler" },
        labels: { ...stackLabels(f.stack), "pa.role": "backup-scheduler" },
    };
}

/** The Docker create body that copies the docker CLI into the tools volume (through the proxy). */
export function installCliContainer(settings: SchedulerSettings): { name: string; body: Record<string, unknown> } {
    return {
        name: `${namePrefix(settings.stack)}-backup-install-cli`,
        body: {
            Image: settings.dockerCliImage,
            Entrypoint: ["sh", "-c", `cp /usr/local/bin/docker ${TOOLS_PATH}/docker.tmp && mv ${TOOLS_PATH}/docker.tmp ${TOOLS_PATH}/docker`],
            Labels: { [STACK_LABEL]: settings.stack, [SCRATCH_LABEL]: "backup" },
            HostConfig: { NetworkMode: "none", Binds: [`${settings.toolsVolume}:${TOOLS_PATH}`] },
        },
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

/** How long after its scheduled time a run may take before `pa health` calls it missing. */
export const FRESHNESS_GRACE_HOURS = { backup: 2, drill: 6 } as const;

export interface Freshness {
    ok: boolean;
    detail: string;
}

/**
 * Whether the newest good backup (or drill) is as recent as the schedule wants: the latest scheduled
 * time that is at least the grace old must have a run at or after it. Before the first due time since
 * the scheduler started, "none yet" is fine.
 */
export function freshness(o: {
    what: "backup" | "drill";
    /** Time of the newest good run. */
    last?: string;
    schedule: string;
    timezone: string;
    /** When the scheduler started (runs are due only after it). */
    since?: string;
    now: Date;
}): Freshness {
    const graceMs = FRESHNESS_GRACE_HOURS[o.what] * 3600_000;
    const due = new Cron(o.schedule, { timezone: o.timezone, paused: true }).previousRuns(1, new Date(o.now.getTime() - graceMs))[0];
    const age = o.last ? ` ${formatAge(o.now.getTime() - Date.parse(o.last))} old` : "";
    const lastText = o.last ? `last good ${o.what}${age} (${o.last})` : `no good ${o.what} yet`;
    // A minute of slack: a run's recorded time is when it started, a manual one may come just before.
    if (!due || (o.last && Date.parse(o.last) >= due.getTime() - 60_000)) return { ok: true, detail: `${lastText}; schedule '${o.schedule}' ${o.timezone}` };
    if (!o.last && o.since && Date.parse(o.since) > due.getTime()) return { ok: true, detail: `${lastText}; the first is due on schedule '${o.schedule}' ${o.timezone}` };
    return { ok: false, detail: `${lastText}; schedule '${o.schedule}' ${o.timezone} wanted one at ${due.toISOString()} (see the scheduler's log: docker logs <stack's backup-scheduler>)` };
}

export function formatAge(ms: number): string {
    const minutes = Math.max(0, Math.round(ms / 60_000));
    if (minutes < 120) return `${minutes} min`;
    const hours = Math.round(minutes / 60);
    return hours < 72 ? `${hours} h` : `${Math.round(hours / 24)} d`;
}
