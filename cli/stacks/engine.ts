// The Pulumi engine, as the operator commands need it, behind one small interface so the
// orchestration is unit-tested with a fake. The real one drives the CLI on PATH through the
// Automation API on this project's backend (the embedded default unless PULUMI_BACKEND_URL is set).
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { Service } from "../../config/schema";
import { UpProgress } from "./progress";
import { useToolchainWhenNoPulumi } from "../../platform/toolchain";
import { HistoryEntry } from "../release/rollbackPoints";
import { isProcessAlive } from "../../platform/lock";

/** The Docker provider's container type, as the state and engine events name it. */
export const CONTAINER_TYPE = "docker:index/container:Container";

export interface PlannedStep {
    op: string;
    type: string;
    name: string;
}

export interface PreviewOutcome {
    steps: PlannedStep[];
    changeSummary: Record<string, number>;
    /** The engine's diff, as `pulumi preview --diff` prints it. */
    diff: string;
}

export interface UpOutcome {
    ok: boolean;
    steps: PlannedStep[];
    /** The steps that finished, in order (a failed or cut update ends part way). */
    completed?: PlannedStep[];
    /** The engine's error lines. */
    error?: string;
    /** The engine's whole failure text (its output and the programs' stderr), for a caller that reads it. */
    detail?: string;
}

/** A resource whose real state differs from the stack's record. */
export interface DriftedResource {
    name: string;
    type: string;
    /** `changed`: some properties differ (named); `gone`: it no longer exists. */
    change: "changed" | "gone";
    properties: string[];
}

export interface RunOptions {
    /** Read the real state of every resource first, so drift (a container removed or stopped by hand) is repaired. */
    refresh?: boolean;
    /** Lines saying how far an update is (cli/stacks/progress.ts); an update only. */
    onProgress?: (line: string) => void;
    /** Changes the preview before it planned, so the lines say "n of N". */
    planned?: number;
}

export interface StackEngine {
    readonly name: string;
    readonly workDir: string;
    preview(onOutput: (line: string) => void, options?: RunOptions): Promise<PreviewOutcome>;
    up(onOutput: (line: string) => void, options?: RunOptions): Promise<UpOutcome>;
    /** Stack outputs with secrets in clear (never logged: the logger redacts them). */
    outputs(): Promise<Record<string, unknown>>;
    /** Every update, newest first. */
    history(): Promise<HistoryEntry[]>;
    setImages(images: Record<Service, string>): Promise<void>;
    /** Sets config values by path (`pa:sync.request`), as `pulumi config set --path` does. */
    setConfig(values: Record<string, string>): Promise<void>;
    /** `pulumi refresh --preview-only`: the resources that changed outside Pulumi; nothing is written. */
    drift(onOutput: (line: string) => void): Promise<DriftedResource[]>;
    /** Resource operations a killed run left pending, as "<type> <urn>" (cli/stacks/repair.ts clears them). */
    pendingOperations(): Promise<string[]>;
    /** `pulumi refresh --clear-pending-creates`: drops the creates a killed run left pending from the state. */
    clearPendingCreates(onOutput: (line: string) => void): Promise<void>;
    /** The ids of the Docker containers the state records. */
    containerIds(): Promise<string[]>;
    /** The file backend's locks on this stack held by a pulumi process of this host that is gone, described. */
    staleLocks(): Promise<string[]>;
    /** Removes those locks; returns their descriptions. */
    removeStaleLocks(): Promise<string[]>;
}

export interface OpenOptions {
    /** Run the program without type-checking it (a rollback point's program was checked when it was deployed). */
    transpileOnly?: boolean;
    /** Create the stack when it does not exist (deploys only): reading commands must not create a mistyped stack. */
    create?: boolean;
}

export interface Engine {
    /** Opens a stack of the project in workDir (the checkout, or a worktree of a rollback point). */
    open(stackName: string, workDir: string, options?: OpenOptions): Promise<StackEngine>;
}

