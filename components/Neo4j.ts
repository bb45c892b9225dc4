// Neo4j Community graph database. What the container is made of is decided in model/.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type Neo4jArgs = ServiceArgs;

export class Neo4j extends ServiceContainer {
    constructor(name: string, args: Neo4jArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Neo4j", name, args, opts);
    }
}
