// Everything one environment is made of, decided from its config alone.
import { PortKey, Service, StackConfig } from "../config/schema";
import { ContainerSpec, localUrl } from "./container";
import { gatewaySpec } from "./gateway";
import { lettaSpec } from "./letta";
import { NetworkRole, networkName } from "./names";
import { n8nSpec, n8nUrl } from "./n8n";
import { neo4jSpec } from "./neo4j";
import { openWebuiSpec, openWebuiUrl } from "./openWebui";
import { postgresSpec } from "./postgres";

export interface NetworkSpec {
    role: NetworkRole;
    name: string;
    /** An internal network has no route out of the host. */
    internal: boolean;
}

export interface EnvironmentSpec {
    networks: NetworkSpec[];
    containers: Record<Service, ContainerSpec>;
    /** Publishes the apps' ports and forwards them to the healthy copies of each app. */
    gateway: ContainerSpec;
    /** Services that start only once Postgres reports healthy. */
    dependsOnPostgres: Service[];
    /** What a person opens: each published endpoint's URL. */
    urls: Partial<Record<PortKey, string>>;
}

export interface ProviderKeys {
    openai: boolean;
    anthropic: boolean;
}

export function environmentSpec(cfg: StackConfig, providerKeys: ProviderKeys): EnvironmentSpec {
    const urls: Partial<Record<PortKey, string>> = {
        letta: localUrl(cfg, "letta"),
        openWebui: openWebuiUrl(cfg),
        n8n: n8nUrl(cfg),
        postgres: localUrl(cfg, "postgres", "postgresql"),
        neo4jHttp: localUrl(cfg, "neo4jHttp"),
        neo4jBolt: localUrl(cfg, "neo4jBolt", "bolt"),
    };
    return {
        networks: [
            { role: "backend", name: networkName(cfg.stack, "backend"), internal: true },
            { role: "frontend", name: networkName(cfg.stack, "frontend"), internal: false },
        ],
        containers: {
            postgres: postgresSpec(cfg),
            neo4j: neo4jSpec(cfg),
            letta: lettaSpec(cfg, providerKeys),
            openWebui: openWebuiSpec(cfg, providerKeys),
            n8n: n8nSpec(cfg),
        },
        gateway: gatewaySpec(cfg),
        dependsOnPostgres: ["letta", "openWebui", "n8n"],
        urls: Object.fromEntries(Object.entries(urls).filter(([, url]) => url !== undefined)),
    };
}
