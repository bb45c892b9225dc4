// The backup scheduler as plain data, and the freshness rule `pa health` applies to backups and drills.
import * as assert from "assert";
import { BACKUP_DEFAULTS } from "../../config/schema";
import { parseStackConfig } from "../../config/read";
import { backupRepository } from "../../model/backup";
import { formatAge, freshness, installCliContainer } from "../../model/backupSchedule";
import { backupSchedulerSpecs, schedulerPolicy, schedulerSettings } from "../../model/backupScheduler";
import { decide } from "../../model/dockerPolicy";

const daily = { what: "backup" as const, schedule: "30 3 * * *", timezone: "UTC" };
const at = (iso: string) => new Date(iso);

describe("backup freshness (pa health)", () => {
    it("passes when a run at or after the last due time exists, fails naming the missed time otherwise", () => {
        assert.strictEqual(freshness({ ...daily, last: "2026-12-02T03:30:05Z", now: at("2026-12-02T10:00:00Z") }).ok, true);
        const missed = freshness({ ...daily, last: "2026-12-01T03:30:05Z", now: at("2026-12-02T10:00:00Z") });
        assert.strictEqual(missed.ok, false);
        assert.match(missed.detail, /last good backup 31 h old .*wanted one at 2026-12-02T03:30:00.000Z/);
    });

    it("gives a run its grace before calling it missing", () => {
        assert.strictEqual(freshness({ ...daily, last: "2026-12-01T03:30:05Z", now: at("2026-12-02T05:00:00Z") }).ok, true, "within 2 h of 03:30");
        assert.strictEqual(freshness({ ...daily, last: "2026-12-01T03:30:05Z", now: at("2026-12-02T05:31:00Z") }).ok, false);
    });

    it("accepts no run yet only before the first due time since the scheduler started", () => {
        assert.match(freshness({ ...daily, since: "2026-12-02T05:00:00Z", now: at("2026-12-02T10:00:00Z") }).detail, /no good backup yet; the first is due/);
        assert.strictEqual(freshness({ ...daily, since: "2026-11-30T05:00:00Z", now: at("2026-12-02T10:00:00Z") }).ok, false);
        assert.strictEqual(freshness({ ...daily, now: at("2026-12-02T10:00:00Z") }).ok, false, "no start time known: a missing run fails");
    });

    it("reads the schedule in its time zone and gives drills their longer grace", () => {
        const berlin = { ...daily, timezone: "Europe/Berlin" };
        // 03:30 in Berlin in December is 02:30 UTC.
        assert.strictEqual(freshness({ ...berlin, last: "2026-12-02T02:30:10Z", now: at("2026-12-02T10:00:00Z") }).ok, true);
        assert.strictEqual(freshness({ ...berlin, last: "2026-12-01T03:30:10Z", now: at("2026-12-02T10:00:00Z") }).ok, false);
        const weekly = { what: "drill" as const, schedule: "30 4 * * 0", timezone: "UTC" };
        // Sunday 2026-11-29 04:30 was due; five hours later the drill is still within its grace.
        assert.strictEqual(freshness({ ...weekly, last: "2026-11-22T05:00:00Z", now: at("2026-11-29T09:30:00Z") }).ok, true);
        assert.strictEqual(freshness({ ...weekly, last: "2026-11-22T05:00:00Z", now: at("2026-11-29T11:00:00Z") }).ok, false);
        assert.strictEqual(formatAge(3 * 86400_000), "3 d");
    });
});

describe("backup scheduler specs", () => {
    const raw = { "pa:environment": "production", "pa:hostProfile": "server", "pa:images": JSON.stringify({ postgres: "pgvector/pgvector:0.8.1-pg17", neo4j: "neo4j:5.26.29", letta: "letta/letta:0.16.8", openWebui: "ghcr.io/open-webui/open-webui:v0.12.4", n8n: "docker.n8n.io/n8nio/n8n:1.123.81", gateway: "haproxy:3.0.11" }) };
    const cfg = parseStackConfig("production", raw);

    it("is on in production by default: daily backups at 03:30 UTC and weekly drills, no notification unless set", () => {
        assert.strictEqual(cfg.backup?.scheduler, true);
        assert.strictEqual(cfg.backup?.schedule, "30 3 * * *");
        assert.strictEqual(cfg.backup?.drillSchedule, "30 4 * * 0");
        assert.strictEqual(cfg.backup?.notifyUrl, undefined);
    });

    it("rejects a schedule that is not cron and an unknown time zone, naming the fix", () => {
        const bad = (backup: object) => () => parseStackConfig("production", { ...raw, "pa:backup": JSON.stringify(backup) });
        assert.throws(bad({ schedule: "every day" }), /pa:backup.schedule.*cron expression such as '30 3 \* \* \*'/);
        assert.throws(bad({ timezone: "Mars/Olympus" }), /pa:backup.timezone.*IANA time zone/);
        assert.throws(bad({ notifyUrl: "ftp://x" }), /pa:backup.notifyUrl/);
    });

    it("gives only the proxy the socket, the scheduler the proxy's address and the stack's facts", () => {
        const { proxy, scheduler } = backupSchedulerSpecs(cfg, cfg.backup!, true, false);
        assert.deepStrictEqual(proxy.mounts, [{ source: "/var/run/docker.sock", target: "/var/run/docker.sock", readOnly: false, kind: "bind" }]);
        assert.ok(scheduler.mounts.every((m) => m.kind === "volume"));
        assert.deepStrictEqual(Object.keys(scheduler.secretEnv).sort(), ["neo4jPassword", "notifyUrl", "postgresPassword", "resticPassword"]);
        const settings = JSON.parse(scheduler.env.PA_SCHEDULER);
        assert.deepStrictEqual(settings, schedulerSettings({ stack: "production", backup: cfg.backup!, repository: { kind: "volume", name: "pa-production-backups" }, images: { ...cfg.images }, volumes: settings.volumes, egressNetwork: "pa-production-frontend", notify: true, heartbeat: false }));
        assert.deepStrictEqual(settings.volumes.neo4j, { data: "pa-production-neo4j-data", logs: "pa-production-neo4j-logs" });
        assert.strictEqual(settings.backup.repository, "pa-production-backups");
        assert.strictEqual(scheduler.env.DOCKER_HOST, "tcp://docker-api:2375");
    });

    it("copies the docker CLI with a container the policy allows", () => {
        const { scheduler } = backupSchedulerSpecs(cfg, cfg.backup!, false, false);
        const install = installCliContainer(JSON.parse(scheduler.env.PA_SCHEDULER));
        const policy = schedulerPolicy(cfg.stack, cfg.images, backupRepository(cfg.stack, cfg.backup!));
        assert.deepStrictEqual(decide(policy, { method: "POST", url: `/containers/create?name=${install.name}`, body: install.body }), { allow: true });
        assert.strictEqual(BACKUP_DEFAULTS.dockerSocket, "/var/run/docker.sock");
    });
});
