// `pa promote`: staging's tested versions to production, with gates, backup, rollback point,
// validation and automatic rollback (see cli/release/promotion.ts for the steps).
import { CommandSpec, numberFlag, ParsedFlags } from "../../platform/args";
import { createContext, engineOutput } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { promote } from "../release/promotion";
import { ENV_CHOICES, productionStack, stagingStack } from "./common";
import { withLock } from "./withLock";

export const spec: CommandSpec = {
    name: "promote",
    summary: "Promote the versions staging tested to production, with gates and automatic rollback.",
    usage: "pa promote [--yes] [--env laptop|server] [--restore-data] [--validate-timeout <s>] [--rollback-timeout <s>] [--json] [--force-unlock]",
    flags: [
        { name: "yes", help: "do not stop for confirmation after the preview" },
        { name: "env", value: "laptop|server", choices: ENV_CHOICES, help: "which staging stack was tested (default: detected)" },
        { name: "restore-data", help: "on an automatic rollback, restore all data from the backup (default: only data the failed update touched)" },
        { name: "validate-timeout", value: "s", help: "seconds production has to become healthy after the update (default 300)" },
        { name: "rollback-timeout", value: "s", help: "seconds the rolled-back production has to become healthy (default 300, its own budget)" },
        { name: "json", help: "print the result as JSON on stdout" },
        { name: "force-unlock", help: "take the promotion lock even if another run holds it (only when that run is dead)" },
    ],
    details:
        "Steps: preview + confirm, gates (staging health and workflow tests), backup into backups/, rollback point\n" +
        "(git tag rollback-YYYYMMDD-HHMMSS), pulumi up, health validation, automatic rollback on failure.\n" +
        "Exit codes: 0 promoted, 1 stopped or failed, 3 locked, 4 failed and rolled back.\n" +
        "Log: logs/production/promote-YYYYMMDD.log",
};

export async function run(flags: ParsedFlags): Promise<number> {
    const json = flags.has("json");
    const ctx = createContext("promote", flags);
    const staging = stagingStack(flags);
    const production = productionStack();
    ctx.log.info(`promote ${staging.stack} (${staging.reason}) -> ${production}`);
    const result = await withLock(ctx.projectRoot, production, "promote", flags.has("force-unlock"), ctx.log, () =>
        promote(ctx.ops, {
            productionStack: production,
            stagingStack: staging.stack,
            yes: flags.has("yes"),
            validateTimeoutMs: numberFlag(flags, "validate-timeout", 300) * 1000,
            rollbackTimeoutMs: numberFlag(flags, "rollback-timeout", 300) * 1000,
            restoreDataOnRollback: flags.has("restore-data"),
            say: (line) => ctx.log.info(line),
            engineOutput: engineOutput(ctx.log),
        }),
    );
    if (json) ctx.log.result(JSON.stringify(result, null, 2));
    switch (result.outcome) {
        case "promoted":
            return EXIT.ok;
        case "rolled-back":
            return EXIT.rolledBack;
        default:
            return EXIT.failed;
    }
}
