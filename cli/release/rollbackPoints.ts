// Rollback points: annotated git tags `rollback-YYYYMMDD-HHMMSS` whose message holds a JSON
// manifest of production as it ran before a promotion: the program commit, the stack config file,
// the image versions, the stack update that made that state, the backup taken of its data, and
// whether production was healthy (validated) when the point was recorded.
import * as fs from "fs";
import * as path from "path";
import { Service } from "../../config/schema";
import { resticBackupIdOf } from "../../model/backup";
import { MANIFEST } from "../backup/legacy";
import { Git } from "./git";

export const TAG_PREFIX = "rollback-";

export interface StackUpdateRef {
    /** Position in the stack's history counted from the oldest update, 1-based (file backends show version 0). */
    ordinal: number;
    startTime: string;
    endTime?: string;
    result: string;
    kind: string;
}

export interface RollbackPointManifest {
    format: 1;
    stack: string;
    createdAt: string;
    /** The program commit production ran (from the update's git metadata, else HEAD). */
    commit: string;
    /** The text of Pulumi.<stack>.yaml that production ran with. */
    config: string;
    images: Record<Service, string>;
    stackUpdate?: StackUpdateRef;
    /** The backup of production's data: `restic:<id>`, or (points of earlier versions) a folder relative to the project root. */
    backup?: string;
    validated: boolean;
    reason: string;
}

export interface RollbackPoint {
    tag: string;
    manifest: RollbackPointManifest;
}

/** One update of `pulumi stack history`, newest first as the engine returns them. */
export interface HistoryEntry {
    kind: string;
    startTime: string;
    endTime?: string;
    result: string;
    environment: Record<string, string>;
}

export function tagName(date: Date): string {
    const iso = date.toISOString();
    return `${TAG_PREFIX}${iso.slice(0, 10).replace(/-/g, "")}-${iso.slice(11, 19).replace(/:/g, "")}`;
}

export function tagMessage(manifest: RollbackPointManifest): string {
    return `pa rollback point for ${manifest.stack}: ${manifest.reason}\n\n${JSON.stringify(manifest, null, 2)}\n`;
}

export function parseTagMessage(message: string): RollbackPointManifest | undefined {
    const start = message.indexOf("{");
    if (start < 0) return undefined;
    try {
        const manifest = JSON.parse(message.slice(start).trim()) as RollbackPointManifest;
        return manifest.format === 1 ? manifest : undefined;
    } catch {
        return undefined;
    }
}

export async function listPoints(git: Git, stack: string): Promise<RollbackPoint[]> {
    const points: RollbackPoint[] = [];
    for (const tag of await git.listTags(TAG_PREFIX)) {
        const manifest = parseTagMessage(tag.message);
        if (manifest && manifest.stack === stack) points.push({ tag: tag.name, manifest });
    }
    return points.sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt));
}

/** The newest successful update: the one the current production state came from. */
export function currentUpdate(history: HistoryEntry[]): StackUpdateRef | undefined {
    const index = history.findIndex((h) => h.result === "succeeded" && (h.kind === "update" || h.kind === "import"));
    if (index < 0) return undefined;
    const entry = history[index];
    return { ordinal: history.length - index, startTime: entry.startTime, endTime: entry.endTime, result: entry.result, kind: entry.kind };
}

export interface PointStatus {
    point: RollbackPoint;
    /** The matching update in today's history, by start time, with its current ordinal. */
    update?: StackUpdateRef;
    backupPresent: boolean;
}

/** Joins the points with the stack history (by update start time) and their backups (restic ids in the repository, or folders on disk). */
export function describePoints(points: RollbackPoint[], history: HistoryEntry[], projectRoot: string, resticIds: ReadonlySet<string> = new Set()): PointStatus[] {
    return points.map((point) => {
        const recorded = point.manifest.stackUpdate;
        const index = recorded ? history.findIndex((h) => h.startTime === recorded.startTime) : -1;
        const entry = index >= 0 ? history[index] : undefined;
        return {
            point,
            update: entry ? { ordinal: history.length - index, startTime: entry.startTime, endTime: entry.endTime, result: entry.result, kind: entry.kind } : undefined,
            backupPresent: backupPresent(projectRoot, point.manifest.backup, resticIds),
        };
    });
}

export function backupPresent(projectRoot: string, backup: string | undefined, resticIds: ReadonlySet<string> = new Set()): boolean {
    if (backup === undefined) return false;
    const id = resticBackupIdOf(backup);
    return id !== undefined ? resticIds.has(id) : fs.existsSync(path.join(projectRoot, backup, MANIFEST));
}

/** `--emergency`: the newest point whose production was healthy and that has a state to return to. */
export function lastGoodPoint(points: RollbackPoint[]): RollbackPoint | undefined {
    return [...points].reverse().find((p) => p.manifest.validated && p.manifest.stackUpdate !== undefined);
}

export function formatPoints(statuses: PointStatus[]): string {
    if (statuses.length === 0) return "no rollback points yet (a promotion records one before it changes production)";
    const rows = [["TAG", "CREATED", "VALIDATED", "STACK UPDATE", "BACKUP", "COMMIT", "IMAGES"]];
    for (const s of statuses) {
        const m = s.point.manifest;
        const update = s.update ? `#${s.update.ordinal} ${s.update.startTime}` : m.stackUpdate ? "not in history" : "none";
        const images = Object.entries(m.images).map(([k, v]) => `${k}=${v.slice(v.lastIndexOf("/") + 1)}`).join(" ");
        rows.push([s.point.tag, m.createdAt, m.validated ? "yes" : "no", update, s.backupPresent ? "present" : m.backup ? "MISSING" : "none", m.commit.slice(0, 10), images]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join("  ")).join("\n");
}
