// Decisions of the production -> staging data sync that the Pulumi program and the sync CLI share.
import { containerName, namePrefix, volumeName } from "./names";

/** The database a sync restores into, next to the live one, until it is verified and swapped in. */
export function incomingDatabaseName(database: string): string {
    return `${database}__pa_incoming`;
}

/** The name the live database carries between the swap and its removal. */
export function previousDatabaseName(database: string): string {
    return `${database}__pa_previous`;
}

/** Files inside the production Postgres container holding the run's names lists; removed on every exit. */
export const PRODUCTION_SCRATCH_PREFIX = "/tmp/pa-sync-";

/**
 * A names list, written by the Postgres server itself (COPY TO a file) so that it is the server's own
 * file (mode 600) and the row sanitizer can read it back through the server (pg_read_file).
 */
export function productionNamesFile(runId: string, database: string): string {
    return `${PRODUCTION_SCRATCH_PREFIX}${runId}-names-${database}`;
}

/** A shell glob of every scratch file of a run on production (its names lists). */
export function productionScratchGlob(runId: string): string {
    return `${PRODUCTION_SCRATCH_PREFIX}${runId}-*`;
}

/** Apps whose data volume holds files a sync copies. */
export const FILE_SYNC_APPS = ["n8n", "openWebui"] as const;
export type FileSyncApp = (typeof FILE_SYNC_APPS)[number];

/**
 * The directories of each app's data volume that a sync copies, and nothing else of the volume: n8n's
 * `config` file holds its encryption key, and staging keeps its own. n8n 1.x keeps binary data in
 * `binaryData/`, newer releases in `storage/`; Open WebUI keeps uploads in `uploads/` and its Chroma
 * vector store in `vector_db/`.
 */
export const FILE_SYNC_DIRS: Record<FileSyncApp, readonly string[]> = {
    n8n: ["binaryData", "storage"],
    openWebui: ["uploads", "vector_db"],
};

/** Directories left empty on a sanitized (laptop) sync: Chroma's store holds raw chunk text and embeddings of personal text. */
export const SANITIZED_EMPTY_DIRS: readonly string[] = ["vector_db"];

/** The data volume of an app, by stack: volumes keep their names, containers may not. */
export function fileVolumeName(stack: string, app: FileSyncApp): string {
    return volumeName(stack, app, "data");
}

/**
 * The sync CLI's environment, defined once: the staging stack's DataSync Command writes it
 * (syncEnvironment), the CLI reads only these names (sync/cli.ts) and prints this table in its --help.
 */
export const SYNC_ENV = {
    PA_SYNC_PRODUCTION_POSTGRES: "production's Postgres container (required)",
    PA_SYNC_STAGING_POSTGRES: "staging's Postgres container (required)",
    PA_SYNC_PRODUCTION_DOCKER_HOST: "production's Docker engine, e.g. ssh://me@server (default: local engine)",
    PA_SYNC_STAGING_DOCKER_HOST: "staging's Docker engine (default: local engine)",
    PA_SYNC_STAGING_STACK: "staging's stack: its running app containers (found by label) are stopped during the swap and started again",
    PA_SYNC_APPS_WAIT_SECONDS: "how long to wait for those apps to be healthy again (default 600)",
    PA_SYNC_PRODUCTION_STACK: "production's stack: its n8n image is the default copier image, its key volume the default key volume",
    PA_SYNC_PRODUCTION_NEO4J: "production's Neo4j container (neo4j part)",
    PA_SYNC_STAGING_NEO4J: "staging's Neo4j container (neo4j part)",
    PA_SYNC_FREEZE_MAX_SECONDS:
        "the longest production's Neo4j stays frozen for the store copy (default 600): a watchdog container on production's host thaws it then, also when this process or the link to production dies; a copy that takes longer fails the sync (staging keeps its graph)",
    PA_SYNC_PRODUCTION_N8N_VOLUME: "production's n8n data volume (files part)",
    PA_SYNC_STAGING_N8N_VOLUME: "staging's n8n data volume (files part)",
    PA_SYNC_PRODUCTION_OPEN_WEBUI_VOLUME: "production's Open WebUI data volume (files part)",
    PA_SYNC_STAGING_OPEN_WEBUI_VOLUME: "staging's Open WebUI data volume (files part)",
    PA_SYNC_COPIER_IMAGE:
        "image with Node.js 18 or later on production's host for the row sanitizer, the names hasher, the graph copier and the file archiver (default: the image of the container using production's n8n volume, else of PA_SYNC_PRODUCTION_STACK's n8n container)",
    PA_SYNC_STAGING_HELPER_IMAGE: "image with sh and tar on staging's host for the files part (default: the image of the container using each staging volume)",
    PA_SYNC_SANITIZE: "true (default) or false: only when staging runs on production's own Docker engine (the same engine ID in docker info), checked here",
    PA_SYNC_PHONE_REGIONS: "regions whose national phone formats are recognised, e.g. DE,FR,US (default: Europe and North America; international numbers always)",
    PA_SYNC_KEY_VOLUME:
        "the volume on production's host holding the pseudonym key (default: pa-<PA_SYNC_PRODUCTION_STACK>-sync-key, which production's stack declares); only the sidecars there mount it, this process never reads it",
    PA_SSH_KNOWN_HOSTS: "known_hosts file for ssh:// Docker hosts (pa:sshKnownHosts; default: ssh's own)",
    PA_SYNC_LOG_DIR: "where the log goes (default: logs/staging in the repository)",
    DEBUG: "true: detailed progress",
} as const;
export type SyncEnvName = keyof typeof SYNC_ENV;
/** The sync CLI's environment: only the names SYNC_ENV defines. */
export type SyncEnv = Partial<Record<SyncEnvName, string>>;

