// The one schema for a stack's config (namespace `pa`). Every rule lives here so a bad value fails
// before any resource is touched, with a message naming the key, the value and what is allowed.
import { Cron } from "croner";
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { isPhoneRegion } from "./phoneRegions";

export const SERVICES = ["postgres", "neo4j", "letta", "openWebui", "n8n"] as const;
export type Service = (typeof SERVICES)[number];

export const APP_SERVICES = ["letta", "openWebui", "n8n"] as const;
export type AppService = (typeof APP_SERVICES)[number];

/** Host ports: the apps everywhere (published by the gateway), the databases only in staging. */
export const PORT_KEYS = ["letta", "openWebui", "n8n", "postgres", "neo4jHttp", "neo4jBolt"] as const;
export type PortKey = (typeof PORT_KEYS)[number];
export const DATABASE_PORT_KEYS: readonly PortKey[] = ["postgres", "neo4jHttp", "neo4jBolt"];

/** The documented port table: the container port of each published endpoint. */
export const CONTAINER_PORTS: Record<PortKey, number> = {
    letta: 8283,
    openWebui: 8080,
    n8n: 5678,
    postgres: 5432,
    neo4jHttp: 7474,
    neo4jBolt: 7687,
};

const imageRef = z
    .string()
    .trim()
    .regex(
        /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/,
        "must be an image reference pinned to a version tag or digest, e.g. neo4j:5.26.29",
    )
    .refine((ref) => !/:latest$/.test(ref), "must not use the floating tag ':latest'; pin a version");

const port = z.number().int().min(1).max(65535);

const limit = z.strictObject({
    /** Memory limit in MiB. */
    memoryMb: z.number().int().min(64, "memoryMb must be at least 64"),
    /** CPU limit, in cores with one decimal (0.5 = half a core); none when left out. */
    cpus: z
        .number()
        .positive()
        .max(64)
        .refine((n) => Math.abs(n * 10 - Math.round(n * 10)) < 1e-9, "cpus takes at most one decimal, e.g. 1.5")
        .optional(),
    /** Most processes and threads at once; the service's default (model/hardening.ts) when left out. */
    pids: z.number().int().min(64, "pids must be at least 64").max(1_000_000).optional(),
});
export type ResourceLimit = z.infer<typeof limit>;

const httpUrl = z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .transform((url) => url.replace(/\/+$/, ""));

// A user or host starting with "-" would reach ssh as an option. tcp:// is the Docker API unencrypted
// and unauthenticated: root on the host for whoever reaches the port (TLS settings are not supported).
export const dockerHost = z
    .string()
    .refine((value) => !value.startsWith("tcp://"), "tcp:// is refused (the Docker API unencrypted: root on the host for whoever reaches the port): use ssh://user@host")
    .regex(
        /^(unix:\/\/\/\S+|ssh:\/\/\w[\w.-]*@\w[\w.-]*(:\d+)?|tcp:.*)$/,
        "must be unix:///path/to/docker.sock or ssh://user@host[:port] (user and host start with a letter or digit)",
    );

/** Production -> staging data sync (staging stacks only); see docs/data-sync.md. */
const sync = z.strictObject({
    /** Bumped by scripts/sync-production-data.sh: a new value makes `pulumi up` run a sync. */
    request: z.union([z.number().int().nonnegative(), z.string().regex(/^[\w.:-]{1,64}$/, "must be a number or a short token")], {
        // Unset when someone prepares pa:sync by hand before the first sync.
        error: (issue) =>
            issue.input === undefined
                ? "is set by `pa sync` (scripts/sync-production-data.sh), which also records --production-host and --production-stack: run it instead of setting pa:sync by hand, or remove pa:sync"
                : undefined,
    }),
    /** Replace personal data; always true on a laptop. */
    sanitize: z.boolean().default(true),
    /** Regions whose national phone number formats the sanitizer recognises (international numbers always are). */
    phoneRegions: z
        .array(z.string().regex(/^[A-Za-z]{2}$/, "must be an ISO 3166 region code such as DE, FR or US").transform((region) => region.toUpperCase()))
        .min(1)
        .refine((regions) => regions.every(isPhoneRegion), { message: "names a region libphonenumber does not know; use ISO 3166 codes such as DE, FR or US" })
        .optional(),
    production: z.strictObject({
        /** Production's stack name, which names its containers (pa-<stack>-postgres). */
        stack: z.string().regex(/^[\w.-]+$/, "must be a stack name such as production").default("production"),
        /** Production's Docker engine; the local one by default. */
        dockerHost: dockerHost.optional(),
    }).default({ stack: "production" }),
});
export type SyncConfig = z.infer<typeof sync>;

export const DEFAULT_RESTIC_IMAGE = "restic/restic:0.18.0";
export const DEFAULT_NODE_IMAGE = "node:22.12.0-bookworm-slim";
export const DEFAULT_DOCKER_CLI_IMAGE = "docker:27.5.1-cli";

const retentionCount = z.number().int().min(0).max(1000);

