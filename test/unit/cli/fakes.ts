// Fakes of the engine and the outside world for the promote/rollback orchestration: every call is
// recorded in `events`, and each step's behaviour is scripted per test.
import { Service } from "../../../config/schema";
import { DriftedResource, OpenOptions, PlannedStep, PreviewOutcome, RunOptions, StackEngine, UpOutcome } from "../../../cli/stacks/engine";
import { Git, TagRecord } from "../../../cli/release/git";
import { HealthReport } from "../../../cli/checks/health";
import { Checkout, Operations } from "../../../cli/stacks/operations";
import { HistoryEntry, StackUpdateRef } from "../../../cli/release/rollbackPoints";
import { Target } from "../../../cli/stacks/target";
import { WorkflowReport } from "../../../cli/checks/workflows";

export const OLD_IMAGES: Record<Service, string> = { postgres: "pg:17-a", neo4j: "neo4j:5.26.1", letta: "letta:1", openWebui: "owui:1", n8n: "n8n:1" };
export const NEW_IMAGES: Record<Service, string> = { ...OLD_IMAGES, letta: "letta:2" };

export function target(stack: string, images: Record<Service, string>): Target {
    const names = { postgres: "postgres", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n" };
    return {
        stack,
        containers: Object.fromEntries(Object.entries(names).map(([s, n]) => [s, `pa-${stack}-${n}`])) as Record<Service, string>,
        urls: { letta: "http://x:8283", openWebui: "http://x:8080", n8n: "http://x:5678" },
        volumes: { postgres: { data: "v-pg" }, neo4j: { data: "v-neo" }, letta: {}, openWebui: { data: "v-ow" }, n8n: { data: "v-n8n" } },
        images,
        credentials: {},
    };
}

export function healthReport(stack: string, healthy: boolean): HealthReport {
    return { stack, healthy, checks: [{ service: "letta", check: "GET /v1/health/", ok: healthy, ms: 3, detail: healthy ? "HTTP 200" : "HTTP 502" }] };
}

export interface Script {
    stagingDeployed: boolean;
    productionDeployed: boolean;
    pending: string[];
    /** Stale Pulumi locks of a killed run, described. */
    staleLocks: string[];
    /** Containers of the stack its state does not record. */
    orphans: string[];
    previewThrows: boolean;
    confirm: boolean;
    stagingHealthy: boolean;
    workflowsOk: boolean;
    productionHealthyBefore: boolean;
    backupThrows: boolean;
    tagThrows: boolean;
    /** pulumi up results, in call order (the promotion's, then the rollback's). */
    ups: UpOutcome[];
    /** waitHealthy results, in call order. */
    waits: boolean[];
}

export const DEFAULT_SCRIPT: Script = {
    stagingDeployed: true,
    productionDeployed: true,
    pending: [],
    staleLocks: [],
    orphans: [],
    previewThrows: false,
    confirm: true,
    stagingHealthy: true,
    workflowsOk: true,
    productionHealthyBefore: true,
    backupThrows: false,
    tagThrows: false,
    ups: [{ ok: true, steps: [] }],
    waits: [true],
};

export const LETTA_REPLACED: PlannedStep[] = [{ op: "replace", type: "docker:index/container:Container", name: "letta" }];

export class FakeGit implements Git {
    tags: TagRecord[] = [];
    constructor(private readonly ops: FakeOps) {}
    async head(): Promise<string> {
        return "headcommit";
    }
    async createTag(name: string, commit: string, message: string): Promise<void> {
        this.ops.events.push(`tag ${name} ${commit}`);
        if (this.ops.script.tagThrows) throw new Error("tag exists");
        this.tags.push({ name, commit, message });
    }
    async listTags(): Promise<TagRecord[]> {
        return this.tags;
    }
    async deleteTag(): Promise<void> {}
    async addWorktree(): Promise<void> {}
    async removeWorktree(): Promise<void> {}
}

class FakeStack implements StackEngine {
    constructor(readonly name: string, readonly workDir: string, private readonly ops: FakeOps) {}
    async preview(): Promise<PreviewOutcome> {
        this.ops.events.push(`preview ${this.name}@${this.workDir}`);
        if (this.ops.script.previewThrows) throw new Error("preview exploded");
        return { steps: [], changeSummary: { update: 1 }, diff: "~ letta" };
    }
    async up(_onOutput: unknown, options: RunOptions = {}): Promise<UpOutcome> {
        this.ops.events.push(`up ${this.name}@${this.workDir}${options.refresh ? " refresh" : ""}`);
        return this.ops.script.ups.shift() ?? { ok: true, steps: [] };
    }
    async outputs(): Promise<Record<string, unknown>> {
        return {};
    }
    async history(): Promise<HistoryEntry[]> {
        if (this.name !== "production" || !this.ops.script.productionDeployed) return [];
        return [{ kind: "update", startTime: "2026-01-02T00:00:00.000Z", endTime: "2026-01-02T00:01:00.000Z", result: "succeeded", environment: { "git.head": "deployedcommit" } }];
    }
    async setImages(images: Record<Service, string>): Promise<void> {
        this.ops.events.push(`setImages ${this.name}@${this.workDir} letta=${images.letta}`);
        if (this.workDir === "/project") this.ops.configFile = `images: ${JSON.stringify(images)}`;
    }
    async setConfig(values: Record<string, string>): Promise<void> {
        this.ops.events.push(`setConfig ${this.name} ${Object.keys(values).join(",")}`);
    }
    async drift(): Promise<DriftedResource[]> {
        return [];
    }
    async pendingOperations(): Promise<string[]> {
        return this.ops.script.pending;
    }
    async clearPendingCreates(): Promise<void> {
        this.ops.events.push(`clearPendingCreates ${this.name}`);
        this.ops.script.pending = this.ops.script.pending.filter((op) => !op.startsWith("creating "));
    }
    async containerIds(): Promise<string[]> {
        return ["id-in-state"];
    }
    async staleLocks(): Promise<string[]> {
        return this.ops.script.staleLocks;
    }
    async removeStaleLocks(): Promise<string[]> {
        const removed = this.ops.script.staleLocks;
        if (removed.length > 0) this.ops.events.push(`removeStaleLocks ${this.name}`);
        this.ops.script.staleLocks = [];
        return removed;
    }
}

export class FakeOps implements Operations {
    readonly projectRoot = "/project";
    readonly git: FakeGit;
    events: string[] = [];
    /** Stacks opened, with `+create` where the command may create it. */
    opened: string[] = [];
    configFile = "ORIGINAL CONFIG";
    script: Script;

    constructor(overrides: Partial<Script> = {}) {
        this.script = { ...DEFAULT_SCRIPT, ...overrides, ups: [...(overrides.ups ?? DEFAULT_SCRIPT.ups)], waits: [...(overrides.waits ?? DEFAULT_SCRIPT.waits)] };
        this.git = new FakeGit(this);
    }
    async openStack(name: string, workDir = "/project", options: OpenOptions = {}): Promise<StackEngine> {
        if (options.transpileOnly) this.events.push(`open ${name}@${workDir} transpile-only`);
        this.opened.push(options.create ? `${name}+create` : name);
        return new FakeStack(name, workDir, this);
    }
    async targetOf(stack: StackEngine): Promise<Target> {
        if (stack.name.startsWith("staging") && !this.script.stagingDeployed) throw new Error("no output 'containers'");
        const promoted = this.events.some((e) => e.startsWith("up production@/project"));
        return target(stack.name, stack.name.startsWith("staging") || (promoted && stack.workDir === "/project") ? NEW_IMAGES : OLD_IMAGES);
    }
    async health(t: Target): Promise<HealthReport> {
        this.events.push(`health ${t.stack}`);
        return healthReport(t.stack, t.stack.startsWith("staging") ? this.script.stagingHealthy : this.script.productionHealthyBefore);
    }
    async waitHealthy(t: Target): Promise<HealthReport> {
        this.events.push(`waitHealthy ${t.stack}`);
        return healthReport(t.stack, this.script.waits.shift() ?? true);
    }
    async workflowTests(t: Target, allowWrites: boolean): Promise<WorkflowReport> {
        this.events.push(`workflows ${t.stack} writes=${allowWrites}`);
        const ok = this.script.workflowsOk;
        return { stack: t.stack, writes: allowWrites, ok, results: [{ path: "n8n", ok, ms: 1, detail: ok ? "ok" : "boom" }] };
    }
    /** The stack update each backup was told its data belongs to. */
    backupUpdates: (string | undefined)[] = [];
    async backup(t: Target, point: string, stackUpdate?: StackUpdateRef): Promise<{ ref: string }> {
        this.events.push(`backup ${t.stack} ${point}`);
        this.backupUpdates.push(stackUpdate?.startTime);
        if (this.script.backupThrows) throw new Error("disk full");
        return { ref: "restic:b-20260102T030405Z" };
    }
    async restore(t: Target, dir: string, services: readonly Service[]): Promise<void> {
        this.events.push(`restore ${t.stack} ${dir} ${services.join(",")}`);
    }
    readConfigFile(): string {
        return this.configFile;
    }
    writeConfigFile(_stack: string, text: string): void {
        this.events.push(`writeConfig ${text}`);
        this.configFile = text;
    }
    async prepareCheckout(commit: string): Promise<Checkout> {
        this.events.push(`checkout ${commit}`);
        return { dir: `/tmp/wt-${commit}`, dispose: async () => void this.events.push(`dispose ${commit}`) };
    }
    async missingImages(): Promise<string[]> {
        return [];
    }
    async removeOrphanContainers(stack: string, inState: string[], dockerHost?: string): Promise<string[]> {
        const removed = this.script.orphans;
        if (removed.length > 0) this.events.push(`removeOrphans ${stack} keep=${inState.join(",")} host=${dockerHost ?? "ambient"}`);
        this.script.orphans = [];
        return removed;
    }
    async confirm(): Promise<boolean> {
        this.events.push("confirm");
        return this.script.confirm;
    }
    now(): Date {
        return new Date("2026-01-02T03:04:05Z");
    }
}
