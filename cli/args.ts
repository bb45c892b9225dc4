// A small, strict argument parser: each command declares its flags; anything else is a usage error.
import { UsageError } from "../platform/errors";

export interface FlagSpec {
    name: string;
    /** Name of the value the flag takes (`--tag <tag>`), or none for a switch. */
    value?: string;
    help: string;
}

export interface CommandSpec {
    name: string;
    summary: string;
    usage: string;
    flags: FlagSpec[];
    /** Longer text after the flags in --help. */
    details?: string;
    /** Names of the plain arguments the command takes (`backup now`, `restore <backup>`), at most this many. */
    positionals?: string[];
}

/** The flags by name, and the plain arguments in order. */
export type ParsedFlags = Map<string, string | true> & { positionals?: string[] };

export function parseFlags(spec: CommandSpec, argv: string[]): ParsedFlags {
    const flags: ParsedFlags = new Map();
    const positionals: string[] = [];
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("-") && spec.positionals && positionals.length < spec.positionals.length) {
            positionals.push(arg);
            continue;
        }
        const [name, inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s, 2) : [undefined, undefined];
        const flag = spec.flags.find((f) => f.name === name);
        if (!flag) throw new UsageError(`${spec.name}: unknown argument '${arg}' (see ${spec.name} --help)`);
        if (!flag.value) {
            flags.set(flag.name, true);
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined || value.startsWith("--")) throw new UsageError(`${spec.name}: --${flag.name} needs a value <${flag.value}>`);
        flags.set(flag.name, value);
    }
    flags.positionals = positionals;
    return flags;
}

export function numberFlag(flags: ParsedFlags, name: string, fallback: number): number {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw === true || !Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
    return value;
}

export function helpText(spec: CommandSpec): string {
    const width = Math.max(...spec.flags.map((f) => f.name.length + (f.value ? f.value.length + 3 : 0)), 6) + 4;
    const lines = [`${spec.summary}`, "", `usage: ${spec.usage}`, "", "options:"];
    for (const f of [...spec.flags, { name: "help", help: "show this help" }]) {
        const left = `--${f.name}${"value" in f && f.value ? ` <${f.value}>` : ""}`;
        lines.push(`  ${left.padEnd(width)}${f.help}`);
    }
    if (spec.details) lines.push("", spec.details.trim());
    return lines.join("\n");
}
