// The one logger of the operator commands and the sync: dated logs under logs/<area>/<name>-YYYYMMDD.log,
// with every secret redacted before a line reaches the console or the file. DEBUG=true adds the
// detailed lines (engine output, commands, the sync's per-table counts).
import * as fs from "fs";
import * as path from "path";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where each command logs, as the operator guide documents it. */
export const LOG_FILES = {
    deploy: { area: "staging", name: "deploy" },
    health: { area: "health", name: "health-check" },
    testWorkflows: { area: "testing", name: "workflow-test" },
    promote: { area: "production", name: "promote" },
    rollback: { area: "production", name: "rollback" },
    cleanup: { area: "maintenance", name: "cleanup" },
    backup: { area: "production", name: "backup" },
    sync: { area: "staging", name: "sync" },
    drift: { area: "health", name: "drift" },
} as const;
export type LogKind = keyof typeof LOG_FILES;

const MASK = "***";

/**
 * Patterns that carry a secret whatever its value: `password=x`, `"password": "x"`, `*_PASSWORD=x`,
 * `*_KEY=x`, `*_SECRET=x`, credentials in URIs, bearer tokens and NEO4J_AUTH.
 */
const SECRET_PATTERNS: [RegExp, string][] = [
    [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)@/gi, `$1${MASK}@`],
    [/("[\w-]*(?:password|secret|token|passphrase|apikey|api_key)[\w-]*"\s*:\s*")([^"]*)"/gi, `$1${MASK}"`],
    [/\b([\w-]*(?:password|passwd|secret|token|passphrase|_key|apikey)[\w-]*\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)/gi, `$1${MASK}`],
    [/\b(bearer\s+)[\w.~+/=-]+/gi, `$1${MASK}`],
    [/\b(NEO4J_AUTH\s*[=:]\s*[\w-]+\/)\S+/g, `$1${MASK}`],
    // Bytes a failed statement may echo (a bytea value of production's rows).
    [/\\x[0-9a-f]{32,}/gi, `\\x${MASK}`],
];

/** Replaces known secret values and secret-shaped fragments in a text. */
export function redact(text: string, secrets: Iterable<string> = []): string {
    let out = text;
    // Longest first, so a secret that contains another is masked whole.
    const values = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
    for (const value of values) out = out.split(value).join(MASK);
    for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
    return out;
}

export function dateStamp(date: Date): string {
    return date.toISOString().slice(0, 10).replace(/-/g, "");
}

/** The log file of a command on a day, in logs/<area>/ of the repository or in `dir` when given. */
export function logFilePath(repo: string, kind: LogKind, date: Date, dir?: string): string {
    const { area, name } = LOG_FILES[kind];
    return path.join(dir ?? path.join(repo, "logs", area), `${name}-${dateStamp(date)}.log`);
}

export interface LoggerOptions {
    repo: string;
    kind: LogKind;
    debug: boolean;
    /** Human output goes to stderr when stdout carries JSON for scripts. */
    consoleStream?: NodeJS.WritableStream;
    now?: () => Date;
    /** Tests log nowhere. */
    toFile?: boolean;
    /** Another folder for the file than logs/<area>/ (PA_SYNC_LOG_DIR). */
    dir?: string;
    /** Info lines go to the file only (`--quiet`); warnings, errors and results still reach the console. */
    quiet?: boolean;
}

export class Logger {
    private readonly secrets = new Set<string>();
    private readonly now: () => Date;
    readonly file: string;

    constructor(private readonly options: LoggerOptions) {
        this.now = options.now ?? (() => new Date());
        this.file = logFilePath(options.repo, options.kind, this.now(), options.dir);
        if (options.toFile !== false) fs.mkdirSync(path.dirname(this.file), { recursive: true });
    }

    get debugEnabled(): boolean {
        return this.options.debug;
    }

    /** Registers a value that must never appear in any output. */
    addSecret(value: string | undefined): void {
        if (value) this.secrets.add(value);
    }

    redact(text: string): string {
        return redact(text, this.secrets);
    }

    debug(message: string): void {
        if (this.options.debug) this.write("debug", message);
    }
    info(message: string): void {
        this.write("info", message);
    }
    warn(message: string): void {
        this.write("warn", message);
    }
    error(message: string): void {
        this.write("error", message);
    }

    /** Output of a command the user asked for (a table, JSON): console only, redacted, logged too. */
    result(text: string, stream: NodeJS.WritableStream = process.stdout): void {
        const clean = this.redact(text);
        stream.write(clean.endsWith("\n") ? clean : `${clean}\n`);
        this.append("info", clean);
    }

    private write(level: LogLevel, message: string): void {
        const clean = this.redact(message);
        const prefix = level === "info" ? "" : `${level.toUpperCase()}: `;
        if (!(this.options.quiet && level === "info")) (this.options.consoleStream ?? process.stdout).write(`${prefix}${clean}\n`);
        this.append(level, clean);
    }

    private append(level: LogLevel, clean: string): void {
        if (this.options.toFile === false) return;
        const stamp = this.now().toISOString();
        const lines = clean.split("\n").map((line) => `${stamp} [${level}] ${line}`);
        fs.appendFileSync(this.file, `${lines.join("\n")}\n`, { mode: 0o600 });
    }
}
