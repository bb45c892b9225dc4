// The stack's two networks: an internal backend with no route out, for the databases, and a front
// network for the apps (their published ports and outbound calls to LLM providers).
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { NetworkSpec } from "../model/environment";
import { NetworkRole } from "../model/names";

export interface NetworksArgs {
    /** The networks to create, as decided by model/environment.ts. */
    networks: NetworkSpec[];
    /** Labels naming the project and stack, set on each network. */
    labels: Record<string, string>;
}

export class Networks extends pulumi.ComponentResource {
    /** Network names by role. */
    readonly names: Record<NetworkRole, pulumi.Output<string>>;

    constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Networks", name, {}, opts);
        const labels = Object.entries(args.labels).map(([label, value]) => ({ label, value }));
        const entries = args.networks.map((network) => {
            const made = new docker.Network(
                network.role,
                { name: network.name, internal: network.internal, driver: "bridge", labels },
                { parent: this },
            );
            return [network.role, made.name] as const;
        });
        this.names = Object.fromEntries(entries) as Record<NetworkRole, pulumi.Output<string>>;
        this.registerOutputs({ names: this.names });
    }
}
