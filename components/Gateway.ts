// HAProxy in front of the apps: owns their host ports so an app can be replaced without closing them.
// What the container is made of is decided in model/gateway.ts.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type GatewayArgs = ServiceArgs;

export class Gateway extends ServiceContainer {
    constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Gateway", name, args, opts);
    }
}
