// Pipes one process's output into another's input and waits for both, failing if either fails, and
// the rewriting of a stream of COPY outputs into the psql input that loads them on the other side.
import { ChildProcess } from "child_process";
import { Transform, TransformCallback } from "stream";
import { CommandError, describe } from "./docker";

/** Pipes source.stdout (through `through`, if given) into sink.stdin; resolves with the bytes moved, the sink's stdout and the source's stderr. */
export function pipeProcesses(source: ChildProcess, sink: ChildProcess, through?: Transform): Promise<{ bytes: number; sinkOutput: string; sourceStderr: string }> {
    return new Promise((resolve, reject) => {
        let bytes = 0;
        let pending = 2;
        let failed = false;
        const sinkOut: Buffer[] = [];
        const errors = new Map<ChildProcess, Buffer[]>([[source, []], [sink, []]]);
        const fail = (err: Error) => {
            if (failed) return;
            failed = true;
            // The sink must not commit half of the data: kill it before its input ends cleanly.
            sink.kill("SIGKILL");
            source.kill("SIGKILL");
            reject(err);
        };
        for (const [child, chunks] of errors) {
            child.stderr?.on("data", (chunk: Buffer) => chunks.push(chunk));
            child.on("error", fail);
            child.on("close", (code) => {
                if (code !== 0) return fail(new CommandError(describe(child), code, Buffer.concat(chunks).toString("utf8")));
                if (--pending === 0 && !failed) resolve({ bytes, sinkOutput: Buffer.concat(sinkOut).toString("utf8"), sourceStderr: Buffer.concat(errors.get(source)!).toString("utf8") });
            });
        }
        sink.stdout?.on("data", (chunk: Buffer) => sinkOut.push(chunk));
        sink.stdin?.on("error", () => undefined);
        source.stdout?.on("data", (chunk: Buffer) => (bytes += chunk.length));
        const upstream = through ? source.stdout!.pipe(through) : source.stdout!;
        // A rewriter error (a cut stream) usually follows a failed source, whose error says more.
        let throughError: Error | undefined;
        through?.on("error", (err) => (throughError = err));
        // Only a clean exit of the source closes the sink's input; a failed source kills the sink instead.
        let sourceOk = false;
        let upstreamEnded = false;
        const endSink = () => sourceOk && upstreamEnded && sink.stdin?.end();
        upstream.pipe(sink.stdin!, { end: false });
        upstream.on("end", () => ((upstreamEnded = true), endSink()));
        source.on("close", (code) => {
            sourceOk = code === 0;
            if (sourceOk && throughError) return fail(throughError);
            endSink();
        });
    });
}

export interface CopyTarget {
    /** `"schema"."table"`. */
    qualifiedName: string;
    /** `"a", "b"`. */
    columnList: string;
}

/**
 * Turns `rows of table 1, marker line, rows of table 2, marker line, ...` (psql printing COPY ... TO
 * STDOUT with \echo <marker> after each) into `COPY t1 FROM STDIN; rows \. COPY t2 ...` for psql, and
 * counts the rows of each table on the way.
 */
export class CopyStreamRewriter extends Transform {
    readonly rowCounts: number[] = [];
    private current = 0;
    private pending = Buffer.alloc(0);
    private atLineStart = true;
    private readonly marker: Buffer;

    constructor(private readonly targets: readonly CopyTarget[], marker: string) {
        super();
        this.marker = Buffer.from(marker + "\n");
        this.rowCounts = targets.map(() => 0);
        this.push(this.header(0));
    }

    override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
        let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
        for (;;) {
            const at = this.findMarker(data);
            if (at < 0) break;
            this.emitRows(data.subarray(0, at));
            this.push("\\.\n");
            this.current++;
            if (this.current < this.targets.length) this.push(this.header(this.current));
            data = data.subarray(at + this.marker.length);
            this.atLineStart = true;
        }
        // Keep back what could be the start of a marker cut by the chunk boundary.
        const keep = Math.min(data.length, this.marker.length);
        this.emitRows(data.subarray(0, data.length - keep));
        this.pending = Buffer.from(data.subarray(data.length - keep));
        done();
    }

    override _flush(done: TransformCallback): void {
        if (this.pending.length > 0 || this.current !== this.targets.length) {
            return done(new Error(`the copy stream ended after ${this.current} of ${this.targets.length} tables`));
        }
        done();
    }

    private findMarker(data: Buffer): number {
        let from = 0;
        for (;;) {
            const at = data.indexOf(this.marker, from);
            if (at < 0) return -1;
            if ((at === 0 && this.atLineStart) || (at > 0 && data[at - 1] === 0x0a)) return at;
            from = at + 1;
        }
    }

    private emitRows(rows: Buffer): void {
        if (rows.length === 0) return;
        let lines = 0;
        for (let i = rows.indexOf(0x0a); i >= 0; i = rows.indexOf(0x0a, i + 1)) lines++;
        this.rowCounts[this.current] += lines;
        this.atLineStart = rows[rows.length - 1] === 0x0a;
        this.push(rows);
    }

    private header(index: number): string {
        const target = this.targets[index];
        return target ? `COPY ${target.qualifiedName} (${target.columnList}) FROM STDIN;\n` : "";
    }
}
