// STAND-IN for the pulumi-resource-command plugin, for machines that cannot download it (the Go
// module of the real provider is not served here). It implements the part of `command:local:Command`
// this project uses, with the real provider's semantics: run `create` on create, `update` (or replace
// when there is none) on change, `delete` on delete; `triggers` replace (the SDK marks them so);
// outputs stdout and stderr. On a machine with internet, Pulumi uses the real plugin instead.
// main.ts serves this provider to the engine.
import { execFile } from "child_process";
import * as provider from "@pulumi/pulumi/provider";
import * as rpc from "@pulumi/pulumi/runtime/rpc";

const VERSION = process.env.PA_STANDIN_VERSION ?? "0.0.0";
const COMMAND_TYPE = "command:local:Command";
/** Inputs whose change reruns the command. */
const RERUN_INPUTS = ["create", "environment", "dir", "interpreter", "stdin"];

interface CommandInputs {
    create?: string;
    update?: string;
    delete?: string;
    dir?: string;
    environment?: Record<string, string>;
    interpreter?: string[];
    stdin?: string;
    triggers?: unknown[];
}

/**
 * The value without the engine's secret wrappers: a provider written with @pulumi/pulumi/provider
 * receives a secret input (e.g. an environment holding a key) as {<sig>: <secret sig>, value}, which
 * the real provider's SDK unwraps before running the command. Outputs keep the wrappers, so they stay secret.
 */
export function plain(value: unknown): any {
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        if (rpc.isRpcSecret(value)) return plain(rpc.unwrapRpcSecret(value));
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

function run(script: string | undefined, secretInputs: CommandInputs): Promise<{ stdout: string; stderr: string }> {
    if (!script) return Promise.resolve({ stdout: "", stderr: "" });
    const inputs = plain(secretInputs) as CommandInputs;
    const [shell, ...shellArgs] = inputs.interpreter ?? ["/bin/sh", "-c"];
    return new Promise((resolve, reject) => {
        const child = execFile(
            shell,
            [...shellArgs, script],
            {
                cwd: inputs.dir,
                env: { ...process.env, ...(inputs.environment ?? {}) },
                maxBuffer: 256 * 1024 * 1024,
            },
            (error, stdout, stderr) => {
                if (error) {
                    // As the real provider words it: the exit status, the command, then its output.
                    const output = [stderr, stdout].map((text) => text.trim().split("\n").slice(-20).join("\n")).filter(Boolean).join("\n");
                    reject(new Error(`exit status ${error.code}: running ${JSON.stringify(script)}:\n${output}`));
                } else {
                    resolve({ stdout: stdout.trimEnd(), stderr: stderr.trimEnd() });
                }
            },
        );
        if (inputs.stdin !== undefined) child.stdin?.end(inputs.stdin);
        else child.stdin?.end();
    });
}

function changed(olds: any, news: any, key: string): boolean {
    return JSON.stringify(olds?.[key] ?? null) !== JSON.stringify(news?.[key] ?? null);
}

export const commandProvider: provider.Provider = {
    version: VERSION,
    async check(_urn, _olds, news) {
        return { inputs: news };
    },
    async diff(_id, _urn, olds, news) {
        const keys = [...new Set([...Object.keys(olds ?? {}), ...Object.keys(news ?? {})])].filter(
            (k) => k !== "stdout" && k !== "stderr",
        );
        const diffs = keys.filter((k) => changed(olds, news, k));
        const rerun = diffs.filter((k) => RERUN_INPUTS.includes(k));
        const replaces = [...(news.update ? [] : rerun), ...diffs.filter((k) => k === "triggers")];
        return { changes: diffs.length > 0, replaces, deleteBeforeReplace: false };
    },
    async create(urn, inputs: CommandInputs) {
        assertType(urn);
        const out = await run(inputs.create, inputs);
        return { id: `${Date.now()}-${Math.random().toString(16).slice(2, 10)}`, outs: { ...inputs, ...out } };
    },
    async update(_id, _urn, olds, news: CommandInputs) {
        const rerun = RERUN_INPUTS.some((k) => changed(olds, news, k));
        const out = rerun ? await run(news.update, news) : { stdout: olds.stdout, stderr: olds.stderr };
        return { outs: { ...news, ...out } };
    },
    async delete(_id, _urn, props: CommandInputs) {
        await run(props.delete, props);
    },
    async read(id, _urn, props) {
        return { id, props };
    },
};

function assertType(urn: string): void {
    // urn:pulumi:STACK::PROJECT::PARENT$TYPE::NAME
    const type = urn.split("::")[2]?.split("$").pop();
    if (type && type !== COMMAND_TYPE) throw new Error(`the command stand-in only implements ${COMMAND_TYPE}, not ${type}`);
}
