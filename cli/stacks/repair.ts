// What an interrupted run leaves in a stack, cleared before the next rollback or deploy so nobody edits
// state by hand. A `pulumi up` killed with the laptop's process leaves the file backend's lock (every
// later update refuses to start) and its in-flight creates pending (kept by Pulumi until cleared); a
// killed run or a link dropped mid-call may also leave a container the engine created but never
// recorded, whose fixed name then blocks the create that would replace it. Each is cleared with the tool
// made for it (the lock's own pid check, `pulumi refresh --clear-pending-creates`, `docker rm`), and said.
import { SCRATCH_LABEL, SYNC_RUN_LABEL, namePrefix } from "../../model/names";
import { StackEngine } from "./engine";
import type { Operations } from "./operations";

/** A container of the stack's engine as `docker ps -a --no-trunc` lists it (see ORPHAN_LISTING_FORMAT). */
export interface ListedContainer {
    id: string;
    name: string;
    /** Its labels that mark a run's scratch (backups, syncs): never the stack's own. */
    scratch: boolean;
}

/** `docker ps --format` for listedContainers: id, name, and whether a scratch label is set. */
export const ORPHAN_LISTING_FORMAT = `{{.ID}}|{{.Names}}|{{.Label "${SCRATCH_LABEL}"}}{{.Label "${SYNC_RUN_LABEL}"}}`;

export function listedContainers(stdout: string): ListedContainer[] {
    return stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => {
            const [id, name, scratch] = line.split("|");
            return { id, name, scratch: Boolean(scratch) };
        });
}

/**
 * The stack's containers (listed by its pa.stack label) that its state does not record: named as the
 * program names them (pa-<stack>-...), not a backup's or sync's scratch, and not among `inState`.
 */
export function orphanContainers(stack: string, listed: ListedContainer[], inState: string[]): ListedContainer[] {
    const recorded = new Set(inState);
    return listed.filter((c) => !c.scratch && c.name.startsWith(`${namePrefix(stack)}-`) && !recorded.has(c.id));
}

/** The line each repairing command's --help carries. */
export const REPAIR_HELP = "First clears what an interrupted run left in the stack (a dead pulumi's lock, pending creates, containers never recorded) and logs each.";

/** The engine a stack runs on (its pa:dockerHost and pa:sshKnownHosts; unset: the ambient one). */
export interface StackHost {
    dockerHost?: string;
    sshKnownHosts?: string;
}

export interface RepairLog {
    say: (line: string) => void;
    engineOutput: (line: string) => void;
}

/**
 * Clears an interrupted run's traces from `stack`; returns what it cleared, one line each (empty: nothing).
 * `locks` clears only stale locks, which a preview needs gone and which change nothing deployed.
 */
export async function repairInterruptedRun(
    stack: StackEngine,
    ops: Pick<Operations, "removeOrphanContainers">,
    host: StackHost,
    log: RepairLog,
    scope: "locks" | "all" = "all",
): Promise<string[]> {
    const cleared: string[] = [];
    for (const lock of await stack.removeStaleLocks()) cleared.push(`removed ${lock}`);
    if (scope === "locks") return report(stack, cleared, log);
    const pending = await stack.pendingOperations();
    if (pending.some((op) => op.startsWith("creating "))) {
        await stack.clearPendingCreates(log.engineOutput);
    }
    // The next update drops pending operations of other kinds itself; said, so the log tells the whole story.
    for (const op of pending) cleared.push(`dropped the pending operation ${op}`);
    const removed = await ops.removeOrphanContainers(stack.name, await stack.containerIds(), host.dockerHost, host.sshKnownHosts);
    for (const name of removed) cleared.push(`removed the container ${name}, created by an interrupted run and never recorded (its data is in its volumes, which stay)`);
    return report(stack, cleared, log);
}

function report(stack: StackEngine, cleared: string[], log: RepairLog): string[] {
    for (const line of cleared) log.say(`cleaned up after an interrupted run of ${stack.name}: ${line}`);
    return cleared;
}

/** The traces a promotion refuses to start over (it records a rollback point of a known state only). */
export async function interruptedRunTraces(stack: StackEngine): Promise<string[]> {
    const locks = await stack.staleLocks();
    const pending = await stack.pendingOperations();
    return [...locks, ...pending.map((op) => `pending operation ${op}`)];
}
