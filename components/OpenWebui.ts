// Open WebUI chat interface. What the container is made of is decided in model/.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type OpenWebuiArgs = ServiceArgs;

export class OpenWebui extends ServiceContainer {
    constructor(name: string, args: OpenWebuiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:OpenWebui", name, args, opts);
    }
}
