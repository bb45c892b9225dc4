// Backups of a stack's data and their restore. Layout: backups/<stack>-YYYYMMDD-HHMMSS/ with
// manifest.json, one `pg_dump -Fc --create` per app database (roles, search_path and extensions
// come back with it) and one tarball per data volume. Neo4j Community cannot be copied online, so
// its container is stopped for the few seconds its tarball takes. A backup is written to a
// `.partial` folder and renamed when complete, so an interrupted one is never mistaken for good.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { APP_SERVICES, AppService, Service } from "../config/schema";
import { APP_DATABASES } from "../model/databases";
import { DockerClient } from "./probes/docker";
import { Target } from "./target";

export const MANIFEST = "manifest.json";

export type BackupItem =
    | { kind: "postgres"; database: string; app: AppService; file: string; bytes: number; sha256: string }
    | { kind: "volume"; service: Service; purpose: string; volume: string; file: string; bytes: number; sha256: string };

export interface BackupManifest {
    format: 1;
    stack: string;
    createdAt: string;
    images: Record<Service, string>;
    items: BackupItem[];
}

export function timestamp(date: Date): string {
    return date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Volumes worth backing up as files: not Postgres (dumped logically) and not logs. */
export function volumesToArchive(target: Target): { service: Service; purpose: string; volume: string }[] {
    const out: { service: Service; purpose: string; volume: string }[] = [];
    for (const [service, byPurpose] of Object.entries(target.volumes) as [Service, Record<string, string>][]) {
        if (service === "postgres") continue;
        for (const [purpose, volume] of Object.entries(byPurpose)) if (purpose !== "logs") out.push({ service, purpose, volume });
    }
    return out;
}

export async function createBackup(
    target: Target,
    docker: DockerClient,
    backupsDir: string,
    now: Date,
    say: (line: string) => void,
): Promise<{ dir: string; manifest: BackupManifest }> {
    const dir = path.join(backupsDir, `${target.stack}-${timestamp(now)}`);
    const partial = `${dir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true, mode: 0o700 });
    const items: BackupItem[] = [];
    const postgres = target.containers.postgres;
    for (const db of APP_DATABASES) {
        const file = `postgres-${db.name}.dump`;
        say(`backup: pg_dump ${db.name}`);
        await docker.streamToFile(
            ["exec", postgres, "sh", "-c", 'PGPASSWORD="$POSTGRES_PASSWORD" exec pg_dump -h localhost -U "$POSTGRES_USER" -Fc --create "$1"', "sh", db.name],
            path.join(partial, file),
        );
        items.push({ kind: "postgres", database: db.name, app: db.app, file, ...fileFacts(path.join(partial, file)) });
    }
    for (const { service, purpose, volume } of volumesToArchive(target)) {
        const file = `volume-${service}-${purpose}.tar.gz`;
        // Neo4j Community has no online backup: stop it so the store files are consistent.
        const offline = service === "neo4j";
        say(`backup: volume ${volume}${offline ? " (neo4j stopped meanwhile)" : ""}`);
        if (offline) await docker.stop(target.containers[service]);
        try {
            await docker.streamToFile(
                ["run", "--rm", "--network", "none", "-v", `${volume}:/data:ro`, "--entrypoint", "tar", target.images.postgres, "-czf", "-", "-C", "/data", "."],
                path.join(partial, file),
            );
        } finally {
            if (offline) await docker.start(target.containers[service]);
        }
        items.push({ kind: "volume", service, purpose, volume, file, ...fileFacts(path.join(partial, file)) });
    }
    const manifest: BackupManifest = { format: 1, stack: target.stack, createdAt: now.toISOString(), images: target.images, items };
    fs.writeFileSync(path.join(partial, MANIFEST), JSON.stringify(manifest, null, 2), { mode: 0o600 });
    fs.renameSync(partial, dir);
    return { dir, manifest };
}

function fileFacts(file: string): { bytes: number; sha256: string } {
    const content = fs.readFileSync(file);
    if (content.length === 0) throw new Error(`backup file ${file} is empty`);
    return { bytes: content.length, sha256: crypto.createHash("sha256").update(content).digest("hex") };
}

export function readBackup(dir: string): BackupManifest {
    const file = path.join(dir, MANIFEST);
    if (!fs.existsSync(file)) throw new Error(`${dir} holds no ${MANIFEST}: not a complete backup`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as BackupManifest;
}

/** Checks every file against its manifest entry before anything is overwritten. */
export function verifyBackup(dir: string, manifest: BackupManifest): void {
    for (const item of manifest.items) {
        const facts = fileFacts(path.join(dir, item.file));
        if (facts.sha256 !== item.sha256) throw new Error(`backup ${dir}: ${item.file} does not match its checksum; refusing to restore it`);
    }
}

/** The services whose data the items of a restore belong to; `postgres` means every database. */
export function itemsFor(manifest: BackupManifest, services: readonly Service[]): BackupItem[] {
    return manifest.items.filter((item) =>
        item.kind === "postgres" ? services.includes("postgres") || services.includes(item.app) : services.includes(item.service),
    );
}

/**
 * Restores the chosen services' data from a backup into the target's containers and volumes. The
 * apps whose data changes are stopped meanwhile and started again at the end; the caller waits for
 * health.
 */
export async function restoreBackup(
    target: Target,
    docker: DockerClient,
    dir: string,
    services: readonly Service[],
    say: (line: string) => void,
): Promise<BackupItem[]> {
    const manifest = readBackup(dir);
    const items = itemsFor(manifest, services);
    verifyBackup(dir, { ...manifest, items });
    const affected = new Set<Service>();
    for (const item of items) affected.add(item.kind === "postgres" ? item.app : item.service);
    const toStop = [...affected].filter((s) => s !== "postgres");
    for (const service of toStop) {
        say(`restore: stopping ${target.containers[service]}`);
        await docker.run(["stop", "-t", "30", target.containers[service]]);
    }
    try {
        for (const item of items) {
            if (item.kind === "postgres") {
                say(`restore: database ${item.database}`);
                const drop = await docker.exec(target.containers.postgres, [
                    "sh", "-c", `PGPASSWORD="$POSTGRES_PASSWORD" exec psql -h localhost -U "$POSTGRES_USER" -d postgres -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS "${item.database}" WITH (FORCE)'`,
                ]);
                if (drop.code !== 0) throw new Error(`dropping ${item.database} failed: ${drop.stderr.trim()}`);
                await docker.streamFromFile(
                    ["exec", "-i", target.containers.postgres, "sh", "-c", 'PGPASSWORD="$POSTGRES_PASSWORD" exec pg_restore -h localhost -U "$POSTGRES_USER" -d postgres --create --exit-on-error'],
                    path.join(dir, item.file),
                );
            } else {
                say(`restore: volume ${item.volume}`);
                await docker.streamFromFile(
                    ["run", "--rm", "-i", "--network", "none", "-v", `${item.volume}:/data`, "--entrypoint", "sh", target.images.postgres, "-c", "find /data -mindepth 1 -delete && tar -xzf - -C /data"],
                    path.join(dir, item.file),
                );
            }
        }
    } finally {
        // Databases first, then the apps, whatever happened: a failed restore must not leave them stopped.
        const order = [...toStop].sort((a, b) => Number(APP_SERVICES.includes(a as AppService)) - Number(APP_SERVICES.includes(b as AppService)));
        for (const service of order) {
            say(`restore: starting ${target.containers[service]}`);
            await docker.run(["start", target.containers[service]]);
        }
    }
    return items;
}
