// One promotion or rollback at a time per stack: an exclusive lock file logs/locks/<stack>.lock
// holding who took it. A lock whose process is gone (same host) is stale and taken over;
// --force-unlock removes any lock, for a holder on another host that is known to be dead.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface LockInfo {
    pid: number;
    host: string;
    startedAt: string;
    command: string;
}

export class LockedError extends Error {
    constructor(readonly stackName: string, readonly holder: LockInfo, readonly file: string) {
        super(
            `stack '${stackName}' is locked: '${holder.command}' (pid ${holder.pid} on ${holder.host}) started ${holder.startedAt}.\n` +
                `Wait for it to finish. If that process is gone for sure, re-run with --force-unlock ` +
                `(or delete ${file}).`,
        );
        this.name = "LockedError";
    }
}

export interface StackLock {
    release(): void;
    /** Set when a stale lock was taken over, so the caller can say so. */
    takenOverFrom?: LockInfo;
}

export function lockFile(repo: string, stack: string): string {
    return path.join(repo, "logs", "locks", `${stack}.lock`);
}

export function isProcessAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
    }
}

export function acquireLock(
    repo: string,
    stack: string,
    command: string,
    options: { force?: boolean; alive?: (pid: number) => boolean; host?: string } = {},
): StackLock {
    const file = lockFile(repo, stack);
    const host = options.host ?? os.hostname();
    const alive = options.alive ?? isProcessAlive;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const mine: LockInfo = { pid: process.pid, host, startedAt: new Date().toISOString(), command };
    let takenOverFrom: LockInfo | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
        try {
            fs.writeFileSync(file, JSON.stringify(mine), { flag: "wx" });
            return {
                takenOverFrom,
                release() {
                    const current = readLock(file);
                    if (current && current.pid === mine.pid && current.host === mine.host) fs.rmSync(file, { force: true });
                },
            };
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        }
        const holder = readLock(file);
        const stale = !holder || (holder.host === host && !alive(holder.pid));
        if (!stale && !options.force) throw new LockedError(stack, holder!, file);
        takenOverFrom = holder;
        fs.rmSync(file, { force: true });
    }
    throw new Error(`could not take the lock ${file}: another process keeps taking it`);
}

function readLock(file: string): LockInfo | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as LockInfo;
    } catch {
        return undefined;
    }
}
