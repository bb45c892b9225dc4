// The operator command line `pa` (bin/pa.js, `npx pa`, `npm run pa --`, or the scripts/ wrappers).
// Commands load what they run only when chosen, so `pa --help` answers without the Automation API.
import { Command, CommanderError } from "commander";
import { answeredHelp, commandOf, ParsedFlags, usageErrorOf } from "../platform/args";
import { UsageError } from "../platform/errors";
import { PulumiLockedError } from "./stacks/engine";
import { EXIT, EXIT_CODES_HELP } from "../platform/exitCodes";
import { LockedError } from "../platform/lock";
import { redact } from "../platform/log";
import { projectVersion } from "../platform/project";
import * as backup from "./commands/backup";
import * as cleanup from "./commands/cleanup";
import * as deploy from "./commands/deploy";
import * as drift from "./commands/drift";
import * as health from "./commands/health";
import * as promote from "./commands/promote";
import * as rollback from "./commands/rollback";
import * as sync from "./commands/sync";
import * as testWorkflows from "./commands/testWorkflows";

interface PaCommand {
    spec: typeof health.spec;
    run(flags: ParsedFlags): Promise<number>;
}

const COMMANDS: PaCommand[] = [deploy, sync, health, testWorkflows, promote, rollback, backup, cleanup, drift];

const ENVIRONMENT_HELP = [
    "",
    EXIT_CODES_HELP,
    "DEBUG=true prints the detailed output (engine lines, waits) and logs it; --quiet prints only warnings, errors and results.",
    "Nothing is coloured (NO_COLOR is honoured by construction).",
    "PA_DOCKER_HOST=ssh://you@server sends the Docker calls there instead of the stack's recorded pa:dockerHost",
    "(a stack deployed on its server records its local socket; this names it as seen from here);",
    "PA_SSH_KNOWN_HOSTS=/path names the known_hosts file for it (pa:sshKnownHosts). An ssh:// stack's URLs are",
    "probed from a one-off container on its host.",
].join("\n");

function program(onChosen: (command: PaCommand, flags: ParsedFlags) => void): Command {
    const pa = new Command("pa")
        .description("pa: the operator workflow of the pa-ecosystem stacks (docs/operator-guide.md)")
        .usage("<command> [options]    (pa <command> --help for its options)")
        .version(projectVersion(), "-V, --version", "print pa's version")
        .helpOption("-h, --help", "show this help")
        .addHelpText("after", ENVIRONMENT_HELP)
        .exitOverride()
        .configureOutput({ outputError: () => undefined });
    for (const command of COMMANDS) pa.addCommand(commandOf(command.spec, (flags) => onChosen(command, flags)));
    return pa;
}

export async function main(argv: string[]): Promise<number> {
    let chosen: { command: PaCommand; flags: ParsedFlags } | undefined;
    const pa = program((command, flags) => (chosen = { command, flags }));
    if (argv.length === 0) {
        process.stderr.write(pa.helpInformation());
        return EXIT.usage;
    }
    // The command is the first plain word (a flag's value such as `--tag health` is not one).
    const first = argv.find((arg) => !arg.startsWith("-"));
    const name = COMMANDS.find((c) => c.spec.name === first)?.spec.name ?? "pa";
    // A script that asked for JSON gets JSON also when the command ends before it could print its own.
    const failed = (code: number, text: string): number => {
        process.stderr.write(`${text}\n`);
        if (argv.includes("--json")) process.stdout.write(`${JSON.stringify({ ok: false, exitCode: code, error: text })}\n`);
        return code;
    };
    // commander answers `pa help <unknown>` with the whole help as an error and no word on the mistake.
    const helpFor = argv[0] === "help" ? argv[1] : undefined;
    if (helpFor === "help") {
        process.stdout.write(pa.helpInformation());
        return EXIT.ok;
    }
    if (helpFor !== undefined && !helpFor.startsWith("-") && !COMMANDS.some((c) => c.spec.name === helpFor)) {
        return failed(EXIT.usage, usageErrorOf("pa", new CommanderError(1, "commander.unknownCommand", `error: unknown command '${helpFor}'`)).message);
    }
    try {
        pa.parse(argv, { from: "user" });
    } catch (error) {
        // --help, --version and `pa help <command>` end the parse with exit code 0.
        if (answeredHelp(error)) return EXIT.ok;
        return failed(EXIT.usage, usageErrorOf(name, error).message);
    }
    if (!chosen) return EXIT.usage;
    try {
        return await chosen.command.run(chosen.flags);
    } catch (error) {
        const text = redact(String((error as Error)?.message ?? error));
        if (process.env.DEBUG === "true" && error instanceof Error && error.stack) process.stderr.write(`${redact(error.stack)}\n`);
        if (error instanceof UsageError) return failed(EXIT.usage, text);
        return failed(error instanceof LockedError || error instanceof PulumiLockedError ? EXIT.locked : EXIT.failed, `${name}: ${text}`);
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code));
}