export class PulumiLockedError extends Error {
    constructor(stack: string, detail: string) {
        super(
            `Pulumi reports stack '${stack}' as locked by another update:\n${detail.trim()}\n` +
                `If no other pulumi process runs, remove the lock with \`pulumi cancel -s ${stack}\` ` +
                `(file backend: delete .pulumi-state/.pulumi/locks/.../${stack}/*.json), then \`pulumi refresh -s ${stack}\`.`,
        );
        this.name = "PulumiLockedError";
    }
}

/** What to run when a stack was left mid-update by an interrupted run: the repair is part of that command. */
export function interruptedRunHelp(stack: string, traces: string[], command: string): string {
    return (
        `stack '${stack}' was left mid-update by an interrupted run (a killed process or a dropped link):\n` +
        traces.map((trace) => `  - ${trace}`).join("\n") +
        `\nRun \`${command}\`: it clears these traces (and says what it cleared) before it deploys; nothing needs editing by hand.`
    );
}

/**
 * The file backend's lock files on `stack` (<backend>/.pulumi/locks/<org>/<project>/<stack>/<id>.json) whose
 * pulumi process ran on this host and is gone: a killed `pulumi up` leaves its lock, and every later update
 * of the stack then refuses to start. Locks of other hosts are never judged stale.
 */
export function staleLockFiles(backendDir: string, stack: string, host: string, alive: (pid: number) => boolean): { file: string; description: string }[] {
    const root = path.join(backendDir, ".pulumi", "locks");
    if (!fs.existsSync(root)) return [];
    return fs
        .readdirSync(root, { recursive: true, encoding: "utf8" })
        .filter((relative) => relative.endsWith(".json") && path.basename(path.dirname(relative)) === stack)
        .flatMap((relative) => {
            const file = path.join(root, relative);
            let lock: { pid?: unknown; hostname?: string; timestamp?: string };
            try {
                lock = JSON.parse(fs.readFileSync(file, "utf8"));
            } catch {
                return [];
            }
            if (lock.hostname !== host || typeof lock.pid !== "number" || alive(lock.pid)) return [];
            return [{ file, description: `Pulumi's lock of pid ${lock.pid} on ${host} since ${lock.timestamp ?? "?"} (that process is gone)` }];
        });
}

/**
 * The engine's own error lines from a failed run (the Automation API's message repeats the whole
 * output, which the debug log already holds); the last lines when it printed none.
 */
export function engineErrors(text: string): string {
    const lines = text.split("\n").map((line) => line.trim());
    const errors = [...new Set(lines.filter((line) => /^(error:|\* )/.test(line)))];
    return (errors.length > 0 ? errors : lines.filter(Boolean).slice(-5)).join("\n");
}

/** The env that selects the backend and passphrase, defaulting to the embedded default of the checkout. */
export function backendEnv(projectRoot: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
    const out: Record<string, string> = {
        PULUMI_SKIP_UPDATE_CHECK: "true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
        PULUMI_BACKEND_URL: env.PULUMI_BACKEND_URL ?? `file://${path.join(projectRoot, ".pulumi-state")}`,
    };
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) out.PULUMI_CONFIG_PASSPHRASE = env.PULUMI_CONFIG_PASSPHRASE;
    else if (env.PULUMI_CONFIG_PASSPHRASE_FILE) out.PULUMI_CONFIG_PASSPHRASE_FILE = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    else if (fs.existsSync(path.join(projectRoot, ".pulumi-passphrase"))) out.PULUMI_CONFIG_PASSPHRASE_FILE = path.join(projectRoot, ".pulumi-passphrase");
    return out;
}

/**
 * The embedded default's passphrase, made when a stack is first opened without one (never by --help):
 * 32 random bytes in .pulumi-passphrase, readable by its owner only, as setup/local-backend.sh makes it.
 */
