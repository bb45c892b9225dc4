// Promotion of staging's tested image versions to production, in the documented order:
// (a) preview production with staging's images and confirm, (b) gates: staging healthy and its
// workflow tests green, (c) back up production's data, (d) record a rollback point, (e) pulumi up,
// (f) validate production's health within a timeout of its own, (g) on failure of (e) or (f) roll
// back to the point, restoring data when the failed update touched it (or when asked).
// Before (e) nothing in production changes: an abort only restores the config file.
import { SERVICES, Service } from "../../config/schema";
import { HOSTNAMES } from "../../model/names";
import { PlannedStep } from "../stacks/engine";
import { CONTAINER_TYPE, interruptedRunHelp } from "../stacks/engine";
import { interruptedRunTraces } from "../stacks/repair";
import { Operations } from "../stacks/operations";
import { changesIn } from "../stacks/progress";
import { redeployPoint, RedeployResult } from "./redeploy";
import { currentUpdate, RollbackPoint, RollbackPointManifest, tagMessage, tagName } from "./rollbackPoints";
import { Target } from "../stacks/target";

export type PromoteStage =
    | "staging"
    | "production-check"
    | "preview"
    | "confirm"
    | "gate-health"
    | "gate-workflows"
    | "backup"
    | "rollback-point"
    | "up"
    | "validate";

export interface PromoteOptions {
    productionStack: string;
    stagingStack: string;
    yes: boolean;
    validateTimeoutMs: number;
    rollbackTimeoutMs: number;
    /** Restore every service's data on an automatic rollback, touched or not. */
    restoreDataOnRollback: boolean;
    say: (line: string) => void;
    engineOutput: (line: string) => void;
}

export interface PromoteResult {
    /** promoted; aborted (production unchanged); rolled-back; failed (changed, nothing to roll back to); rollback-failed. */
    outcome: "promoted" | "aborted" | "rolled-back" | "failed" | "rollback-failed";
    stage?: PromoteStage;
    reason?: string;
    images?: Record<Service, string>;
    point?: string;
    backup?: string;
    dataTouched?: Service[];
    /** Containers the failed update removed without starting their replacement (stop-old-first ones). */
    leftDown?: string[];
    rollback?: RedeployResult;
}

const CHANGING_OPS = new Set(["update", "replace", "create-replacement", "delete-replaced", "delete"]);

/**
 * The services whose data an update may have changed: those whose image changed (apps migrate
 * their schema on start, databases may rewrite their files) and those whose volume was replaced
 * or deleted. `postgres` stands for every app database.
 */
export function dataTouchedBy(steps: PlannedStep[], before: Record<Service, string>, after: Record<Service, string>): Service[] {
    const touched = new Set<Service>(SERVICES.filter((s) => before[s] !== after[s]));
    for (const step of steps) {
        if (!CHANGING_OPS.has(step.op) || !/volume:Volume$/.test(step.type)) continue;
        const service = SERVICES.find((s) => step.name.startsWith(`${s}-`) || step.name.startsWith(`${HOSTNAMES[s]}-`) || step.name.includes(`-${HOSTNAMES[s]}-`));
        if (service) touched.add(service);
    }
    return SERVICES.filter((s) => touched.has(s));
}

/**
 * The containers an update stopped (or was stopping when it was cut) and did not start again: a
 * stop-old-first replacement (databases, the gateway) between its stop and its start. `started` are the
 * steps the update began, `completed` those it finished. Start-new-first apps never appear: their old
 * copy is stopped only once the new one has started.
 */
export function containersLeftDown(started: PlannedStep[], completed: PlannedStep[]): string[] {
    const recreated = new Set(completed.filter((s) => s.type === CONTAINER_TYPE && (s.op === "create-replacement" || s.op === "create")).map((s) => s.name));
    return [...new Set(started.filter((s) => s.type === CONTAINER_TYPE && s.op === "delete-replaced" && !recreated.has(s.name)).map((s) => s.name))];
}

