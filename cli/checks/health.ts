// Each service's real health signal, timed: what the service itself says it needs to serve
// (Letta /v1/health/, Open WebUI /health and /health/db, n8n /healthz/readiness, Postgres
// pg_isready plus a query in each app database as its own role, Neo4j HTTP plus `RETURN 1`).
import { SERVICES, Service } from "../../config/schema";
import { APP_DATABASES } from "../../model/databases";
import { appSql, cypher, neo4jHttp, pgIsReady } from "./databases";
import { ContainerState, DockerClient } from "../../platform/dockerClient";
import { HttpProbe, HttpResult } from "./http";
import { Target } from "../stacks/target";
import { BackupStatus, backupStatus } from "../backup/backups";
import { freshness, schedulerToolsVolume } from "../../model/backupSchedule";

export interface CheckResult {
    service: Service;
    check: string;
    ok: boolean;
    ms: number;
    detail: string;
}

export interface ServiceDetails {
    service: Service;
    container: string;
    state?: ContainerState;
    recentLogs?: string;
}

/** A check of the stack's backups (stacks with pa:backup): the newest good backup and drill. */
export interface BackupCheck {
    check: "last backup" | "last drill";
    ok: boolean;
    detail: string;
}

export interface HealthReport {
    stack: string;
    healthy: boolean;
    checks: CheckResult[];
    backups?: BackupCheck[];
    details?: ServiceDetails[];
}

export interface Probes {
    http: HttpProbe;
    docker: DockerClient;
}

/**
 * How recent the stack's newest good backup and drill are, against the schedules: failing when a
 * scheduled run is missing (model/backupScheduler.ts, freshness). One listing of the repository.
 */
export async function checkBackups(target: Target, docker: DockerClient, now: Date): Promise<BackupCheck[]> {
    const b = target.backup;
    if (!b) return [];
    let status: BackupStatus;
    try {
        status = await backupStatus(target, { docker, say: () => undefined, now: () => now });
    } catch (error) {
        const detail = `the repository cannot be read: ${(error as Error).message}`;
        return [{ check: "last backup", ok: false, detail }, { check: "last drill", ok: false, detail }];
    }
    const lastDrill = status.lastDrill && !status.lastDrill.ok ? ` (the newest drill, ${status.lastDrill.time}, FAILED: pa backup verify says why)` : "";
    if (!b.scheduler || !b.schedule || !b.drillSchedule || !target.backupScheduler) {
        const off = "; no schedule (pa:backup.scheduler is off): `pa backup now` and `pa backup verify` by hand";
        return [
            { check: "last backup", ok: true, detail: `${status.lastBackup ? `${status.lastBackup.id} (${status.lastBackup.time})` : "none yet"}${off}` },
            { check: "last drill", ok: !lastDrill, detail: `${status.lastGoodDrill ? `${status.lastGoodDrill.backup} proven at ${status.lastGoodDrill.time}` : "none yet"}${lastDrill}` },
        ];
    }
    // Runs are due from the scheduler's first start: its tools volume outlives redeploys of the container.
    const created = await docker.run(["volume", "inspect", "-f", "{{.CreatedAt}}", schedulerToolsVolume(target.stack)]);
    const createdAt = new Date(created.stdout.trim());
    const since = created.code === 0 && !Number.isNaN(createdAt.getTime()) ? createdAt.toISOString() : undefined;
    const scheduled = { timezone: b.timezone ?? "UTC", since, now };
    const backup = freshness({ what: "backup", last: status.lastBackup?.time, schedule: b.schedule, ...scheduled });
    const drill = freshness({ what: "drill", last: status.lastGoodDrill?.time, schedule: b.drillSchedule, ...scheduled });
    return [
        { check: "last backup", ...backup },
        { check: "last drill", ok: drill.ok, detail: drill.detail + lastDrill },
    ];
}

export async function checkHealth(target: Target, probes: Probes, options: { verbose?: boolean; logLines?: number } = {}): Promise<HealthReport> {
    const perService = await Promise.all(SERVICES.map((service) => checkService(service, target, probes)));
    const checks = perService.flat();
    const report: HealthReport = { stack: target.stack, healthy: checks.every((c) => c.ok), checks };
    if (options.verbose) {
        report.details = await Promise.all(
            SERVICES.map(async (service) => {
                const container = target.containers[service];
                return {
                    service,
                    container,
                    state: await probes.docker.inspect(container),
                    recentLogs: await probes.docker.logs(container, options.logLines ?? 5),
                };
            }),
        );
    }
    return report;
}

