// The backup scheduler and its Docker API proxy as real containers beside a real stack: scheduled
// backups and drills run through the proxy without one refused call, a heartbeat follows each success,
// a failed run posts the notification to a local HTTP receiver, the proxy refuses what would give the
// host away, and its watchdog thaws a Neo4j left frozen.
import * as assert from "assert";
import { backupStatus, listBackups, BackupDeps } from "../../cli/backup/backups";
import { checkBackups } from "../../cli/checks/health";
import { DockerCli } from "../../platform/dockerClient";
import { Target } from "../../cli/stacks/target";
import { BACKUP_DEFAULTS, Service } from "../../config/schema";
import { PROXY_ENV, SchedulerSecret } from "../../model/backupSchedule";
import { backupSchedulerSpec, dockerApiProxySpec, schedulerNetworkName, schedulerPolicy } from "../../model/backupScheduler";
import { stackLabels } from "../../model/names";
import { docker, waitFor } from "../support/docker";
import { testImage } from "../support/images";
import { BackupStack, containerOf, generateDataset, removeBackupStack, startBackupStack } from "./fixture";
import { startSidecar } from "./sidecars";

const EGRESS = "pa-bktest-frontend";
const RECEIVER = "pa-bktest-hooks";

/** A local HTTP receiver on the egress network: prints each request it gets as a JSON line. */
function startReceiver(): void {
    const program = `require("http").createServer((q, s) => { let b = ""; q.on("data", (c) => (b += c)); q.on("end", () => { console.log(JSON.stringify({ method: q.method, url: q.url, headers: q.headers, body: b })); s.end("ok"); }); }).listen(8080);`;
    docker("run", "-d", "--name", RECEIVER, "--network", EGRESS, "--network-alias", "hooks", "--label", "pa.stack=bktest", testImage("node"), "node", "-e", program);
}

