// PostgreSQL with pgvector, holding one database and role per app. What the container is made of is decided in model/.
import * as pulumi from "@pulumi/pulumi";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";

export type PostgresArgs = ServiceArgs;

export class Postgres extends ServiceContainer {
    constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Postgres", name, args, opts);
    }
}
