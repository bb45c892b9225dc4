// What each container may do beyond its own files, decided per service: every container runs with
// `no-new-privileges` (no setuid binary or file capability raises a process's rights), drops all of
// Docker's default capabilities and gets back only those its image's start-up needs, and has a limit on
// its processes and threads (a fork bomb or a thread leak in one service cannot starve the host).
import { ContainerRole } from "./names";

export interface ContainerSecurity {
    /** Capabilities added back after dropping ALL. */
    capAdd: string[];
    /** Most processes and threads the container may have at once (the cgroup's pids.max). */
    pidsLimit: number;
}

/** `no-new-privileges` as the Docker provider reads it back, so a second `pulumi up` sees no difference. */
export const NO_NEW_PRIVILEGES = "no-new-privileges";

/**
 * Postgres and Neo4j start as root, give their data folders to their own user (CHOWN, FOWNER, and
 * DAC_OVERRIDE to reach folders they do not own yet) and step down to it (SETUID, SETGID). Neo4j's
 * PID 1 (tini) stays root and forwards stop signals to the stepped-down server: KILL, or a stop becomes
 * a kill after the timeout. Letta and Open WebUI run as root throughout (their images support no other
 * user) and switch to no other: only the file rights, for their volumes. n8n and the gateway run as their images'
 * unprivileged users and need nothing. Dropped from everyone: NET_RAW (forged packets on the stack's
 * networks), MKNOD, SYS_CHROOT, SETFCAP, SETPCAP, FSETID, AUDIT_WRITE, NET_BIND_SERVICE (all ports are
 * above 1024).
 */
// Named as Docker stores them (it adds the CAP_ prefix), so the provider reads back what it was given.
const FILE_RIGHTS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"];
const STEP_DOWN = [...FILE_RIGHTS, "CAP_SETGID", "CAP_SETUID"];

export const CAPABILITIES: Record<ContainerRole, string[]> = {
    postgres: STEP_DOWN,
    neo4j: [...STEP_DOWN, "CAP_KILL"],
    letta: FILE_RIGHTS,
    openWebui: FILE_RIGHTS,
    n8n: [],
    gateway: [],
};

/**
 * Processes and threads, with room to spare: Postgres is one process per connection (the apps' pools
 * together stay under 200); Neo4j's JVM runs a Bolt pool of up to 400 threads besides its own;
 * Letta and Open WebUI are Python servers with thread pools; n8n is Node.js with its task runners;
 * the gateway one HAProxy process with a thread per core.
 */
export const DEFAULT_PIDS_LIMITS: Record<ContainerRole, number> = {
    postgres: 1024,
    neo4j: 4096,
    letta: 2048,
    openWebui: 2048,
    n8n: 1024,
    gateway: 256,
};

export function containerSecurity(role: ContainerRole, pidsLimit?: number): ContainerSecurity {
    return { capAdd: CAPABILITIES[role], pidsLimit: pidsLimit ?? DEFAULT_PIDS_LIMITS[role] };
}
