// `pa drift`: what changed outside Pulumi (a container stopped, removed or edited by hand) in each
// stack, read by `pulumi refresh --preview-only`; nothing is written to the state or the engine.
import { CommandSpec, ParsedFlags } from "../../platform/args";
import { createContext, engineOutput } from "../stacks/context";
import { DriftedResource } from "../stacks/engine";
import { EXIT } from "../../platform/exitCodes";
import { chosenStack, productionStack, stagingStack, STACK_FLAGS } from "./common";

export const spec: CommandSpec = {
    name: "drift",
    summary: "Show what changed outside Pulumi in a stack (a container stopped, removed or edited by hand).",
    usage: "pa drift [--staging|--production|--stack <name>|--all] [--json]",
    flags: [
        ...STACK_FLAGS.map((flag) => (flag.conflicts ? { ...flag, conflicts: [...flag.conflicts, "all"] } : flag)),
        { name: "all", help: "this host's staging stack and production", conflicts: ["staging", "production", "stack"] },
        { name: "json", help: "print a JSON report on stdout (for scripts)" },
    ],
    details:
        "Runs `pulumi refresh --preview-only` per stack: the state is read against the real resources and nothing is changed.\n" +
        "`pulumi up` of the stack puts back what drifted (`pa deploy-staging` for staging, a promotion or `pa rollback` for production).\n" +
        "Exit codes: 0 no drift, 1 drift found or a stack could not be read, 2 usage. Log: logs/health/drift-YYYYMMDD.log",
};

export interface StackDrift {
    stack: string;
    drifted: DriftedResource[];
    error?: string;
}

export async function run(flags: ParsedFlags): Promise<number> {
    const ctx = createContext("drift", flags);
    const stacks = flags.has("all") ? [stagingStack(flags).stack, productionStack()] : [chosenStack(flags)];
    const report: StackDrift[] = [];
    for (const stack of stacks) {
        ctx.log.info(`reading ${stack} against the real resources (pulumi refresh --preview-only)`);
        try {
            const engine = await ctx.ops.openStack(stack);
            report.push({ stack, drifted: await engine.drift(engineOutput(ctx.log)) });
        } catch (error) {
            report.push({ stack, drifted: [], error: String((error as Error).message ?? error) });
        }
    }
    ctx.log.result(flags.has("json") ? JSON.stringify(report, null, 2) : formatDrift(report));
    return report.every((r) => !r.error && r.drifted.length === 0) ? EXIT.ok : EXIT.failed;
}

/** What a changed property means for a container, where the provider's name does not say it. */
const PROPERTY_MEANINGS: Record<string, string> = { mustRun: "mustRun (not running)" };

export function formatDrift(report: StackDrift[]): string {
    return report
        .map(({ stack, drifted, error }) => {
            if (error) return `${stack}: could not be read: ${error}`;
            if (drifted.length === 0) return `${stack}: no drift`;
            const lines = drifted.map((d) => `  ${d.name} (${d.type}): ${d.change === "gone" ? "gone" : `changed: ${d.properties.map((p) => PROPERTY_MEANINGS[p] ?? p).join(", ") || "(properties not named)"}`}`);
            return [`${stack}: ${drifted.length} resource(s) drifted`, ...lines].join("\n");
        })
        .join("\n");
}
