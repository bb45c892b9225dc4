// The restore of backups taken before restic (rollback points recorded by earlier versions name them):
// backups/<stack>-YYYYMMDD-HHMMSS/ with manifest.json, one `pg_dump -Fc --create` per app database
// and one tarball per data volume. New backups are restic only (backup/backups.ts).
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { APP_SERVICES, AppService, Service } from "../../config/schema";
import { DockerClient } from "../../platform/dockerClient";
import { Target } from "../stacks/target";

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

/** Size and checksum, read in chunks: a dump can be larger than a Node buffer (2 GiB). */
export function fileFacts(file: string): { bytes: number; sha256: string } {
    const hash = crypto.createHash("sha256");
    const chunk = Buffer.alloc(1 << 20);
    const fd = fs.openSync(file, "r");
    let bytes = 0;
    try {
        for (let n; (n = fs.readSync(fd, chunk, 0, chunk.length, null)) > 0; bytes += n) hash.update(chunk.subarray(0, n));
    } finally {
        fs.closeSync(fd);
    }
    if (bytes === 0) throw new Error(`backup file ${file} is empty`);
    return { bytes, sha256: hash.digest("hex") };
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
