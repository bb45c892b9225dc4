// A minimal client of PostgreSQL's protocol 3.0 for the sidecars on production's host: trust
// authentication over 127.0.0.1 (the sidecar shares the Postgres container's network namespace, and
// the image trusts loopback connections, as the operator commands' psql relies on), simple queries,
// and COPY out delivered row by row. Hand-written because the sidecars run on whatever Node.js the
// production image has, bundled into one script: `pg` would bring its pool, types and connection
// parameters for the three messages the sync needs, and is slower per row than reading frames here.
import * as net from "net";

export interface PgSession {
    /** Runs SQL (one or more statements); resolves with the data rows of the last, as text. */
    run(sql: string, onCopy?: (row: Buffer) => void): Promise<string[][]>;
    /** Pauses reading from the server until `resume` (back-pressure from stdout). */
    pause(): void;
    resume(): void;
    end(): void;
}

/** Connects to `database` on 127.0.0.1:5432 as the superuser; `afterChunk` runs after each chunk read. */
export async function connect(database: string, applicationName: string, afterChunk: () => void = () => undefined): Promise<PgSession> {
    const socket = net.connect(5432, "127.0.0.1");
    let pending: Buffer = Buffer.alloc(0);
    let current: { rows: string[][]; error?: string; onCopy?: (row: Buffer) => void; done: (err?: Error) => void } | undefined;
    let fatal: Error | undefined;
    const fail = (err: Error) => {
        // The server's own message (e.g. a refused login) says more than the closed connection.
        fatal = current?.error ? new Error(current.error) : err;
        current?.done(fatal);
        current = undefined;
    };
    const ready = new Promise<void>((resolve, reject) => {
        current = { rows: [], done: (err) => (err ? reject(err) : resolve()) };
    });
    socket.on("error", (err) => fail(new Error(`production's Postgres on 127.0.0.1:5432: ${err.message}`)));
    socket.on("close", () => fail(new Error("production's Postgres closed the connection")));
    socket.on("data", (chunk: Buffer) => {
        pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
        let at = 0;
        while (pending.length - at >= 5) {
            const length = pending.readInt32BE(at + 1);
            if (pending.length - at < 1 + length) break;
            receive(pending[at], pending.subarray(at + 5, at + 1 + length));
            at += 1 + length;
        }
        pending = pending.subarray(at);
        afterChunk();
    });
    function receive(type: number, body: Buffer): void {
        const query = current;
        switch (String.fromCharCode(type)) {
            case "R":
                if (body.readInt32BE(0) !== 0) {
                    fail(new Error(`production's Postgres asks for a password on 127.0.0.1 (authentication request ${body.readInt32BE(0)}); the sync needs the image's default trust for loopback connections`));
                    socket.destroy();
                }
                return;
            case "E": {
                const fields = body.toString("utf8").split("\0");
                if (query) query.error = fields.find((f) => f.startsWith("M"))?.slice(1) ?? "unknown error";
                return;
            }
            case "D": {
                const values: string[] = [];
                let offset = 2;
                for (let i = body.readInt16BE(0); i > 0; i--) {
                    const size = body.readInt32BE(offset);
                    offset += 4;
                    values.push(size < 0 ? "" : body.toString("utf8", offset, offset + size));
                    offset += Math.max(size, 0);
                }
                query?.rows.push(values);
                return;
            }
            case "d":
                query?.onCopy?.(body);
                return;
            case "Z":
                current = undefined;
                query?.done(query.error ? new Error(query.error) : undefined);
                return;
        }
    }
    const params = Buffer.from(`user\0postgres\0database\0${database}\0application_name\0${applicationName}\0client_encoding\0UTF8\0\0`, "utf8");
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4);
    socket.write(Buffer.concat([startup, params]));
    await ready;
    return {
        run(sql, onCopy) {
            if (fatal) return Promise.reject(fatal);
            return new Promise((resolve, reject) => {
                const rows: string[][] = [];
                current = { rows, onCopy, done: (err) => (err ? reject(err) : resolve(rows)) };
                const text = Buffer.from(sql + "\0", "utf8");
                const header = Buffer.alloc(5);
                header.write("Q", 0);
                header.writeInt32BE(4 + text.length, 1);
                socket.write(Buffer.concat([header, text]));
            });
        },
        pause: () => socket.pause(),
        resume: () => socket.resume(),
        end() {
            socket.removeAllListeners("close");
            socket.end(Buffer.from([0x58, 0, 0, 0, 4]));
        },
    };
}