async function checkService(service: Service, target: Target, probes: Probes): Promise<CheckResult[]> {
    const container = target.containers[service];
    switch (service) {
        case "letta":
            return [await httpCheck(service, "GET /v1/health/", target.urls.letta, "/v1/health/", probes.http, (r) => /"status"\s*:\s*"ok"/.test(r.body))];
        case "openWebui":
            return Promise.all([
                httpCheck(service, "GET /health", target.urls.openWebui, "/health", probes.http, (r) => /"status"\s*:\s*true/.test(r.body)),
                httpCheck(service, "GET /health/db", target.urls.openWebui, "/health/db", probes.http, (r) => /"status"\s*:\s*true/.test(r.body)),
            ]);
        case "n8n":
            return [await httpCheck(service, "GET /healthz/readiness", target.urls.n8n, "/healthz/readiness", probes.http, () => true)];
        case "postgres": {
            const ready = await pgIsReady(probes.docker, container);
            const queries = await Promise.all(
                APP_DATABASES.map(async (db) => {
                    const q = await appSql(probes.docker, container, db, "SELECT 1;");
                    const ok = q.ok && q.output === "1";
                    return { service, check: `SELECT 1 in ${db.name} as ${db.name}`, ok, ms: q.ms, detail: ok ? "1" : firstLine(q.error ?? q.output) };
                }),
            );
            return [{ service, check: "pg_isready", ok: ready.ok, ms: ready.ms, detail: firstLine(ready.output || ready.error || "") }, ...queries];
        }
        case "neo4j": {
            const http = await neo4jHttp(probes.docker, container);
            const version = /"neo4j_version"\s*:\s*"([^"]+)"/.exec(http.output)?.[1];
            const query = await cypher(probes.docker, container, ["RETURN 1 AS ok"]);
            return [
                { service, check: "GET :7474/", ok: http.ok, ms: http.ms, detail: http.ok ? `neo4j ${version ?? "?"}` : firstLine(http.error ?? http.output) },
                { service, check: "Cypher RETURN 1", ok: query.ok && query.output === "[[[1]]]", ms: query.ms, detail: query.ok ? query.output : firstLine(query.error ?? "") },
            ];
        }
    }
}

async function httpCheck(
    service: Service,
    check: string,
    baseUrl: string | undefined,
    path: string,
    http: HttpProbe,
    bodyOk: (result: HttpResult) => boolean,
): Promise<CheckResult> {
    if (!baseUrl) return { service, check, ok: false, ms: 0, detail: "no published URL in the stack outputs" };
    const result = await http(`${baseUrl}${path}`, { timeoutMs: 5_000 });
    const ok = result.status === 200 && bodyOk(result);
    const detail = result.status === 0 ? `unreachable: ${result.error}` : `HTTP ${result.status}${ok ? "" : ` ${firstLine(result.body)}`}`;
    return { service, check, ok, ms: result.ms, detail };
}

function firstLine(text: string): string {
    return (text.split("\n").find((line) => line.trim()) ?? "").trim().slice(0, 120);
}

/** The report as an aligned table, one row per check, for people. */
export function formatHealthTable(report: HealthReport): string {
    const rows = [["SERVICE", "CHECK", "STATUS", "TIME", "DETAIL"]];
    for (const c of report.checks) rows.push([c.service, c.check, c.ok ? "ok" : "FAIL", `${c.ms} ms`, c.detail]);
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join("  "));
    for (const b of report.backups ?? []) lines.push(`backups  ${b.check.padEnd(12)}  ${b.ok ? "ok  " : "FAIL"}  ${b.detail}`);
    for (const d of report.details ?? []) {
        const s = d.state;
        lines.push("", `${d.service} (${d.container}): ${s ? `${s.status}, health ${s.health ?? "none"}, restarts ${s.restartCount}, started ${s.startedAt}, image ${s.image}` : "no such container"}`);
        if (d.recentLogs) lines.push(...d.recentLogs.split("\n").map((line) => `    | ${line}`));
    }
    lines.push("", `${report.stack}: ${report.healthy ? "healthy" : "UNHEALTHY"}`);
    return lines.join("\n");
}
