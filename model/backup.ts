// Where a stack's restic backups live and how they are named: the repository on the stack's own host
// (a Docker volume by default, or a host path), its cache, and the tags that tie the snapshots of one
// backup together. Shared by the Backups component (which declares the repository) and `pa backup`.
import { BackupConfig } from "../config/schema";
import { namePrefix } from "./names";

/** The restic repository on the stack's host: a Docker volume, or a directory of that host. */
export type BackupRepository = { kind: "volume"; name: string } | { kind: "path"; path: string };

export function backupRepository(stack: string, config: Pick<BackupConfig, "repository">): BackupRepository {
    const configured = config.repository;
    if (configured?.startsWith("/")) return { kind: "path", path: configured };
    return { kind: "volume", name: configured ?? `${namePrefix(stack)}-backups` };
}

/** The `docker run -v` source of a repository. */
export function repositoryMountSource(repository: BackupRepository): string {
    return repository.kind === "volume" ? repository.name : repository.path;
}

/** restic's local cache (index and metadata) for the stack, so a run does not re-read the whole index. */
export function resticCacheVolume(stack: string): string {
    return `${namePrefix(stack)}-restic-cache`;
}

/** Why a backup was taken: on a schedule, before a promotion, by hand, before a restore. */
export const BACKUP_REASONS = ["scheduled", "promote", "manual", "pre-restore"] as const;
export type BackupReason = (typeof BACKUP_REASONS)[number];

/** The parts of one backup; each is one restic snapshot, the manifest is written last. */
export type BackupPart = `postgres:${string}` | "globals" | "volumes" | "manifest";

/** A backup's id, from its start time: sortable, and readable in `restic snapshots`. */
export function backupId(at: Date): string {
    return `b-${at.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

/** The tags every snapshot of one backup carries; restic tags are key=value strings here. */
export function backupTags(stack: string, id: string, reason: BackupReason, point?: string): string[] {
    return ["pa", `stack=${stack}`, `backup=${id}`, `reason=${reason}`, ...(point ? [`point=${point}`] : [])];
}

/** Reads `key=value` tags back into a record (the plain `pa` tag is skipped). */
export function tagValues(tags: readonly string[] | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const tag of tags ?? []) {
        const eq = tag.indexOf("=");
        if (eq > 0) out[tag.slice(0, eq)] = tag.slice(eq + 1);
    }
    return out;
}

/** The key of a data volume inside a backup (`/volumes/<key>`): service and purpose. */
export function volumeKey(service: string, purpose: string): string {
    return `${service}-${purpose}`;
}

/** A rollback point's manifest names its backup as `restic:<id>`; older points name a backups/ folder. */
export const RESTIC_BACKUP_PREFIX = "restic:";

export function resticBackupRef(id: string): string {
    return `${RESTIC_BACKUP_PREFIX}${id}`;
}

export function resticBackupIdOf(ref: string): string | undefined {
    return ref.startsWith(RESTIC_BACKUP_PREFIX) ? ref.slice(RESTIC_BACKUP_PREFIX.length) : undefined;
}
