// The backups' pure parts: repository and tag decisions, the docker argv (no secret on a command line,
// everything on the stack's host), the result lines the scripts print, the restore plan and the config.
import * as assert from "assert";
import { restorePlan, ResticManifest } from "../../cli/backup/backups";
import { installToolsArgs, manifestPartArgs, offsiteArgs, parseResults, resticArgs, resticTime, runnerArgs, toolsVolume } from "../../cli/backup/commands";
import { parseStackConfig } from "../../config/read";
import { BACKUP_DEFAULTS } from "../../config/schema";
import { backupId, backupRepository, backupTags, resticBackupIdOf, resticBackupRef, tagValues } from "../../model/backup";

const place = { stack: "production", repository: "pa-production-backups", cache: "pa-production-restic-cache", image: "restic/restic:0.18.0" };
const PASSWORD = "s3cret-password-value";

describe("backups: decisions", () => {
    it("keeps the repository in a volume of the stack's host unless a host path is configured", () => {
        assert.deepStrictEqual(backupRepository("production", {}), { kind: "volume", name: "pa-production-backups" });
        assert.deepStrictEqual(backupRepository("production", { repository: "/srv/pa-backups" }), { kind: "path", path: "/srv/pa-backups" });
        assert.deepStrictEqual(backupRepository("production", { repository: "my-backups" }), { kind: "volume", name: "my-backups" });
    });

    it("tags every part of a backup with its stack, id, reason and rollback point, and reads them back", () => {
        const id = backupId(new Date("2026-12-02T10:20:30.456Z"));
        assert.strictEqual(id, "b-20261202T102030Z");
        const tags = backupTags("production", id, "promote", "rollback-20261202-102030");
        assert.deepStrictEqual(tagValues(tags), { stack: "production", backup: id, reason: "promote", point: "rollback-20261202-102030" });
        assert.strictEqual(resticBackupIdOf(resticBackupRef(id)), id);
        assert.strictEqual(resticBackupIdOf("backups/production-20260102-030405"), undefined, "older points name a folder");
    });

    it("production has backups by default; staging only when configured", () => {
        const images = { postgres: "pgvector/pgvector:0.8.1-pg17", neo4j: "neo4j:5.26.29", letta: "letta/letta:0.16.8", openWebui: "ghcr.io/open-webui/open-webui:v0.12.4", n8n: "docker.n8n.io/n8nio/n8n:1.123.81", gateway: "haproxy:3.0.11" };
        const raw = (env: string, profile: string, extra: Record<string, string> = {}) => ({ "pa:environment": env, "pa:hostProfile": profile, "pa:images": JSON.stringify(images), ...extra });
        const production = parseStackConfig("production", raw("production", "server"));
        assert.deepStrictEqual(production.backup, BACKUP_DEFAULTS);
        assert.strictEqual(production.images.restic, "restic/restic:0.18.0");
        assert.strictEqual(parseStackConfig("staging-laptop", raw("staging", "laptop")).backup, undefined);
        const tuned = parseStackConfig("production", raw("production", "server", { "pa:backup": JSON.stringify({ keepDaily: 14, repository: "/srv/b" }) }));
        assert.strictEqual(tuned.backup?.keepDaily, 14);
        assert.strictEqual(tuned.backup?.keepWeekly, BACKUP_DEFAULTS.keepWeekly);
        assert.throws(() => parseStackConfig("production", raw("production", "server", { "pa:backup": JSON.stringify({ repository: "../relative" }) })), /pa:backup.repository/);
        assert.throws(() => parseStackConfig("production", raw("production", "server", { "pa:backup": JSON.stringify({ keepDaly: 3 }) })), /keepDaly: unknown key/);
    });
});

