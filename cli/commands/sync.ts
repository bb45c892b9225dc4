// `pa sync`: copy production's data into a staging stack, sanitized on a laptop. It asks for a sync by
// bumping pa:sync.request in the staging stack's config and runs `pulumi up` on it, so the stack's
// DataSync Command runs the sync (sync/cli.ts) and every sync is an entry in `pulumi stack history`.
import { CommandSpec, ParsedFlags } from "../../platform/args";
import { Logger } from "../../platform/log";
import { createContext } from "../stacks/context";
import { Operations } from "../stacks/operations";
import { REPAIR_HELP, repairInterruptedRun } from "../stacks/repair";
import { UsageError } from "../../platform/errors";
import { EXIT } from "../../platform/exitCodes";
import { ENV_CHOICES, productionStack, stagingStack } from "./common";
import { withLock } from "./withLock";

export const spec: CommandSpec = {
    name: "sync",
    summary: "Copy production's data into this host's staging stack through `pulumi up`, sanitized on a laptop.",
    usage: "pa sync [--stack <staging stack>] [--env laptop|server] [--production-host ssh://user@server] [--production-stack <name>] [--yes] [--json]",
    flags: [
        { name: "stack", value: "name", help: "the staging stack to fill (default: this host's, see --env; never production)" },
        { name: "env", value: "laptop|server", choices: ENV_CHOICES, help: "override laptop/server detection for the staging stack" },
        { name: "production-host", value: "host", help: "production's Docker host, e.g. ssh://me@server (kept in pa:sync.production.dockerHost)" },
        { name: "production-stack", value: "name", help: "production's stack (default production, or PA_PRODUCTION_STACK; kept in pa:sync.production.stack)" },
        { name: "yes", help: "do not ask before running `pulumi up`" },
        { name: "json", help: 'print one JSON line {"ok","stack","request","summary"} on stdout at the end' },
        { name: "force-unlock", help: "take the stack's lock even if another run holds it (only when that run is dead)" },
    ],
    details:
        "The first run also records --production-host (default: production on this machine's Docker engine).\n" +
        `${REPAIR_HELP}\n` +
        "Exit codes: 0 synced; 1 the sync or `pulumi up` failed (staging keeps its data); 2 usage; 3 locked;\n" +
        "5 personal data was found after sanitizing (staging keeps its data; docs/data-sync.md, Fail closed).\n" +
        "Log: logs/staging/sync-YYYYMMDD.log (pa's steps and the sync's own lines).",
};

/** A new pa:sync.request: a UTC timestamp is always newer than the last one and says when it was asked for. */
export function syncRequest(now: Date): string {
    return now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

/** The CLI's error names a leak (stderr) and its JSON line counts it (stdout); the provider shows either. */
export function foundPersonalData(output: string): boolean {
    return output.includes('"leaks":[{') || output.includes("personal data left after sanitizing");
}

/** The sync CLI's last `{"ok":false,...}` line in the engine's output, if it printed one. */
export function failureSummary(output: string): unknown {
    const line = [...output.matchAll(/\{"ok":false.*\}/g)].pop()?.[0];
    if (!line) return null;
    try {
        return JSON.parse(line);
    } catch {
        return null;
    }
}

interface SyncSummary {
    rows: number;
    bytes: number;
    seconds: number;
    sanitized: boolean;
    apps: { restarted: string[]; notHealthy: string[] };
}

export function summaryText(s: SyncSummary): string {
    const apps = s.apps.restarted.length === 0 ? "" : s.apps.notHealthy.length > 0 ? `; NOT healthy again: ${s.apps.notHealthy.join(", ")}` : "; apps restarted and healthy";
    return `synced ${s.rows} rows, ${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(1)} s (${s.sanitized ? "sanitized" : "not sanitized"})${apps}; details: logs/staging/sync-*.log`;
}

export interface SyncRequestOptions {
    stack: string;
    production: string;
    /** Production's Docker host to record (pa:sync.production.dockerHost), when given. */
    host?: string;
    request: string;
    /** Run without asking (--yes, or --json where nobody can answer). */
    yes: boolean;
}

/**
 * Asks the person first, then records the request in the staging stack's config and runs `pulumi up`:
 * a declined sync changes nothing (a request left in the config would copy production's data with the
 * next unrelated `pulumi up`).
 */
export async function requestSync(ops: Operations, log: Pick<Logger, "info" | "error" | "debug">, o: SyncRequestOptions): Promise<{ code: number; summary: unknown }> {
    if (!o.yes && !(await ops.confirm(`Run pulumi up on ${o.stack}, which copies ${o.production}'s data into it?`))) {
        log.error("not confirmed: nothing was copied and the stack's config is unchanged (--yes skips the question)");
        return { code: EXIT.failed, summary: null };
    }
    const engine = await ops.openStack(o.stack);
    // A sync killed inside its `pulumi up` leaves the same traces as any other run: cleared first, and said.
    const deployed = await ops.targetOf(engine).catch(() => undefined);
    await repairInterruptedRun(engine, ops, deployed ?? {}, { say: (line) => log.info(line), engineOutput: (line) => log.debug(line) });
    await engine.setConfig({ "pa:sync.request": o.request, "pa:sync.production.stack": o.production, ...(o.host ? { "pa:sync.production.dockerHost": o.host } : {}) });
    log.info(`pa:sync.request = ${o.request} on ${o.stack}; running pulumi up`);
    const output: string[] = [];
    const up = await engine.up((chunk) => {
        output.push(chunk);
        for (const line of chunk.split("\n")) if (line.trim()) log.debug(`  | ${line.trimEnd()}`);
    }, { onProgress: (line) => log.info(line) });
    if (!up.ok) {
        const text = `${output.join("")}\n${up.detail ?? ""}`;
        const code = foundPersonalData(text) ? EXIT.personalData : EXIT.failed;
        log.error(`the sync into ${o.stack} failed: ${up.error}`);
        if (code === EXIT.personalData) log.error("personal data was found after sanitizing: staging keeps its data; the columns are named above (docs/data-sync.md, Fail closed)");
        return { code, summary: failureSummary(text) };
    }
    const raw = (await engine.outputs()).syncSummary;
    const summary = typeof raw === "string" && raw.startsWith("{") ? (JSON.parse(raw) as SyncSummary) : null;
    if (summary) log.info(summaryText(summary));
    return { code: EXIT.ok, summary };
}

export async function run(flags: ParsedFlags): Promise<number> {
    const json = flags.has("json");
    const ctx = createContext("sync", flags);
    const named = flags.get("stack");
    const stack = typeof named === "string" ? named : stagingStack(flags).stack;
    const production = (flags.get("production-stack") as string | undefined) ?? productionStack();
    // The stack's config is checked too: pa:sync on a stack whose pa:environment is production fails `pulumi up`.
    if (stack === production || stack === "production") throw new UsageError(`${stack} is production, the source of a sync, never its target: name a staging stack with --stack`);
    const request = syncRequest(new Date());
    return withLock(ctx.projectRoot, stack, "sync", flags.has("force-unlock"), ctx.log, async () => {
        const { code, summary } = await requestSync(ctx.ops, ctx.log, {
            stack,
            production,
            host: flags.get("production-host") as string | undefined,
            request,
            yes: flags.has("yes") || json,
        });
        if (json) process.stdout.write(`${JSON.stringify({ ok: code === EXIT.ok, stack, request, summary })}\n`);
        return code;
    });
}
