// The stack's restic backups as resources: the repository's password (generated, a Pulumi secret, the
// only key to the backups), the repository volume on the stack's host (kept when the stack is
// destroyed: backups must outlive what they back up) and the pinned restic image. `pa backup` runs them.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackupRepository, repositoryMountSource } from "../model/backup";

export interface BackupsArgs {
    /** Where the repository lives on the stack's host. */
    repository: BackupRepository;
    /** The pinned restic image. */
    image: string;
    /** Labels for the repository volume (the stack's labels). */
    labels: Record<string, string>;
    /** Refuse to delete the repository volume from Pulumi as well (production). */
    protect: boolean;
}

export class Backups extends pulumi.ComponentResource {
    /** The repository's password, secret. */
    readonly password: pulumi.Output<string>;
    /** The volume name or host path of the repository. */
    readonly repositorySource: pulumi.Output<string>;
    /** The restic image reference. */
    readonly image: pulumi.Output<string>;

    constructor(name: string, args: BackupsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Backups", name, {}, opts);
        const password = new random.RandomPassword("backup-password", { length: 48, special: false }, { parent: this });
        this.password = pulumi.secret(password.result);
        if (args.repository.kind === "volume") {
            const volume = new docker.Volume(
                "backup-repository",
                { name: args.repository.name, labels: Object.entries(args.labels).map(([label, value]) => ({ label, value })) },
                { parent: this, protect: args.protect, retainOnDelete: true },
            );
            this.repositorySource = volume.name;
        } else {
            this.repositorySource = pulumi.output(repositoryMountSource(args.repository));
        }
        const image = new docker.RemoteImage("restic-image", { name: args.image, keepLocally: true }, { parent: this });
        this.image = image.name;
        this.registerOutputs({ password: this.password, repositorySource: this.repositorySource, image: this.image });
    }
}
