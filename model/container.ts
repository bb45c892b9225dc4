// What every container of the ecosystem has in common, as plain data: the components turn a
// ContainerSpec into Docker resources, and tests assert on specs without any mocks.
import { CONTAINER_PORTS, DATABASE_PORT_KEYS, PortKey, ResourceLimit, Service, StackConfig } from "../config/schema";
import { ContainerSecurity, containerSecurity } from "./hardening";
import { ContainerRole, HOSTNAMES, NetworkRole, SERVICE_LABEL, stackLabels, containerName, volumeName } from "./names";

export interface PublishedPort {
    /** Port inside the container. */
    internal: number;
    /** Port on the Docker host. */
    external: number;
    /** Host address the port binds to. */
    ip: string;
}

export interface NetworkAttachment {
    role: NetworkRole;
    /** Names other containers on the network reach this one by. */
    aliases: string[];
}

export interface VolumeMount {
    /** What the volume holds, e.g. "data" or "logs". */
    purpose: string;
    /** Docker volume name. */
    volume: string;
    /** Mount path inside the container. */
    containerPath: string;
}

export interface Healthcheck {
    test: string[];
    interval: string;
    timeout: string;
    retries: number;
    startPeriod: string;
}

export interface FileUpload {
    /** Absolute path inside the container. */
    file: string;
    content: string;
    executable: boolean;
}

/**
 * How a container is replaced when its spec changes. Databases and the gateway own fixed names, host
 * ports or data files, so the old one stops first. Apps sit behind the gateway: the new one starts next
 * to the old one, which is removed only once the new one is healthy.
 */
export type Rollout = "stop-old-first" | "start-new-first";

/** What a container is to the environment; decides its networks, name and rollout. */
export type Tier = "database" | "app" | "gateway";

export interface ContainerSpec {
    service: ContainerRole;
    /** Fixed Docker name; absent for start-new-first containers, which Pulumi names per replacement. */
    name?: string;
    rollout: Rollout;
    image: string;
    /** Values may hold secret markers (see secrets.ts). */
    env: Record<string, string>;
    ports: PublishedPort[];
    networks: NetworkAttachment[];
    volumes: VolumeMount[];
    healthcheck: Healthcheck;
    limits?: ResourceLimit;
    /** Capabilities, no-new-privileges and the pids limit (model/hardening.ts). */
    security: ContainerSecurity;
    labels: Record<string, string>;
    restart: "unless-stopped";
    logOpts: Record<string, string>;
    /** How long `pulumi up` waits for the container to report healthy. */
    waitTimeoutSeconds: number;
    /** How long a stop waits for a clean shutdown before the process is killed. */
    stopTimeoutSeconds: number;
    uploads: FileUpload[];
}

/** Limits a laptop gets when its stack config names none: the five together fit in 6 GiB. */
export const LAPTOP_DEFAULT_LIMITS: Record<Service, ResourceLimit> = {
    postgres: { memoryMb: 1024, cpus: 1 },
    neo4j: { memoryMb: 1536, cpus: 1 },
    letta: { memoryMb: 1024, cpus: 1 },
    openWebui: { memoryMb: 1536, cpus: 1 },
    n8n: { memoryMb: 1024, cpus: 1 },
};

/**
 * Limits a server gets when its stack config names none: memory only, generous, so one service that
 * runs away (a leak, a huge query) is stopped before it starves the others, production included.
 */
export const SERVER_DEFAULT_LIMITS: Record<Service, ResourceLimit> = {
    postgres: { memoryMb: 4096 },
    neo4j: { memoryMb: 4096 },
    letta: { memoryMb: 4096 },
    openWebui: { memoryMb: 4096 },
    n8n: { memoryMb: 2048 },
};

/** Configured limits apply on any profile; without them a container gets its profile's defaults. */
export function effectiveLimits(cfg: StackConfig, service: Service): ResourceLimit {
    return cfg.limits[service] ?? (cfg.hostProfile === "laptop" ? LAPTOP_DEFAULT_LIMITS : SERVER_DEFAULT_LIMITS)[service];
}

export function publishedPorts(cfg: StackConfig, keys: readonly PortKey[]): PublishedPort[] {
    return keys.flatMap((key) => {
        const external = cfg.ports[key];
        return external === undefined ? [] : [{ internal: CONTAINER_PORTS[key], external, ip: bindAddressOf(cfg, key) }];
    });
}

/**
 * Databases live on the internal backend network only; Docker cannot publish a port of a container
 * that is only on an internal network, so a staging database that publishes a port also joins the
 * front network. Apps are on both; the gateway, which publishes the apps, on the front network only.
 */
