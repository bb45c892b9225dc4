// The backup scheduler, running in its container on the stack's host (model/backupScheduler.ts): on its
// cron schedules it takes a backup and applies the retention (forget + prune), or proves the newest
// backup by a restore drill and records the result in the repository; the same code as `pa backup`.
// Runs never overlap. A failure is posted to the notification URL; a success pings the heartbeat URL.
// Docker is reached only through the stack's docker-api proxy; the docker CLI that the backup code runs
// is copied from the pinned docker CLI image into the tools volume at start.
import { Cron } from "croner";
import { applyRetention, BackupDeps, backupStatus, copyToOffsite, listBackups, recordDrill, takeBackup, verifyBackup } from "../cli/backup/backups";
import { DockerCli } from "../platform/dockerClient";
import { Target } from "../cli/stacks/target";
import { OffsiteRepository } from "../config/schema";
import { SCHEDULER_ENV, SchedulerSettings, installCliContainer } from "../model/backupSchedule";

const say = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

function readSettings(): SchedulerSettings {
    const raw = process.env[SCHEDULER_ENV.settings];
    if (!raw) throw new Error(`${SCHEDULER_ENV.settings} is not set: the scheduler is started by the stack (components/BackupScheduler.ts)`);
    return JSON.parse(raw) as SchedulerSettings;
}

/** The stack as the backup code sees it; scheduled runs never touch the apps, so their containers are not named. */
function targetOf(s: SchedulerSettings): Target {
    const env = process.env;
    return {
        stack: s.stack,
        containers: { postgres: s.containers.postgres, neo4j: s.containers.neo4j, letta: "", openWebui: "", n8n: "" },
        urls: {},
        volumes: s.volumes,
        images: s.images,
        credentials: { postgresSuperuserPassword: env[SCHEDULER_ENV.postgresPassword], neo4jPassword: env[SCHEDULER_ENV.neo4jPassword] },
        backup: { ...s.backup, password: env[SCHEDULER_ENV.resticPassword] ?? "", offsite: JSON.parse(env[SCHEDULER_ENV.offsite] ?? "[]") as OffsiteRepository[] },
    };
}

