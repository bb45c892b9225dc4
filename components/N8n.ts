// n8n workflow automation. What the container is made of is decided in model/.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type N8nArgs = ServiceArgs;

export class N8n extends ServiceContainer {
    constructor(name: string, args: N8nArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:N8n", name, args, opts);
    }
}