/** A cron expression (5 fields, or 6 with seconds first), checked by the scheduler's own parser. */
const cronExpression = z.string().refine(
    (expr) => {
        try {
            new Cron(expr, { paused: true }).stop();
            return true;
        } catch {
            return false;
        }
    },
    { message: "must be a cron expression such as '30 3 * * *' (03:30 every day)" },
);

const timeZone = z.string().refine(
    (zone) => {
        try {
            new Intl.DateTimeFormat("en", { timeZone: zone });
            return true;
        } catch {
            return false;
        }
    },
    { message: "must be an IANA time zone such as UTC or Europe/Berlin" },
);

/** An off-site copy of the repository: a restic repository URL reached from the stack's host. */
const offsiteRepository = z.strictObject({
    /** A short name for commands and messages, e.g. nas. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,30}$/, "must be a short name such as nas or s3-eu (lowercase letters, digits, dashes)"),
    /** The repository URL: rest:, s3:, b2:, azure:, gs: or swift: (credentials go in env, not in the URL). */
    url: z
        .string()
        .regex(
            /^(rest|s3|b2|azure|gs|swift):\S+$/,
            "must be a restic repository URL with the rest:, s3:, b2:, azure:, gs: or swift: backend (sftp: is not supported: it needs an SSH key inside the restic container)",
        ),
    /** The backend's credentials and options as environment variables, e.g. AWS_ACCESS_KEY_ID, RESTIC_REST_PASSWORD. */
    env: z
        .record(z.string(), z.string())
        .refine((env) => Object.keys(env).every((k) => /^[A-Z][A-Z0-9_]*$/.test(k)), "keys must be environment variable names such as AWS_ACCESS_KEY_ID")
        .default({}),
});
export type OffsiteRepository = z.infer<typeof offsiteRepository>;

/** Encrypted restic backups of the stack's data, on its own host; production has them by default (docs/backups.md). */
const backup = z.strictObject({
    /** Where the restic repository lives on the stack's host: a Docker volume name, or an absolute path on that host. */
    repository: z
        .string()
        .regex(/^(\/[^\0]+|[a-zA-Z0-9][a-zA-Z0-9_.-]+)$/, "must be a Docker volume name such as pa-production-backups or an absolute path on the stack's host such as /srv/pa-backups")
        .optional(),
    /** Retention after each backup (restic forget --keep-daily/--keep-weekly/--keep-monthly). */
    keepDaily: retentionCount.default(7),
    keepWeekly: retentionCount.default(4),
    keepMonthly: retentionCount.default(6),
    /** The backups of this many newest rollback points are always kept, whatever their age. */
    keepPoints: retentionCount.default(3),
    /** Share of the repository's data that `pa backup verify` reads back and checks, in percent. */
    verifyReadPercent: z.number().int().min(1).max(100).default(10),
    /** Run the backup scheduler on the stack's host (a container with its Docker API proxy). */
    scheduler: z.boolean().default(true),
    /** When the scheduler takes a backup (then applies the retention): a cron expression. */
    schedule: cronExpression.default("30 3 * * *"),
    /** When the scheduler runs the restore drill of the newest backup: a cron expression. */
    drillSchedule: cronExpression.default("30 4 * * 0"),
    /** The time zone both schedules are read in (IANA name). */
    timezone: timeZone.default("UTC"),
    /** Where a failed scheduled backup or drill is reported: an http(s) URL that takes a POST (webhook or ntfy topic). */
    notifyUrl: httpUrl.optional(),
    /** The notification's body: JSON (`{stack, event, message, text, at}`) or ntfy's plain text with a title. */
    notifyFormat: z.enum(["json", "ntfy"]).default("json"),
    /** Pinged (GET) after each good scheduled backup and drill, so an outside monitor notices a dead scheduler. */
    heartbeatUrl: httpUrl.optional(),
    /** Off-site restic repositories every backup is copied to (restic copy), each with its backend's credentials as env. */
    offsite: z
        .array(offsiteRepository)
        .default([])
        .refine((list) => new Set(list.map((o) => o.name)).size === list.length, "off-site repository names must be unique"),
    /** The Docker socket on the stack's host; only the scheduler's API proxy mounts it. */
    dockerSocket: z.string().regex(/^\/[^\0]+$/, "must be an absolute path such as /var/run/docker.sock").default("/var/run/docker.sock"),
});
export type BackupConfig = z.infer<typeof backup>;
export const BACKUP_DEFAULTS: BackupConfig = backup.parse({});

const ipv4 = z.ipv4({ error: "must be an IPv4 address such as 127.0.0.1 or 0.0.0.0" });

