// Redeploys a rollback point: its program commit checked out in a temporary git worktree, its
// config file written there with the image versions it ran, and `pulumi up` on the same backend and
// stack. Then, when asked, its data is restored from its backup, and health is awaited with a
// timeout of its own. The checkout's Pulumi.<stack>.yaml is set to the point's config, so the
// next plain `pulumi up` does not undo the rollback.
import { Service } from "../../config/schema";
import { PreviewOutcome } from "../stacks/engine";
import { changesIn } from "../stacks/progress";
import { HealthReport } from "../checks/health";
import { Operations } from "../stacks/operations";
import { RollbackPoint } from "./rollbackPoints";
import { repairInterruptedRun } from "../stacks/repair";

export interface RedeployOptions {
    /** Services whose data to restore from the point's backup (empty: none). */
    restoreData: readonly Service[];
    healthTimeoutMs: number;
    /** Called with the preview before anything changes; returning false stops the rollback. */
    approve?: (preview: PreviewOutcome) => Promise<boolean>;
    say: (line: string) => void;
    engineOutput: (line: string) => void;
    /** The engine the stack runs on (its pa:dockerHost), where the point's images must be. */
    dockerHost?: string;
    /** The known_hosts file for an ssh:// dockerHost (its pa:sshKnownHosts). */
    sshKnownHosts?: string;
}

export interface RedeployResult {
    outcome: "restored" | "unhealthy" | "declined" | "failed";
    point: string;
    restoredData: Service[];
    /** What an interrupted run had left and the rollback cleared first (cli/stacks/repair.ts). */
    cleanedUp: string[];
    health?: HealthReport;
    error?: string;
    seconds: number;
}

export async function redeployPoint(ops: Operations, point: RollbackPoint, options: RedeployOptions): Promise<RedeployResult> {
    const started = ops.now().getTime();
    const seconds = () => Math.round((ops.now().getTime() - started) / 100) / 10;
    const m = point.manifest;
    const cleanedUp: string[] = [];
    const result = (partial: Omit<RedeployResult, "point" | "seconds" | "cleanedUp">): RedeployResult => ({ ...partial, cleanedUp, point: point.tag, seconds: seconds() });
    if (!m.stackUpdate) return result({ outcome: "failed", restoredData: [], error: `${point.tag} records no deployed state to return to` });
    const missing = await ops.missingImages(Object.values(m.images), options.dockerHost, options.sshKnownHosts);
    if (missing.length > 0) options.say(`warning: images not on this Docker host (the rollback needs a registry to pull them): ${missing.join(", ")}`);
    options.say(`rollback to ${point.tag}: commit ${m.commit.slice(0, 12)}, images ${Object.values(m.images).join(", ")}`);
    // Each phase says when it ended, so a slow rollback shows where its time went.
    const phase = (what: string) => options.say(`${what} (${seconds().toFixed(1)} s)`);
    const checkout = await ops.prepareCheckout(m.commit, m.stack, m.config);
    try {
        const stack = await ops.openStack(m.stack, checkout.dir, { transpileOnly: true });
        await stack.setImages(m.images);
        // A killed or cut run before this one may have left traces that would make this update fail.
        const repair = (scope: "locks" | "all") => repairInterruptedRun(stack, ops, options, options, scope);
        // A rollback restores the point whatever happened since: refreshing first makes the engine see
        // containers that were removed or stopped, which a plain update would leave missing.
        let planned: number | undefined;
        if (options.approve) {
            // Before the approval only what changes nothing deployed: the preview needs the stale lock gone.
            cleanedUp.push(...(await repair("locks")));
            const preview = await stack.preview(options.engineOutput, { refresh: true });
            if (!(await options.approve(preview))) return result({ outcome: "declined", restoredData: [] });
            planned = changesIn(preview.steps);
        }
        cleanedUp.push(...(await repair("all")));
        phase("pulumi up with refresh starts");
        const up = await stack.up(options.engineOutput, { refresh: true, onProgress: options.say, planned });
        if (!up.ok) return result({ outcome: "failed", restoredData: [], error: `pulumi up of ${point.tag} failed: ${up.error}` });
        phase("pulumi up done");
        ops.writeConfigFile(m.stack, m.config);
        // A point's program from before stacks recorded their engine: the engine is the one the caller named.
        const deployed = await ops.targetOf(stack);
        const target = { ...deployed, dockerHost: deployed.dockerHost ?? options.dockerHost, sshKnownHosts: deployed.sshKnownHosts ?? options.sshKnownHosts };
        const restoredData: Service[] = [];
        if (options.restoreData.length > 0) {
            if (!m.backup) return result({ outcome: "failed", restoredData, error: `${point.tag} has no backup to restore data from` });
            options.say(`restoring data of ${options.restoreData.join(", ")} from ${m.backup}`);
            await ops.restore(target, m.backup, options.restoreData);
            restoredData.push(...options.restoreData);
            phase("data restored");
        }
        const health = await ops.waitHealthy(target, options.healthTimeoutMs);
        return result({ outcome: health.healthy ? "restored" : "unhealthy", restoredData, health });
    } catch (error) {
        return result({ outcome: "failed", restoredData: [], error: String((error as Error).message ?? error) });
    } finally {
        await checkout.dispose();
    }
}
