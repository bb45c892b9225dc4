// Progress on stdout, detail with DEBUG=true, and every line appended to logs/staging/sync-YYYYMMDD.log.
// Every line passes through redact(), which removes hex blobs a failed SQL statement may echo (bytea values).
// The process holds no secret to remove: the pseudonym key stays on production's host.
import * as fs from "fs";
import * as path from "path";

export function logFileName(date: Date): string {
    const ymd = date.toISOString().slice(0, 10).replace(/-/g, "");
    return `sync-${ymd}.log`;
}

export class SyncLog {
    private readonly file: string;

    constructor(
        logDir: string,
        private readonly debugEnabled: boolean,
        private readonly quiet: boolean,
        now: Date = new Date(),
    ) {
        fs.mkdirSync(logDir, { recursive: true });
        this.file = path.join(logDir, logFileName(now));
    }

    get path(): string {
        return this.file;
    }

    step(message: string): void {
        this.write("INFO", message, !this.quiet);
    }

    debug(message: string): void {
        this.write("DEBUG", message, this.debugEnabled && !this.quiet);
    }

    error(message: string): void {
        this.write("ERROR", message, true, true);
    }

    redact(text: string): string {
        return text.replace(/\\x[0-9a-f]{32,}/gi, "\\x[redacted]");
    }

    private write(level: string, message: string, show: boolean, toStderr = false): void {
        const line = `${new Date().toISOString()} ${level} ${this.redact(message)}`;
        fs.appendFileSync(this.file, line + "\n", { mode: 0o600 });
        if (show) (toStderr ? process.stderr : process.stdout).write(line + "\n");
    }
}
