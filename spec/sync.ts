// Decisions of the production -> staging data sync that the Pulumi program and the sync CLI share.
import { containerName } from "./names";

/** The database a sync restores into, next to the live one, until it is verified and swapped in. */
export function incomingDatabaseName(database: string): string {
    return `${database}__pa_incoming`;
}

/** The name the live database carries between the swap and its removal. */
export function previousDatabaseName(database: string): string {
    return `${database}__pa_previous`;
}

/** A directory inside the production Postgres container for the run's names list; removed on every exit. */
export const PRODUCTION_SCRATCH_PREFIX = "/tmp/pa-sync-";

export function productionScratchDir(runId: string): string {
    return `${PRODUCTION_SCRATCH_PREFIX}${runId}`;
}

/** The env var carrying the secret key of the email pseudonyms to the sync CLI. */
export const SYNC_KEY_ENV = "PA_SYNC_KEY";

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
}

/** The environment of the sync CLI for one staging stack (the key is added separately, as a secret). */
export function syncEnvironment(target: SyncTarget): Record<string, string> {
    const env: Record<string, string> = {
        PA_SYNC_PRODUCTION_POSTGRES: containerName(target.productionStack, "postgres"),
        PA_SYNC_STAGING_POSTGRES: containerName(target.stagingStack, "postgres"),
        PA_SYNC_PRODUCTION_NEO4J: containerName(target.productionStack, "neo4j"),
        PA_SYNC_STAGING_NEO4J: containerName(target.stagingStack, "neo4j"),
        // The graph copier runs Node.js from production's n8n image, already on production's host.
        PA_SYNC_PRODUCTION_N8N: containerName(target.productionStack, "n8n"),
        PA_SYNC_STAGING_APPS: (["letta", "openWebui", "n8n"] as const).map((s) => containerName(target.stagingStack, s)).join(","),
        PA_SYNC_SANITIZE: String(target.sanitize),
    };
    if (target.productionDockerHost) env.PA_SYNC_PRODUCTION_DOCKER_HOST = target.productionDockerHost;
    if (target.stagingDockerHost) env.PA_SYNC_STAGING_DOCKER_HOST = target.stagingDockerHost;
    return env;
}
