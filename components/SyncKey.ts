// The pseudonym key of laptop syncs, as a secret of the production stack: generated here, written into
// a volume on production's host, and read from there only by the sync's sidecars (they mount it
// read-only). The sync CLI, which runs on the laptop, never holds it, so whoever has the laptop cannot
// test guessed addresses or names against the pseudonyms.
// The file is written by Docker's upload into a container that is created and never started: the
// provider copies uploads into a created container's volumes, and no process needs to run for it.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { NO_NEW_PRIVILEGES } from "../model/hardening";
import { SYNC_KEY_DIR, SYNC_KEY_FILE, SYNC_KEY_HOLDER_MEMORY_MB } from "../model/sync";

export interface SyncKeyArgs {
    /** The volume the sidecars mount (syncKeyVolumeName of the stack). */
    volumeName: string;
    /** An image already on the host for the never-started holder container (the stack's Postgres image). */
    image: pulumi.Input<string>;
    /** Labels for the volume and the holder (the stack's labels). */
    labels: Record<string, string>;
}

export class SyncKey extends pulumi.ComponentResource {
    /** The volume holding the key. */
    readonly volumeName: pulumi.Output<string>;

    constructor(name: string, args: SyncKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:SyncKey", name, {}, opts);
        const key = new random.RandomPassword("sync-pseudonym-key", { length: 48, special: false }, { parent: this });
        const labels = Object.entries(args.labels).map(([label, value]) => ({ label, value }));
        const volume = new docker.Volume("sync-key", { name: args.volumeName, labels }, { parent: this });
        new docker.Container(
            "sync-key-holder",
            {
                name: args.volumeName,
                image: args.image,
                labels,
                start: false,
                mustRun: false,
                networkMode: "none",
                // Hardened like every other container, although it never runs.
                capabilities: { drops: ["ALL"] },
                securityOpts: [NO_NEW_PRIVILEGES],
                memory: SYNC_KEY_HOLDER_MEMORY_MB,
                memorySwap: SYNC_KEY_HOLDER_MEMORY_MB,
                volumes: [{ volumeName: volume.name, containerPath: SYNC_KEY_DIR }],
                uploads: [{ file: `${SYNC_KEY_DIR}/${SYNC_KEY_FILE}`, content: pulumi.secret(key.result) }],
            },
            // A new key replaces the file: the old holder goes first, its name is fixed.
            { parent: this, deleteBeforeReplace: true },
        );
        this.volumeName = volume.name;
        this.registerOutputs({ volumeName: this.volumeName });
    }
}
