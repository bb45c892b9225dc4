// The arguments the benchmarks take: --help (every one), and one whole number with a default and a
// minimum. Exits 0 after the help, 2 (the usage code) on a bad number or an unknown argument.

/** Prints `usage` and exits 0 on -h/--help; exits 2 on any argument other than `flags` and their values. */
export function benchHelp(usage: string, flags: readonly string[] = []): string[] {
    const args = process.argv.slice(2);
    if (args.includes("--help") || args.includes("-h")) {
        process.stdout.write(usage.endsWith("\n") ? usage : `${usage}\n`);
        process.exit(0);
    }
    const unknown = args.find((arg, i) => !flags.includes(arg) && !flags.includes(args[i - 1]));
    if (unknown !== undefined) {
        process.stderr.write(`unknown argument '${unknown}' (see --help)\n`);
        process.exit(2);
    }
    return args;
}

export function benchArgs(usage: string, flag: string, fallback: number, minimum: number): number {
    const args = benchHelp(usage, [flag]);
    const at = args.indexOf(flag);
    const value = at >= 0 ? Number(args[at + 1]) : fallback;
    if (!Number.isInteger(value) || value < minimum) {
        process.stderr.write(`${flag} takes a whole number of at least ${minimum}\n`);
        process.exit(2);
    }
    return value;
}
