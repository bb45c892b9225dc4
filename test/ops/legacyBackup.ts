// Writes a backup in the layout earlier versions made (backups/<stack>-YYYYMMDD-HHMMSS/, pg_dump -Fc
// files and volume tarballs with a manifest), so the tests prove that rollback points recorded before
// restic can still restore their data (cli/backup/legacy.ts).
import * as fs from "fs";
import * as path from "path";
import { APP_DATABASES } from "../../model/databases";
import { dataVolumes } from "../../cli/backup/backups";
import { BackupItem, BackupManifest, fileFacts, MANIFEST } from "../../cli/backup/legacy";
import { DockerClient } from "../../platform/dockerClient";
import { Target } from "../../cli/stacks/target";

function timestamp(date: Date): string {
    return date.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

/** Volumes worth backing up as files: not Postgres (dumped logically) and not logs. */
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
    for (const { service, purpose, volume } of dataVolumes(target)) {
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