export async function promote(ops: Operations, options: PromoteOptions): Promise<PromoteResult> {
    const { say } = options;
    const prodName = options.productionStack;
    const abort = (stage: PromoteStage, reason: string, extra: Partial<PromoteResult> = {}): PromoteResult => {
        say(`promotion stopped at ${stage}: ${reason} (production unchanged)`);
        return { outcome: "aborted", stage, reason, ...extra };
    };

    let stagingTarget: Target;
    try {
        stagingTarget = await ops.targetOf(await ops.openStack(options.stagingStack));
    } catch (error) {
        return abort("staging", `cannot read staging stack '${options.stagingStack}': ${message(error)}`);
    }
    const images = stagingTarget.images;

    // The first promotion creates production's stack.
    const production = await ops.openStack(prodName, undefined, { create: true });
    // A rollback point records a known state: after an interrupted run, the emergency rollback (which
    // clears its traces) comes first.
    const traces = await interruptedRunTraces(production);
    if (traces.length > 0) return abort("production-check", interruptedRunHelp(prodName, traces, "pa rollback --emergency"));
    const history = await production.history();
    const deployedUpdate = currentUpdate(history);
    const prodTarget = deployedUpdate ? await ops.targetOf(production) : undefined;

    // (a) preview with staging's versions; the config file is put back on any abort.
    const originalConfig = ops.readConfigFile(prodName);
    const abortAndRestoreConfig = (stage: PromoteStage, reason: string, extra: Partial<PromoteResult> = {}) => {
        ops.writeConfigFile(prodName, originalConfig);
        return abort(stage, reason, { images, ...extra });
    };
    let planned: number | undefined;
    try {
        await production.setImages(images);
        say(`preview of ${prodName} with the versions ${options.stagingStack} runs: ${Object.values(images).join(", ")}`);
        const preview = await production.preview(options.engineOutput);
        say(preview.diff.trim() || "(no diff output)");
        say(`changes: ${JSON.stringify(preview.changeSummary)}`);
        planned = changesIn(preview.steps);
    } catch (error) {
        return abortAndRestoreConfig("preview", message(error));
    }
    if (!options.yes && !(await ops.confirm(`Promote these versions to ${prodName}?`))) {
        return abortAndRestoreConfig("confirm", "not confirmed (pass --yes to skip the question)");
    }

    // (b) gates on staging.
    const stagingHealth = await ops.health(stagingTarget);
    if (!stagingHealth.healthy) {
        const failing = stagingHealth.checks.filter((c) => !c.ok).map((c) => `${c.service} ${c.check}: ${c.detail}`);
        return abortAndRestoreConfig("gate-health", `staging is unhealthy: ${failing.join("; ")}`);
    }
    const tests = await ops.workflowTests(stagingTarget, true);
    if (!tests.ok) {
        const failing = tests.results.filter((r) => !r.ok).map((r) => `${r.path}: ${r.detail}`);
        return abortAndRestoreConfig("gate-workflows", `staging workflow tests failed: ${failing.join("; ")}`);
    }
    say("gates passed: staging healthy, workflow tests green");

    // (c) backup and (d) rollback point, only when there is a production to return to.
    let point: RollbackPoint | undefined;
    let backupDir: string | undefined;
    if (prodTarget && deployedUpdate) {
        const prodHealth = await ops.health(prodTarget);
        const tag = tagName(ops.now());
        try {
            backupDir = (await ops.backup(prodTarget, tag, deployedUpdate)).ref;
            say(`backup of ${prodName}: ${backupDir}`);
        } catch (error) {
            return abortAndRestoreConfig("backup", `backup of ${prodName} failed: ${message(error)}`);
        }
        try {
            const manifest: RollbackPointManifest = {
                format: 1,
                stack: prodName,
                createdAt: ops.now().toISOString(),
                commit: history[history.length - deployedUpdate.ordinal]?.environment["git.head"] ?? (await ops.git.head()),
                config: originalConfig,
                images: prodTarget.images,
                stackUpdate: deployedUpdate,
                backup: backupDir,
                validated: prodHealth.healthy,
                reason: `before promoting ${options.stagingStack}'s versions`,
            };
            point = { tag, manifest };
            await ops.git.createTag(point.tag, manifest.commit, tagMessage(manifest));
            say(`rollback point ${point.tag} (production ${prodHealth.healthy ? "healthy" : "NOT healthy"} when recorded)`);
        } catch (error) {
            return abortAndRestoreConfig("rollback-point", `recording the rollback point failed: ${message(error)}`, { backup: backupDir });
        }
    } else {
        say(`${prodName} has no deployed state yet: no backup and no rollback point (a failure cannot be rolled back)`);
    }

    // (e) update and (f) validate; (g) roll back on failure.
    const up = await production.up(options.engineOutput, { onProgress: say, planned });
    let failure: { stage: PromoteStage; reason: string } | undefined;
    if (!up.ok) {
        failure = { stage: "up", reason: `pulumi up failed: ${up.error}` };
    } else {
        const newTarget = await ops.targetOf(production);
        const health = await ops.waitHealthy(newTarget, options.validateTimeoutMs);
        if (!health.healthy) {
            const failing = health.checks.filter((c) => !c.ok).map((c) => `${c.service} ${c.check}: ${c.detail}`);
            failure = { stage: "validate", reason: `not healthy within ${options.validateTimeoutMs / 1000} s: ${failing.join("; ")}` };
        }
    }
    const base = { images, point: point?.tag, backup: backupDir };
    if (!failure) {
        say(`promoted: ${prodName} runs ${Object.values(images).join(", ")} and is healthy`);
        return { outcome: "promoted", ...base };
    }
    say(`promotion failed at ${failure.stage}: ${failure.reason}`);
    const leftDown = containersLeftDown(up.steps, up.completed ?? []);
    if (leftDown.length > 0) say(`the failed update stopped ${leftDown.join(", ")} and never saw its replacement start: it may be down until production is redeployed (the data stays in the volumes)`);
    const downFields = leftDown.length > 0 ? { leftDown } : {};
    if (!point || !prodTarget) {
        ops.writeConfigFile(prodName, originalConfig);
        return { outcome: "failed", ...failure, ...base, ...downFields };
    }
    const dataTouched = options.restoreDataOnRollback ? [...SERVICES] : dataTouchedBy(up.steps, prodTarget.images, images);
    say(`rolling back automatically to ${point.tag}${dataTouched.length ? `, restoring data of ${dataTouched.join(", ")}` : " (data untouched: not restored)"}`);
    const rollback = await redeployPoint(ops, point, {
        restoreData: dataTouched,
        healthTimeoutMs: options.rollbackTimeoutMs,
        say,
        engineOutput: options.engineOutput,
        dockerHost: prodTarget.dockerHost,
        sshKnownHosts: prodTarget.sshKnownHosts,
    });
    ops.writeConfigFile(prodName, originalConfig);
    const outcome = rollback.outcome === "restored" ? "rolled-back" : "rollback-failed";
    say(
        outcome === "rolled-back"
            ? `rolled back to ${point.tag} in ${rollback.seconds} s: production is healthy again`
            : `ROLLBACK FAILED (${rollback.outcome}${rollback.error ? `: ${rollback.error}` : ""}).${leftDown.length > 0 ? ` ${leftDown.join(", ")} MAY BE DOWN.` : ""} ` +
                  `When production's host answers, run \`pa rollback --tag ${point.tag} --yes${dataTouched.length > 0 ? " --with-data" : ""}\` or \`pa rollback --emergency\`: ` +
                  `either clears what this run left first. See docs/operator-guide.md, "Troubleshooting".`,
    );
    return { outcome, ...failure, ...base, ...downFields, dataTouched, rollback };
}

function message(error: unknown): string {
    return String((error as Error)?.message ?? error);
}