export function ensurePassphrase(projectRoot: string, env: NodeJS.ProcessEnv = process.env): void {
    const file = path.join(projectRoot, ".pulumi-passphrase");
    if (env.PULUMI_CONFIG_PASSPHRASE !== undefined || env.PULUMI_CONFIG_PASSPHRASE_FILE || fs.existsSync(file)) return;
    fs.writeFileSync(file, crypto.randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
    process.stderr.write(`generated a new passphrase in ${file}: back it up, it decrypts this state's secrets\n`);
}

export class AutomationEngine implements Engine {
    constructor(private readonly projectRoot: string) {}

    async open(stackName: string, workDir: string, options: OpenOptions = {}): Promise<StackEngine> {
        // Loaded here, by the commands that open a stack: it takes about half a second, `pa --help` none.
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        useToolchainWhenNoPulumi();
        const pulumiCommand = await PulumiCommand.get().catch((error: Error) => {
            throw new Error(`no usable pulumi CLI on PATH (run setup/toolchain.sh, or install Pulumi): ${String(error.message ?? error).split("\n")[0]}`);
        });
        ensurePassphrase(this.projectRoot);
        const envVars = backendEnv(this.projectRoot);
        // Type-checking the program costs about 2.6 s of each run here (transpiling alone, 1.3 s to load).
        if (options.transpileOnly) envVars.PULUMI_NODEJS_TRANSPILE_ONLY = "true";
        if (envVars.PULUMI_BACKEND_URL.startsWith("file://")) fs.mkdirSync(envVars.PULUMI_BACKEND_URL.slice(7), { recursive: true });
        const args = { stackName, workDir };
        const stack = options.create
            ? await LocalWorkspace.createOrSelectStack(args, { pulumiCommand, envVars })
            : await LocalWorkspace.selectStack(args, { pulumiCommand, envVars }).catch((error: Error) => {
                  if (!/no stack named/i.test(error.message)) throw error;
                  throw new Error(`no stack '${stackName}' in ${envVars.PULUMI_BACKEND_URL}: check the name, or deploy it first (scripts/deploy-staging.sh for staging, scripts/promote-to-production.sh for production)`);
              });
        const backendDir = envVars.PULUMI_BACKEND_URL.startsWith("file://") ? envVars.PULUMI_BACKEND_URL.slice(7) : undefined;
        return new AutomationStack(stackName, workDir, stack, backendDir);
    }
}

class AutomationStack implements StackEngine {
    constructor(
        readonly name: string,
        readonly workDir: string,
        private readonly stack: Stack,
        /** The file backend's folder; undefined for other backends, whose locks Pulumi's service manages. */
        private readonly backendDir?: string,
    ) {}

    async preview(onOutput: (line: string) => void, options: RunOptions = {}): Promise<PreviewOutcome> {
        const recorder = stepRecorder();
        const result = await this.guard(() => this.stack.preview({ diff: true, refresh: options.refresh, onOutput, onEvent: recorder.onEvent, color: "never" }));
        return { steps: recorder.steps, changeSummary: result.changeSummary as Record<string, number>, diff: result.stdout };
    }

    async up(onOutput: (line: string) => void, options: RunOptions = {}): Promise<UpOutcome> {
        const recorder = stepRecorder();
        const completed = stepRecorder("finished");
        const progress = options.onProgress ? new UpProgress({ say: options.onProgress, planned: options.planned }) : undefined;
        // The engine sends no event while it waits for a container's health: a timer keeps the lines coming.
        const heartbeat = progress ? setInterval(() => progress.tick(), 5_000) : undefined;
        const onEvent = (event: EngineEvent) => {
            recorder.onEvent(event);
            completed.onEvent(event);
            progress?.onEvent(event);
        };
        try {
            await this.guard(() => this.stack.up({ refresh: options.refresh, onOutput, onEvent, color: "never" }));
            return { ok: true, steps: recorder.steps, completed: completed.steps };
        } catch (error) {
            if (error instanceof PulumiLockedError) throw error;
            const detail = String((error as Error).message ?? error);
            return { ok: false, steps: recorder.steps, completed: completed.steps, error: engineErrors(detail), detail };
        } finally {
            if (heartbeat) clearInterval(heartbeat);
        }
    }

    async outputs(): Promise<Record<string, unknown>> {
        const outputs = await this.guard(() => this.stack.outputs());
        return Object.fromEntries(Object.entries(outputs).map(([key, output]) => [key, output.value]));
    }

    async history(): Promise<HistoryEntry[]> {
        const updates = await this.guard(() => this.stack.history(10_000));
        return updates.map((u) => ({
            kind: String(u.kind),
            startTime: new Date(u.startTime).toISOString(),
            endTime: u.endTime ? new Date(u.endTime).toISOString() : undefined,
            result: String(u.result),
            environment: u.environment ?? {},
        }));
    }

    async setImages(images: Record<Service, string>): Promise<void> {
        // One CLI call for all of them: each call loads the backend and the secrets provider.
        await this.stack.setAllConfig(Object.fromEntries(Object.entries(images).map(([service, image]) => [`pa:images.${service}`, { value: image }])), true);
    }

    async setConfig(values: Record<string, string>): Promise<void> {
        await this.stack.setAllConfig(Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])), true);
    }

    async drift(onOutput: (line: string) => void): Promise<DriftedResource[]> {
        const drifted: DriftedResource[] = [];
        const events: unknown[] = [];
        const onEvent = (event: EngineEvent) => {
            events.push(event);
            const found = driftOf(event);
            if (found) drifted.push(found);
        };
        await this.guard(() => this.stack.previewRefresh({ onOutput, onEvent, color: "never" }));
        if (process.env.PA_DRIFT_EVENTS) fs.writeFileSync(process.env.PA_DRIFT_EVENTS, JSON.stringify(events, null, 1));
        return drifted;
    }

    async pendingOperations(): Promise<string[]> {
        const state = await this.guard(() => this.stack.exportStack());
        const pending = (state.deployment?.pending_operations ?? []) as { type: string; resource: { urn: string } }[];
        return pending.map((op) => `${op.type} ${op.resource.urn}`);
    }

    async clearPendingCreates(onOutput: (line: string) => void): Promise<void> {
        await this.guard(() => this.stack.refresh({ clearPendingCreates: true, onOutput, color: "never" }));
    }

    async containerIds(): Promise<string[]> {
        const state = await this.guard(() => this.stack.exportStack());
        const resources = (state.deployment?.resources ?? []) as { type: string; id?: string }[];
        return resources.filter((r) => r.type === CONTAINER_TYPE && r.id).map((r) => r.id!);
    }

    async staleLocks(): Promise<string[]> {
        return this.staleLockFiles().map((lock) => lock.description);
    }

    async removeStaleLocks(): Promise<string[]> {
        const stale = this.staleLockFiles();
        for (const lock of stale) fs.rmSync(lock.file, { force: true });
        return stale.map((lock) => lock.description);
    }

    private staleLockFiles() {
        return this.backendDir ? staleLockFiles(this.backendDir, this.name, os.hostname(), isProcessAlive) : [];
    }

    private async guard<T>(run: () => Promise<T>): Promise<T> {
        try {
            return await run();
        } catch (error) {
            const text = String((error as Error).message ?? error);
            if (/currently locked/i.test(text)) throw new PulumiLockedError(this.name, text);
            throw error;
        }
    }
}

/** Collects the resource steps of a preview or update from its engine events: those it began, or those it finished. */
export function stepRecorder(which: "began" | "finished" = "began"): { steps: PlannedStep[]; onEvent: (event: EngineEvent) => void } {
    const steps: PlannedStep[] = [];
    return {
        steps,
        onEvent(event) {
            const meta = which === "began" ? event.resourcePreEvent?.metadata : event.resOutputsEvent?.metadata;
            if (!meta) return;
            steps.push({ op: meta.op, type: meta.type, name: meta.urn.slice(meta.urn.lastIndexOf("::") + 2) });
        },
    };
}

/** The drift one engine event of a refresh reports, if any. */
export function driftOf(event: EngineEvent): DriftedResource | undefined {
    const meta = event.resOutputsEvent?.metadata;
    if (!meta) return undefined;
    const name = meta.urn.slice(meta.urn.lastIndexOf("::") + 2);
    if (meta.op === "delete" || (meta.op === "refresh" && meta.old && !meta.new)) return { name, type: meta.type, change: "gone", properties: [] };
    const properties = meta.diffs ?? Object.keys(meta.detailedDiff ?? {});
    if (meta.op === "update" || properties.length > 0) return { name, type: meta.type, change: "changed", properties };
    return undefined;
}