export function networkAttachments(role: ContainerRole, tier: Tier, ports: PublishedPort[]): NetworkAttachment[] {
    const backend: NetworkAttachment = { role: "backend", aliases: [HOSTNAMES[role]] };
    const frontend: NetworkAttachment = { role: "frontend", aliases: [HOSTNAMES[role]] };
    if (tier === "gateway") return [frontend];
    if (tier === "database" && ports.length === 0) return [backend];
    return [backend, frontend];
}

export function healthcheck(test: string, startPeriodSeconds: number): Healthcheck {
    return {
        test: ["CMD-SHELL", test],
        // Short, so a rollout or rollback learns within seconds that a container is ready.
        interval: goDuration(5),
        timeout: goDuration(5),
        retries: 5,
        startPeriod: goDuration(startPeriodSeconds),
    };
}

/**
 * Durations as the Docker provider reads them back from the engine (Go's format: "1m30s"), so a
 * second `pulumi up` sees no difference and does not replace the container.
 */
export function goDuration(seconds: number): string {
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/** CPUs as the provider reads them back ("1.0", "0.5"); the schema allows one decimal. */
export function cpusValue(cpus: number): string {
    return cpus.toFixed(1);
}

/**
 * Swap limit (memory + swap) in MiB. Docker's own default is twice the memory limit; stating it
 * keeps the provider from reporting a difference on every update.
 */
export function memorySwapMb(limit: ResourceLimit): number {
    return limit.memoryMb * 2;
}

export interface BaseSpecArgs {
    service: ContainerRole;
    tier: Tier;
    image: string;
    env: Record<string, string>;
    /** Host ports the container itself publishes (apps publish through the gateway). */
    portKeys?: readonly PortKey[];
    /** Volume purpose -> mount path. */
    volumes: Record<string, string>;
    healthcheck: Healthcheck;
    /** The default wait for healthy: long enough for a first start's migrations. */
    waitTimeoutSeconds: number;
    /** Databases need longer than Docker's 10 s default to shut down without losing writes. */
    stopTimeoutSeconds?: number;
    uploads?: FileUpload[];
    /** Limits for a container the stack config does not size (the gateway). */
    fixedLimits?: ResourceLimit;
}

export function containerSpec(cfg: StackConfig, args: BaseSpecArgs): ContainerSpec {
    const ports = publishedPorts(cfg, args.portKeys ?? []);
    const rollout: Rollout = args.tier === "app" ? "start-new-first" : "stop-old-first";
    return {
        service: args.service,
        name: rollout === "stop-old-first" ? containerName(cfg.stack, args.service) : undefined,
        rollout,
        image: args.image,
        env: args.env,
        ports,
        networks: networkAttachments(args.service, args.tier, ports),
        volumes: Object.entries(args.volumes).map(([purpose, containerPath]) => ({
            purpose,
            volume: volumeName(cfg.stack, args.service, purpose),
            containerPath,
        })),
        healthcheck: args.healthcheck,
        limits: args.service === "gateway" ? args.fixedLimits : effectiveLimits(cfg, args.service),
        security: containerSecurity(args.service, args.service === "gateway" ? undefined : cfg.limits[args.service]?.pids),
        labels: {
            ...stackLabels(cfg.stack),
            "pa.environment": cfg.environment,
            [SERVICE_LABEL]: args.service,
        },
        restart: "unless-stopped",
        logOpts: { "max-size": "10m", "max-file": "3" },
        waitTimeoutSeconds: cfg.healthWaitSeconds ?? args.waitTimeoutSeconds,
        stopTimeoutSeconds: args.stopTimeoutSeconds ?? 15,
        uploads: args.uploads ?? [],
    };
}

/**
 * The address a port binds to: pa:bindAddress, except that a database (published in staging only, for
 * inspection) stays on a loopback address when the apps are opened to a network: a database port on a
 * network is a login prompt away from the data.
 */
export function bindAddressOf(cfg: StackConfig, key: PortKey): string {
    if (!DATABASE_PORT_KEYS.includes(key) || cfg.bindAddress.startsWith("127.")) return cfg.bindAddress;
    return "127.0.0.1";
}

/** The URL a person opens for a published port. */
export function localUrl(cfg: StackConfig, key: PortKey, scheme = "http"): string | undefined {
    const port = cfg.ports[key];
    if (port === undefined) return undefined;
    const address = bindAddressOf(cfg, key);
    const host = address === "0.0.0.0" ? "localhost" : address;
    return `${scheme}://${host}:${port}`;
}
