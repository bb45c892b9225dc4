// What cleanup removes: backups and logs older than the retention, except the backups the newest
// rollback points (and the last validated one) need. Images are never removed: rollback points
// name them and a rollback must not need a registry.
import * as fs from "fs";
import * as path from "path";
import { lastGoodPoint, RollbackPoint } from "./rollbackPoints";

export interface CleanupPlan {
    remove: string[];
    keptForPoints: string[];
}

export interface Entry {
    path: string;
    modified: Date;
}

export function planCleanup(input: {
    backups: Entry[];
    logs: Entry[];
    points: RollbackPoint[];
    now: Date;
    retentionDays: number;
    keepPoints: number;
    projectRoot: string;
}): CleanupPlan {
    const cutoff = input.now.getTime() - input.retentionDays * 86_400_000;
    const needed = new Set<string>();
    const newest = input.points.slice(-input.keepPoints);
    const good = lastGoodPoint(input.points);
    for (const point of good ? [...newest, good] : newest) {
        if (point.manifest.backup) needed.add(path.resolve(input.projectRoot, point.manifest.backup));
    }
    const old = (e: Entry) => e.modified.getTime() < cutoff;
    const keptForPoints = input.backups.filter((b) => old(b) && needed.has(path.resolve(b.path))).map((b) => b.path);
    const remove = [
        ...input.backups.filter((b) => old(b) && !needed.has(path.resolve(b.path))).map((b) => b.path),
        ...input.logs.filter(old).map((l) => l.path),
    ];
    return { remove, keptForPoints };
}

export function listEntries(dir: string, pick: (name: string, isDir: boolean) => boolean): Entry[] {
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((d) => pick(d.name, d.isDirectory()))
        .map((d) => {
            const full = path.join(dir, d.name);
            return { path: full, modified: fs.statSync(full).mtime };
        });
}

/** Every dated log file under logs/<area>/ (never the lock folder). */
export function listLogs(logsDir: string): Entry[] {
    return listEntries(logsDir, (name, isDir) => isDir && name !== "locks").flatMap((area) =>
        listEntries(area.path, (name, isDir) => !isDir && name.endsWith(".log")),
    );
}
