// `pa health`: every service's real health signal as a table (or JSON); exit 1 when anything fails.
import { CommandSpec, ParsedFlags } from "../../platform/args";
import { createContext } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { checkBackups, checkHealth, formatHealthTable } from "../checks/health";
import { chosenStack, STACK_FLAGS } from "./common";

export const spec: CommandSpec = {
    name: "health",
    summary: "Check the health of every service of a stack, with response times.",
    usage: "pa health [--staging|--production|--stack <name>] [--verbose] [--json]",
    flags: [
        ...STACK_FLAGS,
        { name: "verbose", help: "add container state, restart count and recent log lines" },
        { name: "json", help: "print a JSON report on stdout (for scripts)" },
    ],
    details:
        "Stacks with pa:backup also show their newest good backup and restore drill, and fail when one the schedule wanted is missing (docs/backups.md). " +
        "Exit code 0 when every check passes, 1 otherwise. Log: logs/health/health-check-YYYYMMDD.log",
};

export async function run(flags: ParsedFlags): Promise<number> {
    const json = flags.has("json");
    const ctx = createContext("health", flags);
    const stack = chosenStack(flags);
    const target = await ctx.ops.targetOf(await ctx.ops.openStack(stack));
    const docker = ctx.ops.dockerOf(target);
    const report = await checkHealth(target, { http: ctx.ops.httpOf(target), docker }, { verbose: flags.has("verbose") });
    if (target.backup) {
        report.backups = await checkBackups(target, docker, new Date());
        report.healthy &&= report.backups.every((b) => b.ok);
    }
    ctx.log.result(json ? JSON.stringify(report, null, 2) : formatHealthTable(report));
    return report.healthy ? EXIT.ok : EXIT.failed;
}