export const stackConfigSchema = z
    .strictObject({
        environment: z.enum(["production", "staging"]),
        hostProfile: z.enum(["laptop", "server"]),
        dockerHost: dockerHost.default("unix:///var/run/docker.sock"),
        /** A known_hosts file with the keys of the ssh:// Docker hosts this stack reaches; ssh's own when unset. */
        sshKnownHosts: z
            .string()
            .refine((file) => path.isAbsolute(file), "must be an absolute path to a known_hosts file (ssh-keyscan -H server >> file, then check the key)")
            .refine((file) => !/["\n]/.test(file), "holds a double quote or a line break, which ssh's UserKnownHostsFile cannot take: move the file to a plainer path")
            .refine((file) => fs.existsSync(file), "names no file here: create it (ssh-keyscan -H server >> file, then check the key) or unset pa:sshKnownHosts")
            .optional(),
        bindAddress: ipv4.default("127.0.0.1"),
        debug: z.boolean().default(false),
        postgresMajorVersion: z.number().int().min(14).max(18).default(17),
        /** How long `pulumi up` waits for each new container to report healthy; each service's own default when unset. */
        healthWaitSeconds: z.number().int().min(30, "healthWaitSeconds must be at least 30").max(3600, "healthWaitSeconds must be at most 3600").optional(),
        images: z.strictObject({
            postgres: imageRef,
            neo4j: imageRef,
            letta: imageRef,
            openWebui: imageRef,
            n8n: imageRef,
            /** HAProxy in front of the apps (see model/gateway.ts). */
            gateway: imageRef,
            /** restic, for the stack's backups (see docs/backups.md). */
            restic: imageRef.default(DEFAULT_RESTIC_IMAGE),
            /** Node.js, for the backup scheduler and its Docker API proxy. */
            node: imageRef.default(DEFAULT_NODE_IMAGE),
            /** The Docker CLI image whose `docker` binary the backup scheduler uses. */
            dockerCli: imageRef.default(DEFAULT_DOCKER_CLI_IMAGE),
        }),
        ports: z
            .strictObject({
                letta: port.default(CONTAINER_PORTS.letta),
                openWebui: port.default(CONTAINER_PORTS.openWebui),
                n8n: port.default(CONTAINER_PORTS.n8n),
                postgres: port.optional(),
                neo4jHttp: port.optional(),
                neo4jBolt: port.optional(),
            })
            .default({
                letta: CONTAINER_PORTS.letta,
                openWebui: CONTAINER_PORTS.openWebui,
                n8n: CONTAINER_PORTS.n8n,
            }),
        limits: z
            .strictObject({
                postgres: limit.optional(),
                neo4j: limit.optional(),
                letta: limit.optional(),
                openWebui: limit.optional(),
                n8n: limit.optional(),
            })
            .default({}),
        publicUrls: z
            .strictObject({
                n8n: httpUrl.optional(),
                openWebui: httpUrl.optional(),
            })
            .default({}),
        sync: sync.optional(),
        backup: backup.optional(),
    })
    .superRefine((cfg, ctx) => {
        if (cfg.environment === "production") {
            if (cfg.hostProfile !== "server") {
                ctx.addIssue({
                    code: "custom",
                    path: ["hostProfile"],
                    message: "production runs on the server: hostProfile must be 'server'",
                });
            }
            for (const key of DATABASE_PORT_KEYS) {
                if (cfg.ports[key] !== undefined) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["ports", key],
                        message: "databases are never published in production; remove this port",
                    });
                }
            }
        }
        if (cfg.sync && cfg.environment === "production") {
            ctx.addIssue({ code: "custom", path: ["sync"], message: "production is the source of a sync, never its target; remove pa:sync from this stack" });
        }
        if (cfg.sync && cfg.hostProfile === "laptop" && !cfg.sync.sanitize) {
            ctx.addIssue({ code: "custom", path: ["sync", "sanitize"], message: "a laptop must never hold unsanitized production data; sanitize must be true on hostProfile 'laptop'" });
        }
        const seen = new Map<number, string>();
        for (const key of PORT_KEYS) {
            const value = cfg.ports[key];
            if (value === undefined) continue;
            const other = seen.get(value);
            if (other) {
                ctx.addIssue({
                    code: "custom",
                    path: ["ports", key],
                    message: `host port ${value} is already used by ports.${other}; each published port must be unique`,
                });
            }
            seen.set(value, key);
        }
        const majorInTag = postgresMajorInImage(cfg.images.postgres);
        if (majorInTag !== undefined && majorInTag !== cfg.postgresMajorVersion) {
            ctx.addIssue({
                code: "custom",
                path: ["postgresMajorVersion"],
                message:
                    `image ${cfg.images.postgres} is PostgreSQL ${majorInTag}; set postgresMajorVersion to ${majorInTag} ` +
                    `(the data volume path depends on it)`,
            });
        }
    });

export type StackConfigInput = z.input<typeof stackConfigSchema>;

/** Validated stack config, plus the stack name it belongs to. */
export type StackConfig = z.output<typeof stackConfigSchema> & { stack: string };

/** The PostgreSQL major a tag names (`0.8.1-pg17`, `17-trixie`, `pg18`), if it names one. */
export function postgresMajorInImage(image: string): number | undefined {
    const tag = image.slice(image.lastIndexOf(":") + 1);
    const match = /(?:^|-)pg(\d{2})(?:\b|-)/.exec(tag) ?? /^(\d{2})(?:\.\d+)?(?:-|$)/.exec(tag);
    return match ? Number(match[1]) : undefined;
}
