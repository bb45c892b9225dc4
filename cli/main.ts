// The operator command line: `npm run pa -- <command> [options]`, or the scripts/ wrappers.
import { CommandSpec, helpText, parseFlags, ParsedFlags } from "./args";
import { UsageError } from "../platform/errors";
import { PulumiLockedError } from "./stacks/engine";
import { EXIT, EXIT_CODES_HELP } from "../platform/exitCodes";
import { LockedError } from "../platform/lock";
import { redact } from "../platform/log";
import * as backup from "./commands/backup";
import * as cleanup from "./commands/cleanup";
import * as deploy from "./commands/deploy";
import * as health from "./commands/health";
import * as promote from "./commands/promote";
import * as rollback from "./commands/rollback";
import * as testWorkflows from "./commands/testWorkflows";

interface Command {
    spec: CommandSpec;
    run(flags: ParsedFlags): Promise<number>;
}

const COMMANDS: Command[] = [deploy, health, testWorkflows, promote, rollback, backup, cleanup];

function overview(): string {
    return [
        "pa: the operator workflow of the pa-ecosystem stacks (docs/operator-guide.md)",
        "",
        "usage: pa <command> [options]    (pa <command> --help for its options)",
        "",
        ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(16)}${c.spec.summary}`),
        "",
        EXIT_CODES_HELP,
        "DEBUG=true prints the detailed output (engine lines, waits) and logs it.",
        "PA_DOCKER_HOST=ssh://you@server sends the Docker calls there instead of the stack's recorded pa:dockerHost",
        "(a stack deployed on its server records its local socket; this names it as seen from here).",
    ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
    const [name, ...rest] = argv;
    if (!name || name === "--help" || name === "-h" || name === "help") {
        process.stdout.write(`${overview()}\n`);
        return name ? EXIT.ok : EXIT.usage;
    }
    const command = COMMANDS.find((c) => c.spec.name === name);
    if (!command) {
        process.stderr.write(`unknown command '${name}'\n\n${overview()}\n`);
        return EXIT.usage;
    }
    if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(`${helpText(command.spec)}\n`);
        return EXIT.ok;
    }
    try {
        return await command.run(parseFlags(command.spec, rest));
    } catch (error) {
        const text = redact(String((error as Error)?.message ?? error));
        process.stderr.write(error instanceof UsageError ? `${text}\n` : `${name}: ${text}\n`);
        if (process.env.DEBUG === "true" && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
        if (error instanceof UsageError) return EXIT.usage;
        if (error instanceof LockedError || error instanceof PulumiLockedError) return EXIT.locked;
        return EXIT.failed;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