describe("backups: docker argv", () => {
    const runner = runnerArgs({ place, tools: toolsVolume("production", place.image), postgresImage: "pgvector/pgvector:0.8.1-pg17", network: "container:pa-production-postgres", mounts: ["pa-production-n8n-data:/volumes/n8n-data:ro"], name: "pa-production-backup-x", script: "true", args: ["a"] });

    it("hands secrets to containers by name only, never by value", () => {
        for (const argv of [runner, resticArgs(place, ["snapshots"]), manifestPartArgs(place, ["pa"], "pa-production", new Date())]) {
            assert.ok(!argv.join(" ").includes(PASSWORD));
            const env = argv.flatMap((a, i) => (argv[i - 1] === "-e" ? [a] : []));
            assert.ok(env.includes("RESTIC_PASSWORD"), "RESTIC_PASSWORD comes from the docker CLI's environment");
            assert.ok(env.every((e) => !/^(RESTIC_PASSWORD|PGPASSWORD)=/.test(e)));
        }
    });

    it("runs the dump beside the database (its network namespace), with the stack's own Postgres image and the volumes read-only", () => {
        assert.deepStrictEqual(runner.slice(0, 5), ["run", "--rm", "-i", "--name", "pa-production-backup-x"]);
        assert.deepStrictEqual(runner.slice(9, 11), ["--network", "container:pa-production-postgres"]);
        assert.ok(runner.includes("pgvector/pgvector:0.8.1-pg17"));
        assert.ok(runner.includes("pa-production-n8n-data:/volumes/n8n-data:ro"));
        assert.ok(runner.includes("pa-production-backups:/repo"));
    });

    it("labels every container it starts with the stack and as a backup run's scratch (what the scheduler's proxy allows)", () => {
        for (const argv of [runner, resticArgs(place, ["check"]), installToolsArgs(place, "t")]) {
            assert.deepStrictEqual(argv.filter((_, i) => argv[i - 1] === "--label"), ["pa.stack=production", "pa.backup.scratch=backup"]);
        }
    });

    it("reaches an off-site repository over the given network, its URL and credentials by name only, the stack's repository mounted as the copy's source", () => {
        const remote = { ...place, remote: { network: "pa-production-frontend", env: ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] } };
        const argv = offsiteArgs(remote, place, ["copy", "--tag", "stack=production"]);
        assert.deepStrictEqual(argv.slice(6, 8), ["--network", "pa-production-frontend"]);
        const env = argv.flatMap((a, i) => (argv[i - 1] === "-e" ? [a] : []));
        assert.deepStrictEqual(env, ["RESTIC_PASSWORD", "RESTIC_REPOSITORY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "RESTIC_CACHE_DIR=/cache", "RESTIC_FROM_REPOSITORY=/from", "RESTIC_FROM_PASSWORD"]);
        assert.ok(argv.includes("pa-production-backups:/from"));
        assert.ok(!argv.some((a) => a.endsWith(":/repo")), "the off-site repository is not a mount");
        assert.deepStrictEqual(argv.slice(-4), ["restic/restic:0.18.0", "copy", "--tag", "stack=production"]);
        // restic retries an unreachable backend for minutes: a question may carry a deadline.
        assert.deepStrictEqual(resticArgs(remote, ["cat", "config"], { deadlineSeconds: 45 }).slice(-7), ["--entrypoint", "timeout", "restic/restic:0.18.0", "45", "restic", "cat", "config"]);
    });

    it("takes off-site repositories with a supported backend and unique names, refusing sftp with the reason", () => {
        const images = { postgres: "pgvector/pgvector:0.8.1-pg17", neo4j: "neo4j:5.26.29", letta: "letta/letta:0.16.8", openWebui: "ghcr.io/open-webui/open-webui:v0.12.4", n8n: "docker.n8n.io/n8nio/n8n:1.123.81", gateway: "haproxy:3.0.11" };
        const withOffsite = (offsite: unknown) => parseStackConfig("production", { "pa:environment": "production", "pa:hostProfile": "server", "pa:images": JSON.stringify(images), "pa:backup": JSON.stringify({ offsite }) });
        const ok = withOffsite([{ name: "s3-eu", url: "s3:https://s3.eu-central-1.amazonaws.com/pa-backups", env: { AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "b" } }]);
        assert.strictEqual(ok.backup?.offsite[0].name, "s3-eu");
        assert.throws(() => withOffsite([{ name: "box", url: "sftp:pa@box:/srv/restic" }]), /sftp: is not supported: it needs an SSH key/);
        assert.throws(() => withOffsite([{ name: "a", url: "rest:http://a/" }, { name: "a", url: "rest:http://b/" }]), /names must be unique/);
        assert.throws(() => withOffsite([{ name: "a", url: "rest:http://a/", env: { "bad-name": "x" } }]), /environment variable name/);
    });

    it("runs restic alone without any network, through the image's own entrypoint", () => {
        const argv = resticArgs(place, ["check"]);
        assert.deepStrictEqual(argv.slice(0, 2), ["run", "--rm"]);
        assert.deepStrictEqual(argv.slice(6, 8), ["--network", "none"]);
        assert.deepStrictEqual(argv.slice(-2), ["restic/restic:0.18.0", "check"]);
        assert.strictEqual(installToolsArgs(place, "t")[0], "run");
        assert.strictEqual(toolsVolume("production", "restic/restic:0.18.0"), "pa-production-restic-tools-restic_restic_0.18.0");
        assert.strictEqual(resticTime(new Date("2026-12-02T10:20:30.456Z")), "2026-12-02 10:20:30");
    });
});

describe("backups: results and restore plans", () => {
    it("reads the scripts' result lines and ignores everything else", () => {
        const out = [
            "restic says hello",
            'PA\tsnapshot\tpostgres:letta\t{"message_type":"summary","snapshot_id":"abc","data_added":10}',
            'PA\trows\tletta\t["letta.agents", 50]',
            "PA\tvolume\tn8n-data\t26\t12345",
            'PA\textensions\tletta\t[["vector", "letta"]]',
            "PA\tsettings\tletta\tsearch_path=letta",
            "PA\tspace\t1048576\t204800",
        ].join("\n");
        assert.deepStrictEqual(parseResults(out), [
            { kind: "snapshot", part: "postgres:letta", summary: { message_type: "summary", snapshot_id: "abc", data_added: 10 } },
            { kind: "rows", database: "letta", table: "letta.agents", rows: 50 },
            { kind: "volume", key: "n8n-data", files: 26, bytes: 12345 },
            { kind: "extensions", database: "letta", extensions: [["vector", "letta"]] },
            { kind: "settings", database: "letta", settings: "search_path=letta" },
            { kind: "space", freeKiB: 1048576, dataKiB: 204800 },
        ]);
    });

    it("restores the databases and volumes of the chosen services; postgres means every database", () => {
        const manifest = {
            databases: { letta: {}, openwebui: {}, n8n: {} },
            volumes: { "neo4j-data": { service: "neo4j" }, "openWebui-data": { service: "openWebui" }, "n8n-data": { service: "n8n" } },
        } as unknown as ResticManifest;
        const names = (p: ReturnType<typeof restorePlan>) => ({ databases: p.databases.map((d) => d.name), volumes: p.volumes });
        assert.deepStrictEqual(names(restorePlan(manifest, ["letta"])), { databases: ["letta"], volumes: [] });
        assert.deepStrictEqual(names(restorePlan(manifest, ["openWebui"])), { databases: ["openwebui"], volumes: ["openWebui-data"] });
        assert.deepStrictEqual(names(restorePlan(manifest, ["postgres", "neo4j"])), { databases: ["letta", "openwebui", "n8n"], volumes: ["neo4j-data"] });
    });
});
