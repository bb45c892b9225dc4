// Letta agent server. What the container is made of is decided in model/.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type LettaArgs = ServiceArgs;

export class Letta extends ServiceContainer {
    constructor(name: string, args: LettaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Letta", name, args, opts);
    }
}
