// Every password and key of an environment, generated once by @pulumi/random and kept as a
// Pulumi secret in the stack's state (never in a Pulumi.<stack>.yaml file).
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GENERATED_SECRETS, GeneratedSecret } from "../model/secrets";

export interface SecretsArgs {
    /** Length of each generated value; letters and digits only, so values are safe inside URIs. */
    length: number;
}

export class Secrets extends pulumi.ComponentResource {
    /** Each generated secret by name, marked secret. */
    readonly values: Record<GeneratedSecret, pulumi.Output<string>>;

    constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Secrets", name, {}, opts);
        const entries = GENERATED_SECRETS.map((secret) => {
            const password = new random.RandomPassword(
                secret,
                { length: args.length, special: false },
                { parent: this },
            );
            return [secret, pulumi.secret(password.result)] as const;
        });
        this.values = Object.fromEntries(entries) as Record<GeneratedSecret, pulumi.Output<string>>;
        this.registerOutputs({ values: this.values });
    }
}