/** A cron expression (with seconds, read in UTC) that fires once, `seconds` from now. */
function onceIn(seconds: number): string {
    const at = new Date(Date.now() + seconds * 1000);
    return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} ${at.getUTCDate()} ${at.getUTCMonth() + 1} *`;
}
const NEVER = "0 0 1 1 *";

function received(): { method: string; url: string; headers: Record<string, string>; body: string }[] {
    return docker("logs", RECEIVER).split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

describe("backup scheduler on real containers", function () {
    let stack: BackupStack;
    let target: Target;
    const deps: BackupDeps = { docker: new DockerCli(), say: () => undefined, now: () => new Date() };
    const images = () => ({ ...target.images, restic: target.backup!.image, node: testImage("node"), dockerCli: testImage("docker-cli") });
    const policy = () => schedulerPolicy("bktest", images(), { kind: "volume", name: stack.repository });
    const proxy = () => dockerApiProxySpec("bktest", testImage("node"), "/var/run/docker.sock", policy());
    const scheduler = (schedule: string, drillSchedule: string) =>
        backupSchedulerSpec({
            stack: "bktest",
            backup: { ...BACKUP_DEFAULTS, schedule, drillSchedule, verifyReadPercent: 100 },
            repository: { kind: "volume", name: stack.repository },
            images: images() as Record<Service, string> & { restic: string; node: string; dockerCli: string },
            volumes: target.volumes,
            egressNetwork: EGRESS,
            notify: true,
            heartbeat: true,
        });
    const secrets = (overrides: Partial<Record<SchedulerSecret, string>> = {}): Partial<Record<SchedulerSecret, string>> => ({
        resticPassword: target.backup!.password,
        postgresPassword: target.credentials.postgresSuperuserPassword,
        neo4jPassword: target.credentials.neo4jPassword,
        notifyUrl: "http://hooks:8080/notify",
        heartbeatUrl: "http://hooks:8080/heartbeat",
        ...overrides,
    });
    const logsOf = (name: string) => {
        try {
            return docker("logs", name);
        } catch {
            return "";
        }
    };

    before(function () {
        this.timeout(600_000);
        stack = startBackupStack();
        target = stack.target;
        generateDataset();
        const labels = Object.entries(stackLabels("bktest")).flatMap(([k, v]) => ["--label", `${k}=${v}`]);
        docker("network", "create", ...labels, EGRESS);
        docker("network", "create", "--internal", ...labels, schedulerNetworkName("bktest"));
        docker("volume", "create", ...labels, "pa-bktest-backup-tools");
        startReceiver();
    });

    after(() => {
        if (process.env.PA_BKTEST_KEEP !== "true") removeBackupStack();
    });

    it("runs scheduled backups and drills through the proxy without one refused call, then pings the heartbeat", async function () {
        this.timeout(600_000);
        startSidecar(proxy(), {});
        startSidecar(scheduler(onceIn(15), NEVER), secrets());
        waitFor(() => /retention: kept/.test(logsOf("pa-bktest-backup-scheduler")), 240, `a scheduled backup (scheduler log: ${logsOf("pa-bktest-backup-scheduler").slice(-800)})`);
        // The same scheduler with a drill due now (as the weekly one would come).
        startSidecar(scheduler(NEVER, onceIn(15)), secrets());
        waitFor(() => /drill: backup \S+ proven/.test(logsOf("pa-bktest-backup-scheduler")), 420, `a scheduled drill (scheduler log: ${logsOf("pa-bktest-backup-scheduler").slice(-1500)})`);
        const proxyLog = logsOf("pa-bktest-docker-api");
        assert.ok(!/refused/.test(proxyLog), `the proxy refused a call of a scheduled run:\n${proxyLog}`);
        const backups = await listBackups(target, deps);
        assert.ok(backups.some((b) => b.complete && b.reason === "scheduled"), JSON.stringify(backups));
        const status = await backupStatus(target, deps);
        assert.ok(status.lastGoodDrill, "the drill's result is recorded in the repository");
        assert.strictEqual(status.lastGoodDrill!.backup, status.lastBackup!.id);
        const beats = received().filter((r) => r.url === "/heartbeat");
        assert.ok(beats.length >= 2, `a heartbeat after the backup and after the drill: ${JSON.stringify(received())}`);
        assert.strictEqual(docker("inspect", "-f", "{{.State.Paused}}", containerOf("neo4j")), "false");

        // pa health: both are fresh now; three hours on, an hourly schedule has missed its runs.
        const scheduled = { ...target, backupScheduler: "pa-bktest-backup-scheduler", backup: { ...target.backup!, scheduler: true, schedule: "0 * * * *", drillSchedule: "0 * * * *", timezone: "UTC" } };
        const now = await checkBackups(scheduled, deps.docker, new Date());
        assert.deepStrictEqual(now.map((c) => [c.check, c.ok]), [["last backup", true], ["last drill", true]], JSON.stringify(now));
        const later = await checkBackups(scheduled, deps.docker, new Date(Date.now() + 3 * 3600_000));
        assert.strictEqual(later[0].ok, false);
        assert.match(later[0].detail, /last good backup 3 h old .*wanted one at/);
    });

    it("posts a failed scheduled backup to the notification URL, naming the stack and the failure, no secret in it", function () {
        this.timeout(300_000);
        startSidecar(scheduler(onceIn(10), NEVER), secrets({ resticPassword: "not-the-repository-password" }));
        waitFor(() => received().some((r) => r.url === "/notify"), 180, `a notification (scheduler log: ${logsOf("pa-bktest-backup-scheduler").slice(-1500)})`);
        docker("stop", "pa-bktest-backup-scheduler");
        const note = received().find((r) => r.url === "/notify")!;
        const body = JSON.parse(note.body) as { stack: string; event: string; message: string; text: string };
        assert.strictEqual(note.method, "POST");
        assert.strictEqual(body.stack, "bktest");
        assert.strictEqual(body.event, "backup-failed");
        assert.match(body.message, /wrong password or no key found/);
        for (const secret of [target.backup!.password, "not-the-repository-password", target.credentials.postgresSuperuserPassword!, target.credentials.neo4jPassword!]) {
            assert.ok(!note.body.includes(secret), "no secret in the notification");
        }
        assert.strictEqual(docker("inspect", "-f", "{{.State.Running}}", containerOf("postgres")), "true", "production keeps running");
    });

    it("refuses what would give the host away, through the real engine", () => {
        startSidecar(scheduler(NEVER, NEVER), secrets());
        waitFor(() => docker("exec", "pa-bktest-backup-scheduler", "test", "-x", "/pa-tools/docker") === "", 60, "the scheduler's docker CLI");
        const attempt = (...args: string[]) => {
            try {
                docker("exec", "pa-bktest-backup-scheduler", "docker", ...args);
                return "it ran";
            } catch (e) {
                return String((e as { stderr?: string }).stderr ?? e);
            }
        };
        const pg = target.images.postgres;
        const labels = ["--label", "pa.stack=bktest", "--label", "pa.backup.scratch=backup"];
        assert.match(attempt("run", "--rm", ...labels, "--privileged", "--network", "none", pg, "true"), /refused by the backup scheduler's Docker API proxy: .*privileged/);
        assert.match(attempt("run", "--rm", ...labels, "--network", "none", "-v", "/:/host", pg, "true"), /refused .*mount \/ is refused/);
        assert.match(attempt("run", "--rm", ...labels, "--network", "host", pg, "true"), /refused .*network host/);
        assert.match(attempt("run", "--rm", "--network", "none", pg, "true"), /refused .*labels/);
        assert.match(attempt("pause", containerOf("postgres")), /refused .*may be frozen/);
        assert.match(attempt("stop", containerOf("postgres")), /refused .*not a scratch container/);
        assert.match(attempt("exec", containerOf("neo4j"), "sh", "-c", "id"), /refused .*only the read-only query script/);
        assert.match(attempt("volume", "rm", "pa-bktest-neo4j-data"), /refused/);
        assert.strictEqual(attempt("run", "--rm", ...labels, "--network", "none", pg, "true"), "it ran", "a labelled scratch container of a pinned image runs");
    });

    it("thaws a Neo4j frozen past the deadline (the watchdog), so a killed run cannot leave production frozen", () => {
        startSidecar(proxy(), {}, { [PROXY_ENV.freezeDeadline]: "3" });
        waitFor(() => /listening/.test(logsOf("pa-bktest-docker-api")), 30, "the proxy");
        docker("exec", "pa-bktest-backup-scheduler", "docker", "pause", containerOf("neo4j"));
        assert.strictEqual(docker("inspect", "-f", "{{.State.Paused}}", containerOf("neo4j")), "true");
        docker("kill", "pa-bktest-backup-scheduler");
        waitFor(() => docker("inspect", "-f", "{{.State.Paused}}", containerOf("neo4j")) === "false", 20, "the watchdog's thaw");
        assert.match(logsOf("pa-bktest-docker-api"), /watchdog: pa-bktest-neo4j was frozen for 3 s without a thaw; thawed it/);
    });
});
