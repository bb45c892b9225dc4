// The one argument parser of pa and the sync CLI: each command declares its flags as data (CommandSpec) and
// commander parses them: `-h`/`--help` anywhere,
// choices and mutually exclusive flags checked, anything else a usage error naming the fix.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { UsageError } from "./errors";

export interface FlagSpec {
    name: string;
    /** Name of the value the flag takes (`--tag <tag>`), or none for a switch. */
    value?: string;
    help: string;
    /** The only values the flag accepts. */
    choices?: readonly string[];
    /** Flags that cannot be given together with this one. */
    conflicts?: readonly string[];
}

export interface CommandSpec {
    name: string;
    /** What a person types for it when that is not `pa <name>` (a program of its own, such as the sync CLI). */
    program?: string;
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

/** Flags every command takes besides its own. */
export const COMMON_FLAGS: FlagSpec[] = [{ name: "quiet", help: "print only warnings, errors and the result (the log file still gets every line)" }];

/** A value must not be the next flag: `--tag --yes` is a missing tag, not a tag named "--yes". */
function flagValue(flag: FlagSpec): (value: string) => string {
    return (value) => {
        if (value.startsWith("-")) throw new InvalidArgumentError(`--${flag.name} needs a value <${flag.value}>`);
        return value;
    };
}

/** The commander command of a spec; `onParsed` gets the flags once they are valid. */
export function commandOf(spec: CommandSpec, onParsed: (flags: ParsedFlags) => void): Command {
    const command = new Command(spec.name).description(spec.summary).summary(spec.summary).usage(spec.usage.slice(invocation(spec).length).trim()).helpOption("-h, --help", "show this help");
    for (const flag of [...spec.flags, ...COMMON_FLAGS]) {
        const option = new Option(`--${flag.name}${flag.value ? ` <${flag.value}>` : ""}`, flag.help);
        if (flag.choices) option.choices(flag.choices);
        else if (flag.value) option.argParser(flagValue(flag));
        if (flag.conflicts) option.conflicts(flag.conflicts.map(camel));
        command.addOption(option);
    }
    for (const name of spec.positionals ?? []) command.argument(`[${name}]`);
    if (spec.details) command.addHelpText("after", `\n${spec.details.trim()}`);
    command.allowExcessArguments(false).exitOverride().configureOutput({ outputError: () => undefined });
    command.action((...args: unknown[]) => {
        const self = args[args.length - 1] as Command;
        const values = self.opts();
        const flags: ParsedFlags = new Map();
        for (const flag of [...spec.flags, ...COMMON_FLAGS]) {
            const value = values[camel(flag.name)] as string | true | undefined;
            if (value !== undefined) flags.set(flag.name, value);
        }
        flags.positionals = self.args.filter((a) => a !== undefined);
        onParsed(flags);
    });
    return command;
}

/** Parses one command's arguments (without the command's name); bad ones throw a UsageError. */
export function parseFlags(spec: CommandSpec, argv: string[]): ParsedFlags {
    let parsed: ParsedFlags | undefined;
    try {
        commandOf(spec, (flags) => (parsed = flags)).parse(argv, { from: "user" });
    } catch (error) {
        throw usageErrorOf(spec.name, error, invocation(spec));
    }
    if (!parsed) throw new UsageError(`${spec.name}: nothing parsed (see ${invocation(spec)} --help)`);
    return parsed;
}

/** What a person types for the command: `pa <name>`, or its own program. */
function invocation(spec: CommandSpec): string {
    return spec.program ?? `pa ${spec.name}`;
}

/** --help or --version answered: the parse ended without an error (exit code 0). */
export function answeredHelp(error: unknown): boolean {
    return error instanceof CommanderError && error.exitCode === 0;
}

/** commander's message as our UsageError, saying where the help is (`invocation --help`); help answered stays as it is. */
export function usageErrorOf(command: string, error: unknown, invocation = command === "pa" ? "pa" : `pa ${command}`): Error {
    if (!(error instanceof CommanderError) || answeredHelp(error)) return error as Error;
    const message = error.message.replace(/^error: /, "");
    return new UsageError(`${command}: ${message} (see ${invocation} --help)`);
}

export function numberFlag(flags: ParsedFlags, name: string, fallback: number): number {
    const raw = flags.get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (raw === true || !Number.isFinite(value) || value <= 0) throw new UsageError(`--${name} must be a positive number, got '${raw}'`);
    return value;
}

function camel(name: string): string {
    return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
