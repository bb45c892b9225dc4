// `pa test-workflows`: the critical paths end to end; staging by default, read-only on production.
import { CommandSpec, ParsedFlags } from "../../platform/args";
import { UsageError } from "../../platform/errors";
import { createContext } from "../stacks/context";
import { EXIT } from "../../platform/exitCodes";
import { formatWorkflowReport, runWorkflowTests } from "../checks/workflows";
import { chosenStack, productionStack, STACK_FLAGS } from "./common";

export const spec: CommandSpec = {
    name: "test-workflows",
    summary: "Run the critical paths end to end: databases, Neo4j, Letta agents, Open WebUI sign-in, n8n workflows.",
    usage: "pa test-workflows [--staging|--production|--stack <name>] [--allow-writes] [--json]",
    flags: [
        ...STACK_FLAGS,
        { name: "allow-writes", help: "on production, run the write paths too (each cleans up after itself)" },
        { name: "json", help: "print a JSON report on stdout" },
    ],
    details:
        "Staging runs the write paths; production only read-only checks unless --allow-writes.\n" +
        "PA_OPENWEBUI_TEST_EMAIL / PA_OPENWEBUI_TEST_PASSWORD: an existing Open WebUI account to sign in with\n" +
        "(otherwise a throwaway account is signed up and removed). Log: logs/testing/workflow-test-YYYYMMDD.log",
};

export async function run(flags: ParsedFlags): Promise<number> {
    const json = flags.has("json");
    const ctx = createContext("testWorkflows", flags);
    const stack = chosenStack(flags);
    const isProduction = stack === productionStack();
    const allowWrites = !isProduction || flags.has("allow-writes");
    if (flags.has("allow-writes") && !isProduction) throw new UsageError("--allow-writes is for --production; staging always runs the write paths");
    const target = await ctx.ops.targetOf(await ctx.ops.openStack(stack));
    const email = process.env.PA_OPENWEBUI_TEST_EMAIL;
    const password = process.env.PA_OPENWEBUI_TEST_PASSWORD;
    ctx.log.addSecret(password);
    ctx.log.info(`workflow tests on ${stack} (${allowWrites ? "write paths" : "read-only"})`);
    const report = await runWorkflowTests(target, { http: ctx.ops.httpOf(target), docker: ctx.ops.dockerOf(target) }, {
        allowWrites,
        openWebuiAccount: email && password ? { email, password } : undefined,
    });
    ctx.log.result(json ? JSON.stringify(report, null, 2) : formatWorkflowReport(report));
    return report.ok ? EXIT.ok : EXIT.failed;
}
