// Progress of a `pulumi up` from the engine's events, for a person watching: a `pulumi up` of this
// project waits for every new container to be healthy (minutes on a first start), and without these
// lines nothing is printed meanwhile unless DEBUG. A line when a step that changes something starts,
// and one every `heartbeatMs` while steps are running, saying how many are done and what it waits for.
import type { EngineEvent } from "@pulumi/pulumi/automation";

/** Steps that only read or confirm state: not work a person waits for. */
const QUIET_OPS = new Set(["same", "read", "refresh", "discard", "import"]);

/** The steps of a preview that change something, as UpProgress counts them. */
export function changesIn(steps: readonly { op: string }[]): number {
    return steps.filter((step) => !QUIET_OPS.has(step.op)).length;
}

export interface ProgressOptions {
    /** Where lines go (the logger's info). */
    say: (line: string) => void;
    /** Changes the preview planned, when one ran first: then lines say "n of N". */
    planned?: number;
    heartbeatMs?: number;
    now?: () => number;
}

export class UpProgress {
    private readonly started: number;
    private readonly running = new Map<string, string>();
    private done = 0;
    private lastLine = 0;

    constructor(private readonly options: ProgressOptions) {
        this.started = this.now();
    }

    /** Feed every engine event of the update. */
    onEvent(event: EngineEvent): void {
        const pre = event.resourcePreEvent?.metadata;
        if (pre && !QUIET_OPS.has(pre.op)) {
            this.running.set(pre.urn, `${pre.op} ${nameOf(pre.urn)}`);
            this.say();
            return;
        }
        const finished = event.resOutputsEvent?.metadata ?? event.resOpFailedEvent?.metadata;
        if (finished && this.running.delete(finished.urn)) this.done++;
        this.tick();
    }

    /** A heartbeat between events (an engine waiting for a container's health sends none): call on a timer. */
    tick(): void {
        if (this.running.size > 0 && this.now() - this.lastLine >= (this.options.heartbeatMs ?? 15_000)) this.say();
    }

    /** The current line, as printed. */
    line(): string {
        const seconds = Math.round((this.now() - this.started) / 1000);
        const done = this.options.planned !== undefined ? `${this.done} of ${this.options.planned} changes done` : `${this.done} change${this.done === 1 ? "" : "s"} done`;
        const waiting = [...this.running.values()];
        return `pulumi up (${seconds} s): ${done}${waiting.length ? `; in progress: ${waiting.join(", ")}` : ""}`;
    }

    private say(): void {
        this.lastLine = this.now();
        this.options.say(this.line());
    }

    private now(): number {
        return (this.options.now ?? Date.now)();
    }
}

function nameOf(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}
