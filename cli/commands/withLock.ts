// Runs a command body holding the stack's lock; says when a stale lock was taken over.
import { acquireLock } from "../../platform/lock";
import { Logger } from "../../platform/log";

export async function withLock<T>(projectRoot: string, stack: string, command: string, force: boolean, log: Logger, body: () => Promise<T>): Promise<T> {
    const lock = acquireLock(projectRoot, stack, command, { force });
    if (lock.takenOverFrom) {
        const h = lock.takenOverFrom;
        log.warn(`took over the lock of '${h.command}' (pid ${h.pid} on ${h.host}, started ${h.startedAt}): that run was interrupted; ` + `its stack may need \`pulumi refresh -s ${stack}\``);
    }
    try {
        return await body();
    } finally {
        lock.release();
    }
}