/** One Docker API call through the proxy (only to copy the docker CLI, before there is one). */
async function api(s: SchedulerSettings, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const base = s.dockerHost.replace(/^tcp:/, "http:");
    const res = await fetch(`${base}${path}`, { method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, text: await res.text() };
}

async function installDockerCli(s: SchedulerSettings): Promise<void> {
    const { name, body } = installCliContainer(s);
    await api(s, "DELETE", `/containers/${name}?force=true`);
    const created = await api(s, "POST", `/containers/create?name=${name}`, body);
    if (created.status !== 201) throw new Error(`copying the docker CLI from ${s.dockerCliImage}: ${created.status} ${created.text.trim()}`);
    try {
        const started = await api(s, "POST", `/containers/${name}/start`);
        if (started.status >= 300) throw new Error(`copying the docker CLI: ${started.status} ${started.text.trim()}`);
        const waited = await api(s, "POST", `/containers/${name}/wait`);
        const code = (JSON.parse(waited.text) as { StatusCode?: number }).StatusCode;
        if (code !== 0) throw new Error(`copying the docker CLI from ${s.dockerCliImage} exited ${code}`);
    } finally {
        await api(s, "DELETE", `/containers/${name}?force=true`);
    }
}

/** Posts a failure to the notification URL, if one is set; tried three times, never throws. */
type Event = "backup-failed" | "offsite-failed" | "drill-failed" | "scheduler-failed";
const TITLES: Record<Event, string> = {
    "backup-failed": "backup FAILED",
    "offsite-failed": "off-site copy FAILED",
    "drill-failed": "restore drill FAILED",
    "scheduler-failed": "backup scheduler FAILED",
};

async function notify(s: SchedulerSettings, event: Event, message: string): Promise<void> {
    const url = process.env[SCHEDULER_ENV.notifyUrl];
    say(`${event}: ${message}`);
    if (!url) return;
    const title = `${s.stack}: ${TITLES[event]}`;
    const request: RequestInit =
        s.notifyFormat === "ntfy"
            ? { method: "POST", headers: { Title: title, Priority: "high", Tags: "warning" }, body: message }
            : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ stack: s.stack, event, message, text: `${title}: ${message}`, at: new Date().toISOString() }) };
    for (let attempt = 1; attempt <= 3; attempt++) {
        try {
            const res = await fetch(url, { ...request, signal: AbortSignal.timeout(15_000) });
            if (res.ok) return say(`notification sent (${event})`);
            say(`notification attempt ${attempt}: the URL answered ${res.status}`);
        } catch (e) {
            say(`notification attempt ${attempt}: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, attempt * 5000));
    }
}

async function heartbeat(what: string): Promise<void> {
    const url = process.env[SCHEDULER_ENV.heartbeatUrl];
    if (!url) return;
    try {
        const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
        say(`heartbeat after ${what}: ${res.status}`);
    } catch (e) {
        say(`heartbeat after ${what} failed: ${(e as Error).message}`);
    }
}

function describe(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

async function scheduledBackup(s: SchedulerSettings, target: Target, deps: BackupDeps): Promise<void> {
    try {
        const manifest = await takeBackup(target, deps, { reason: "scheduled" });
        const offsite = (await copyToOffsite(target, deps)).filter((o) => !o.ok);
        if (offsite.length) await notify(s, "offsite-failed", `backup ${manifest.id} is in the stack's repository, but not off-site: ${offsite.map((o) => `${o.name}: ${o.detail}`).join("; ")}`);
        // Rollback points live in the operator's checkout: here every point's backup is kept, and
        // `pa backup forget` expires them by the points (docs/backups.md).
        const points = [...new Set((await listBackups(target, deps)).flatMap((b) => (b.point ? [b.point] : [])))];
        const retention = await applyRetention(target, deps, points);
        say(`retention: kept ${retention.kept.length}, removed ${retention.removed.length + retention.incompleteRemoved.length}`);
        const offsiteRetention = retention.offsite.filter((o) => !o.ok);
        if (offsiteRetention.length) await notify(s, "offsite-failed", `retention off-site: ${offsiteRetention.map((o) => `${o.name}: ${o.detail}`).join("; ")}`);
        // The heartbeat says "all is well": not after a run that left an off-site repository behind.
        if (!offsite.length && !offsiteRetention.length) await heartbeat(`backup ${manifest.id}`);
    } catch (error) {
        await notify(s, "backup-failed", describe(error));
    }
}

async function scheduledDrill(s: SchedulerSettings, target: Target, deps: BackupDeps): Promise<void> {
    try {
        const report = await verifyBackup(target, deps, "latest", s.backup.verifyReadPercent);
        await recordDrill(target, deps, report);
        if (!report.ok) {
            const failed = [...(report.check.ok ? [] : [`restic check: ${report.check.detail}`]), ...report.drill.filter((f) => !f.ok).map((f) => `${f.what}: ${f.detail}`)];
            await notify(s, "drill-failed", `backup ${report.backup} is NOT proven: ${failed.join("; ")}`);
            return;
        }
        say(`drill: backup ${report.backup} proven in ${report.seconds} s`);
        await heartbeat(`drill of ${report.backup}`);
    } catch (error) {
        await notify(s, "drill-failed", describe(error));
    }
}

async function main(): Promise<void> {
    const s = readSettings();
    const target = targetOf(s);
    const deps: BackupDeps = { docker: new DockerCli(), say, now: () => new Date() };
    // The proxy starts first but may not listen yet: a minute of tries before calling it a failure.
    for (let attempt = 1; ; attempt++) {
        try {
            await installDockerCli(s);
            break;
        } catch (error) {
            if (attempt < 30) {
                await new Promise((r) => setTimeout(r, 2000));
                continue;
            }
            await notify(s, "scheduler-failed", `the scheduler cannot start: ${describe(error)}`);
            process.exit(1);
        }
    }
    // One run at a time: a drill never meets a backup half written, and runs do not compete for the disk.
    let queue = Promise.resolve();
    const enqueue = (run: () => Promise<void>) => () => {
        queue = queue.then(run);
        return queue;
    };
    const options = { timezone: s.timezone, protect: true };
    const backups = new Cron(s.schedule, options, enqueue(() => scheduledBackup(s, target, deps)));
    const drills = new Cron(s.drillSchedule, options, enqueue(() => scheduledDrill(s, target, deps)));
    const status = await backupStatus(target, deps).catch(() => ({ lastBackup: undefined }));
    say(`scheduler of ${s.stack}: backups '${s.schedule}', drills '${s.drillSchedule}' (${s.timezone}); next backup ${backups.nextRun()?.toISOString()}, next drill ${drills.nextRun()?.toISOString()}; last backup ${status.lastBackup?.id ?? "none yet"}`);
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
        process.on(signal, () => {
            backups.stop();
            drills.stop();
            say(`stopping (${signal}) once a run in progress ends`);
            void queue.then(() => process.exit(0));
        });
    }
}

main().catch((error) => {
    say(`scheduler crashed: ${describe(error)}`);
    process.exit(1);
});
