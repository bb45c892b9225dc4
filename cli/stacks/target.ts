// What the operator commands need to know about a deployed stack, read from its stack outputs
// (`containers`, `urls`, `volumes`, `images`, `credentials`), so they never guess names.
import { OffsiteRepository, PortKey, SERVICES, Service } from "../../config/schema";

export interface Credentials {
    lettaServerPassword?: string;
    neo4jPassword?: string;
    postgresSuperuserPassword?: string;
}

/** The stack's backup settings, from its `backup` output (stacks with pa:backup only). */
export interface BackupTarget {
    /** Volume name or absolute host path of the restic repository on the stack's host. */
    repository: string;
    /** The pinned restic image. */
    image: string;
    /** The repository's password: the only key to the backups. */
    password: string;
    keepDaily: number;
    keepWeekly: number;
    keepMonthly: number;
    keepPoints: number;
    verifyReadPercent: number;
    /** Off-site repositories every backup is copied to, with their credentials. */
    offsite?: OffsiteRepository[];
    /** The network off-site repositories are reached over (the stack's front network). */
    offsiteNetwork?: string;
    /** Whether the stack runs the backup scheduler, and its schedules (absent in older stacks' outputs). */
    scheduler?: boolean;
    schedule?: string;
    drillSchedule?: string;
    timezone?: string;
}

export interface Target {
    stack: string;
    containers: Record<Service, string>;
    urls: Partial<Record<PortKey, string>>;
    /** Volume names per service and purpose (data, logs). */
    volumes: Record<Service, Record<string, string>>;
    images: Record<Service, string>;
    credentials: Credentials;
    backup?: BackupTarget;
    /** The backup scheduler's container, when the stack runs one. */
    backupScheduler?: string;
    /** The engine the stack runs on (pa:dockerHost); absent in outputs of stacks deployed before it was recorded. */
    dockerHost?: string;
    /** The known_hosts file for an ssh:// pa:dockerHost (pa:sshKnownHosts); ssh's own when absent. */
    sshKnownHosts?: string;
}

/** Builds a Target from `pulumi stack output --show-secrets` values; throws naming what is missing. */
export function targetFromOutputs(stack: string, outputs: Record<string, unknown>): Target {
    const need = (key: string) => {
        const value = outputs[key];
        if (value === undefined || value === null || typeof value !== "object") {
            throw new Error(`stack '${stack}' has no output '${key}': is it deployed? (pulumi stack output -s ${stack})`);
        }
        return value as Record<string, unknown>;
    };
    const containers = need("containers") as Record<Service, string>;
    for (const service of SERVICES) {
        if (typeof containers[service] !== "string") throw new Error(`stack '${stack}': output containers.${service} is missing`);
    }
    return {
        stack,
        containers,
        urls: need("urls") as Target["urls"],
        volumes: need("volumes") as Target["volumes"],
        images: need("images") as Target["images"],
        credentials: (outputs.credentials ?? {}) as Credentials,
        backup: (outputs.backup ?? undefined) as BackupTarget | undefined,
        backupScheduler: typeof outputs.backupSchedulerContainer === "string" ? outputs.backupSchedulerContainer : undefined,
        dockerHost: typeof outputs.dockerHost === "string" ? outputs.dockerHost : undefined,
        sshKnownHosts: typeof outputs.sshKnownHosts === "string" ? outputs.sshKnownHosts : undefined,
    };
}

/** Every secret a target carries, for log redaction. */
export function targetSecrets(target: Target): string[] {
    return [...Object.values(target.credentials), target.backup?.password].filter((v): v is string => typeof v === "string");
}
