// What the backup scheduler program (sidecars/backupScheduler.ts) and `pa health` share with the stack
// that declares the scheduler (model/backupScheduler.ts): the env contract, the settings, the tools
// volume, the container that brings the docker CLI, and the freshness rule for backups and drills.
// Apart from the specs, so the scheduler's bundle does not carry the config schema.
import { Cron } from "croner";
import type { Service } from "../config/schema";
import { SCRATCH_LABEL, STACK_LABEL, namePrefix } from "./names";

/** Env names the scheduler reads; the secret ones come from Pulumi secrets. */
export const SCHEDULER_ENV = {
    settings: "PA_SCHEDULER",
    resticPassword: "RESTIC_PASSWORD",
    postgresPassword: "PGPASSWORD",
    neo4jPassword: "NEO4J_PASSWORD",
    notifyUrl: "PA_NOTIFY_URL",
    heartbeatUrl: "PA_HEARTBEAT_URL",
    /** The off-site repositories (JSON: their URLs and credentials). */
    offsite: "PA_OFFSITE",
} as const;
export const SCHEDULER_SECRET_ENV = ["resticPassword", "postgresPassword", "neo4jPassword", "notifyUrl", "heartbeatUrl", "offsite"] as const;
export type SchedulerSecret = (typeof SCHEDULER_SECRET_ENV)[number];

/** Env names the proxy reads. */
export const PROXY_ENV = { policy: "PA_DOCKER_POLICY", socket: "PA_DOCKER_SOCKET", port: "PA_LISTEN_PORT", freezeDeadline: "PA_FREEZE_DEADLINE_SECONDS" } as const;

export const PROXY_PORT = 2375;
/** A freeze the scheduler did not end by then is ended by the proxy (Neo4j store copies take seconds). */
export const FREEZE_DEADLINE_SECONDS = 600;
export const PROXY_HOSTNAME = "docker-api";
export const SOCKET_IN_PROXY = "/var/run/docker.sock";
export const TOOLS_PATH = "/pa-tools";
export const PROGRAM_DIR = "/opt/pa";

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
        /** The network off-site repositories are reached over. */
        offsiteNetwork: string;
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

export function schedulerToolsVolume(stack: string): string {
    return `${namePrefix(stack)}-backup-tools`;
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
