// Runs the real Pulumi program (index.ts) against Pulumi's mock engine for one stack and records
// every resource it registers: type, name, inputs (secrets still wrapped), and dependencies.
import * as yaml from "js-yaml";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");
const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface RecordedResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** URNs this resource depends on. */
    dependencies: string[];
    /** Resource options the engine sees. */
    protect: boolean;
    /** Kept on the host when Pulumi deletes it. */
    retainOnDelete: boolean;
    /** The deleteBeforeReplace option, undefined when the program left it to the provider. */
    deleteBeforeReplace: boolean | undefined;
    urn: string;
}

export interface StackRun {
    resources: RecordedResource[];
    outputs: Record<string, any>;
    /** The stack outputs marked secret. */
    secretOutputs: string[];
    /** The value each mocked RandomPassword produced, by resource name. */
    generated: Record<string, string>;
}

export type RawConfig = Record<string, string>;

/** Config as Pulumi hands it to a program: `pa:key` -> string (objects as JSON). */
export function stackFileConfig(stack: string): RawConfig {
    const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    const parsed = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> };
    return Object.fromEntries(
        Object.entries(parsed.config ?? {}).map(([key, value]) => [
            key,
            typeof value === "string" ? value : JSON.stringify(value),
        ]),
    );
}

export function isSecretValue(value: unknown): value is { value: unknown } {
    return typeof value === "object" && value !== null && (value as any)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Unwraps secret markers, for assertions on the values themselves. */
export function reveal(value: any): any {
    if (isSecretValue(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (value && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}

export async function runStack(stack: string, config: RawConfig, secretKeys: string[] = []): Promise<StackRun> {
    const resources: RecordedResource[] = [];
    const generated: Record<string, string> = {};
    await pulumi.runtime.setMocks(
        {
            newResource(args) {
                const state: Record<string, any> = { ...args.inputs };
                if (args.type === "random:index/randomPassword:RandomPassword") {
                    state.result = `mock-${args.name}-value`;
                    generated[args.name] = state.result;
                }
                // The sync CLI's progress, then its --json summary line.
                if (args.type === "command:local:Command") state.stdout = 'synced 3 rows\n{"ok":true,"rows":3}';
                if (args.type === "docker:index/remoteImage:RemoteImage") state.imageId = `sha256:image-of-${args.inputs.name}`;
                // The engine names an unnamed container by Pulumi.yaml's autonaming pattern.
                if (args.type === "docker:index/container:Container" && state.name === undefined) state.name = `pa-${stack}-${args.name}-0123abc`;
                return { id: `${args.name}-id`, state };
            },
            call: (args) => {
                throw new Error(`the program made an unexpected invoke: ${args.token}`);
            },
        },
        "pa-ecosystem",
        stack,
        false,
    );
    pulumi.runtime.setAllConfig(config, secretKeys);
    const monitor = pulumi.runtime.getMonitor() as any;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const inputs = req.getObject().toJavaScript();
        resources.push({
            type: req.getType(),
            name: req.getName(),
            inputs: deserialize(inputs),
            dependencies: req.getDependenciesList(),
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete?.() ?? false,
            deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() : undefined,
            urn: `${req.getType()}::${req.getName()}`,
        });
        return register(req, callback);
    };

    const entry = path.join(PROJECT_ROOT, "index.ts");
    delete require.cache[require.resolve(entry)];
    let program: Record<string, unknown>;
    try {
        program = require(entry);
    } catch (err) {
        throw Object.assign(err as Error, { registeredBeforeFailure: resources.length });
    }
    const outputs: Record<string, any> = {};
    const secretOutputs: string[] = [];
    for (const [key, value] of Object.entries(program)) {
        outputs[key] = pulumi.Output.isInstance(value) ? await unwrap(value) : await unwrapDeep(value);
        if (pulumi.Output.isInstance(value) && (await (value as unknown as { isSecret: Promise<boolean> }).isSecret)) secretOutputs.push(key);
    }
    await settle(() => resources.length);
    return { resources, outputs, secretOutputs, generated };
}

function unwrap<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

async function unwrapDeep(value: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(value)) return unwrapDeep(await unwrap(value));
    if (Array.isArray(value)) return Promise.all(value.map(unwrapDeep));
    if (value && typeof value === "object") {
        const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await unwrapDeep(v)]));
        return Object.fromEntries(entries);
    }
    return value;
}

/** Waits until no new resource has been registered for a few event-loop turns. */
async function settle(count: () => number): Promise<void> {
    let last = -1;
    let quiet = 0;
    while (quiet < 20) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        quiet = count() === last ? quiet + 1 : 0;
        last = count();
    }
}

/** Keeps secrets wrapped (so tests can tell they are secret) and drops unknowns. */
function deserialize(value: any): any {
    if (Array.isArray(value)) return value.map(deserialize);
    if (value && typeof value === "object") {
        if (value[SECRET_SIG_KEY] === SECRET_SIG) return { [SECRET_SIG_KEY]: SECRET_SIG, value: deserialize(value.value) };
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deserialize(v)]));
    }
    return value;
}

export function byType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type);
}

export function one(run: StackRun, type: string, name: string): RecordedResource {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
    return found[0];
}

export const TYPES = {
    container: "docker:index/container:Container",
    network: "docker:index/network:Network",
    volume: "docker:index/volume:Volume",
    image: "docker:index/remoteImage:RemoteImage",
    password: "random:index/randomPassword:RandomPassword",
    dockerProvider: "pulumi:providers:docker",
    command: "command:local:Command",
};
