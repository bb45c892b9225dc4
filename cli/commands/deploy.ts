// `pa deploy-staging`: `pulumi up` of this host's staging stack, wait until every service is
// healthy, print the URLs.
import { CommandSpec, numberFlag, ParsedFlags } from "../../platform/args";
import { createContext, engineOutput } from "../stacks/context";
import { REPAIR_HELP, repairInterruptedRun } from "../stacks/repair";
import { EXIT } from "../../platform/exitCodes";
import { formatHealthTable, HealthReport } from "../checks/health";
import { ENV_CHOICES, stagingStack } from "./common";
import { withLock } from "./withLock";

export const spec: CommandSpec = {
    name: "deploy-staging",
    summary: "Deploy this host's staging stack (staging-laptop or staging-server), wait until healthy, print the URLs.",
    usage: "pa deploy-staging [--env laptop|server] [--timeout <s>] [--force-unlock] [--json]",
    flags: [
        { name: "env", value: "laptop|server", choices: ENV_CHOICES, help: "override the detection (PA_HOST_PROFILE wins over it)" },
        { name: "timeout", value: "s", help: "seconds the services have to become healthy after the update (default 600)" },
        { name: "force-unlock", help: "take the stack's lock even if another run holds it (only when that run is dead)" },
        { name: "json", help: 'print {"ok","stack","health","urls"} on stdout at the end (progress goes to stderr)' },
    ],
    details:
        "Detection, first match wins: PA_HOST_PROFILE, --env, hostname listed in PA_SERVER_HOSTNAME (server),\n" +
        "a battery in /sys/class/power_supply (laptop), otherwise laptop. Log: logs/staging/deploy-YYYYMMDD.log\n" +
        REPAIR_HELP,
};

export async function run(flags: ParsedFlags): Promise<number> {
    const ctx = createContext("deploy", flags);
    const { stack, reason } = stagingStack(flags);
    ctx.log.info(`deploying ${stack} (${reason})`);
    const json = flags.has("json");
    const finish = (code: number, result: { health?: HealthReport; urls?: Record<string, string>; error?: string }): number => {
        if (json) ctx.log.result(JSON.stringify({ ok: code === EXIT.ok, stack, ...result }));
        return code;
    };
    return withLock(ctx.projectRoot, stack, "deploy-staging", flags.has("force-unlock"), ctx.log, async () => {
        const engine = await ctx.ops.openStack(stack, undefined, { create: true });
        // The engine staging ran on, from its last outputs (none before its first deploy: the ambient one).
        const deployed = await ctx.ops.targetOf(engine).catch(() => undefined);
        await repairInterruptedRun(engine, ctx.ops, deployed ?? {}, { say: (line) => ctx.log.info(line), engineOutput: engineOutput(ctx.log) });
        const up = await engine.up(engineOutput(ctx.log), { onProgress: (line) => ctx.log.info(line) });
        if (!up.ok) {
            ctx.log.error(`pulumi up of ${stack} failed: ${up.error}`);
            return finish(EXIT.failed, { error: `pulumi up failed: ${up.error}` });
        }
        const target = await ctx.ops.targetOf(engine);
        const health = await ctx.ops.waitHealthy(target, numberFlag(flags, "timeout", 600) * 1000);
        const code = health.healthy ? EXIT.ok : EXIT.failed;
        if (json) return finish(code, { health, urls: target.urls });
        ctx.log.result(formatHealthTable(health));
        if (!health.healthy) return EXIT.failed;
        ctx.log.result(["", "URLs:", ...Object.entries(target.urls).map(([key, url]) => `  ${key.padEnd(10)} ${url}`)].join("\n"));
        return EXIT.ok;
    });
}
