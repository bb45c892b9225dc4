// The production -> staging data sync of a staging stack, as a Command resource: it runs the sync CLI
// when pa:sync.request changes (scripts/sync-production-data.sh bumps it), so every sync is an update
// in the stack's history. One Command for the databases, the graph and the files together: the CLI
// swaps them in only when all are verified, so a failed part leaves every part of staging as it was.
// The pseudonym key is not here: it is a secret of the production stack, read only by the sync's
// sidecars on production's host (components/SyncKey.ts).
// The command names the CLI relative to the Pulumi program's folder: without `dir`, the command
// provider runs it in its own working directory, which the engine sets to the program's folder. So the
// resource does not change when the checkout moves or differs between machines.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SyncTarget, syncEnvironment } from "../model/sync";

/** The sync command, relative to the Pulumi program's folder (this repository's root). */
export const SYNC_COMMAND = "node -r ts-node/register/transpile-only sync/cli.ts --json";

export interface DataSyncArgs {
    /** Where production and staging run, and whether personal data is replaced. */
    target: SyncTarget;
    /** The value of pa:sync.request; a new value runs a sync. */
    request: number | string;
    /** Resources that must exist before a sync (staging's databases). */
    dependsOn: pulumi.Resource[];
}

export class DataSync extends pulumi.ComponentResource {
    /** The sync's JSON summary line, as the CLI printed it: tables, counts and seconds, never a value. */
    readonly summary: pulumi.Output<string>;

    constructor(name: string, args: DataSyncArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:DataSync", name, {}, opts);
        const sync = new command.local.Command(
            "sync-production-data",
            {
                create: SYNC_COMMAND,
                environment: syncEnvironment(args.target),
                triggers: [args.request],
                logging: "stdoutAndStderr",
            },
            { parent: this, dependsOn: args.dependsOn },
        );
        this.summary = sync.stdout.apply(summaryLine);
        this.registerOutputs({ summary: this.summary });
    }
}

/** The CLI's last JSON line (its --json summary), or "" when it printed none. */
export function summaryLine(stdout: string): string {
    return (stdout ?? "").split("\n").reverse().find((line) => line.startsWith("{")) ?? "";
}
