// One whole environment: secrets, networks and the five services, wired together.
import * as pulumi from "@pulumi/pulumi";
import { PortKey, Service, StackConfig } from "../config/schema";
import { environmentSpec } from "../model/environment";
import { NetworkRole, stackLabels } from "../model/names";
import { Gateway } from "./Gateway";
import { Letta } from "./Letta";
import { N8n } from "./N8n";
import { Neo4j } from "./Neo4j";
import { Networks } from "./Networks";
import { OpenWebui } from "./OpenWebui";
import { Postgres } from "./Postgres";
import { Secrets } from "./Secrets";
import { ServiceArgs, ServiceContainer } from "./ServiceContainer";
import { SecretValues } from "./dockerContainer";

export interface EnvironmentArgs {
    /** The validated stack config. */
    config: StackConfig;
    /** Optional LLM provider keys from secret stack config. */
    providerKeys: { openai?: pulumi.Output<string>; anthropic?: pulumi.Output<string> };
}

export class Environment extends pulumi.ComponentResource {
    /** What a person opens, per published endpoint. */
    readonly urls: Partial<Record<PortKey, string>>;
    /** Container names per service. */
    readonly containers: Record<Service, pulumi.Output<string>>;
    /** The gateway's container name. */
    readonly gatewayContainer: pulumi.Output<string>;
    /** Network names per role. */
    readonly networks: Record<NetworkRole, pulumi.Output<string>>;
    /** Volume names per service and purpose. */
    readonly volumes: Record<Service, pulumi.Output<Record<string, string>>>;
    /** Image reference per service. */
    readonly images: Record<Service, string>;
    /** Generated secrets, for the operator commands (health checks, workflow tests). */
    readonly secrets: SecretValues;

    constructor(name: string, args: EnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("pa:index:Environment", name, {}, opts);
        const cfg = args.config;
        const spec = environmentSpec(cfg, {
            openai: args.providerKeys.openai !== undefined,
            anthropic: args.providerKeys.anthropic !== undefined,
        });
        const secrets = new Secrets("secrets", { length: 40 }, { parent: this });
        this.secrets = {
            ...secrets.values,
            openaiApiKey: args.providerKeys.openai,
            anthropicApiKey: args.providerKeys.anthropic,
        };
        const networks = new Networks(
            "networks",
            { networks: spec.networks, labels: stackLabels(cfg.stack) },
            { parent: this },
        );
        let postgres: Postgres | undefined;
        const argsFor = (service: Service): ServiceArgs => ({
            spec: spec.containers[service],
            secrets: this.secrets,
            networks: networks.names,
            protectVolumes: cfg.environment === "production",
            dockerHost: cfg.dockerHost,
            sshKnownHosts: cfg.sshKnownHosts,
            dependsOn: postgres && spec.dependsOnPostgres.includes(service) ? [postgres.container] : undefined,
        });
        postgres = new Postgres("postgres", argsFor("postgres"), { parent: this });
        const services: Record<Service, ServiceContainer> = {
            postgres,
            neo4j: new Neo4j("neo4j", argsFor("neo4j"), { parent: this }),
            letta: new Letta("letta", argsFor("letta"), { parent: this }),
            openWebui: new OpenWebui("open-webui", argsFor("openWebui"), { parent: this }),
            n8n: new N8n("n8n", argsFor("n8n"), { parent: this }),
        };
        const gateway = new Gateway(
            "gateway",
            { spec: spec.gateway, secrets: {}, networks: networks.names, protectVolumes: false, dockerHost: cfg.dockerHost, sshKnownHosts: cfg.sshKnownHosts },
            { parent: this },
        );
        const each = <T>(pick: (s: ServiceContainer) => T) =>
            Object.fromEntries(Object.entries(services).map(([key, s]) => [key, pick(s)])) as Record<Service, T>;
        this.urls = spec.urls;
        this.containers = each((s) => s.containerName);
        this.gatewayContainer = gateway.containerName;
        this.volumes = each((s) => s.volumeNames);
        this.images = each((s) => s.image);
        this.networks = networks.names;
        this.registerOutputs({
            urls: this.urls,
            containers: this.containers,
            gatewayContainer: this.gatewayContainer,
            networks: this.networks,
            volumes: this.volumes,
            images: this.images,
        });
    }
}