/** The env var naming an app's data volume on one side, e.g. PA_SYNC_PRODUCTION_OPEN_WEBUI_VOLUME. */
export function fileVolumeEnvVar(side: "production" | "staging", app: FileSyncApp): SyncEnvName {
    return `PA_SYNC_${side.toUpperCase()}_${app.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase()}_VOLUME` as SyncEnvName;
}

/**
 * The volume on production's host holding the pseudonym key (declared by the production stack). The
 * sidecars there mount it read-only; the sync CLI, which may run on a laptop, never reads it.
 */
export function syncKeyVolumeName(productionStack: string): string {
    return `${namePrefix(productionStack)}-sync-key`;
}

/** Where the sidecars find the key volume, and the key's file in it. */
export const SYNC_KEY_DIR = "/run/pa-sync-key";
export const SYNC_KEY_FILE = "key";

/** Memory of the key's never-started holder container, should anyone start it by hand: it has nothing to run. */
export const SYNC_KEY_HOLDER_MEMORY_MB = 32;

/** The docker run arguments that give a sidecar the key, read-only. */
export function syncKeyMountArgs(keyVolume: string): string[] {
    return ["-v", `${keyVolume}:${SYNC_KEY_DIR}:ro`];
}

export interface SyncTarget {
    /** Docker host of production, undefined for the local engine. */
    productionDockerHost?: string;
    /** Production's stack name, which names its containers. */
    productionStack: string;
    /** Docker host of staging, undefined for the local engine. */
    stagingDockerHost?: string;
    /** Staging's stack name. */
    stagingStack: string;
    /** Whether personal data is replaced (always on a laptop). */
    sanitize: boolean;
    /** Regions whose national phone formats are recognised; the sanitizer's default set when undefined. */
    phoneRegions?: readonly string[];
    /** The known_hosts file for ssh:// Docker hosts (pa:sshKnownHosts); ssh's own when undefined. */
    sshKnownHosts?: string;
}

/** The environment of the sync CLI for one staging stack (no secret: the key stays on production's host). */
export function syncEnvironment(target: SyncTarget): SyncEnv {
    const env: SyncEnv = {
        PA_SYNC_PRODUCTION_POSTGRES: containerName(target.productionStack, "postgres"),
        PA_SYNC_STAGING_POSTGRES: containerName(target.stagingStack, "postgres"),
        PA_SYNC_PRODUCTION_NEO4J: containerName(target.productionStack, "neo4j"),
        PA_SYNC_STAGING_NEO4J: containerName(target.stagingStack, "neo4j"),
        // Stack names find containers by label: apps get a new name per replacement.
        PA_SYNC_PRODUCTION_STACK: target.productionStack,
        PA_SYNC_STAGING_STACK: target.stagingStack,
        PA_SYNC_SANITIZE: String(target.sanitize),
    };
    // The files part works on the apps' data volumes, by name.
    for (const app of FILE_SYNC_APPS) {
        env[fileVolumeEnvVar("production", app)] = fileVolumeName(target.productionStack, app);
        env[fileVolumeEnvVar("staging", app)] = fileVolumeName(target.stagingStack, app);
    }
    // Only when set: a new variable would change the Command's inputs and run a sync on the next up.
    if (target.phoneRegions) env.PA_SYNC_PHONE_REGIONS = target.phoneRegions.join(",");
    if (target.productionDockerHost) env.PA_SYNC_PRODUCTION_DOCKER_HOST = target.productionDockerHost;
    if (target.stagingDockerHost) env.PA_SYNC_STAGING_DOCKER_HOST = target.stagingDockerHost;
    // Read by the ssh wrapper every docker CLI process of the sync gets (platform/ssh.ts KNOWN_HOSTS_ENV).
    if (target.sshKnownHosts) env.PA_SSH_KNOWN_HOSTS = target.sshKnownHosts;
    return env;
}
