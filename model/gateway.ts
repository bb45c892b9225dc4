// The gateway: one HAProxy that owns the apps' host ports and forwards each to whichever copies of the
// app answer its health endpoint. It is what lets a new app container start next to the old one
// during a promote or rollback and take over without the port ever closing.
import { APP_SERVICES, AppService, CONTAINER_PORTS, StackConfig } from "../config/schema";
import { ContainerSpec, containerSpec, healthcheck } from "./container";
import { HOSTNAMES } from "./names";

/** Where the config file goes in the official haproxy image, which reads it by default. */
export const GATEWAY_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg";

/** A port inside the gateway that answers 200 while HAProxy runs; never published. */
export const GATEWAY_MONITOR_PORT = 8404;

/** The most copies of one app the gateway tracks at once (old and new during a rollout, and spares). */
const MAX_COPIES = 4;

export interface GatewayRoute {
    service: AppService;
    /** The app's alias on the front network; resolves to every running copy. */
    hostname: string;
    /** The port the app listens on, which the gateway also listens on. */
    port: number;
    /** Path that answers 200 only when the copy can serve. */
    healthPath: string;
}

/** Readiness, not mere liveness: n8n's answers 200 only once its database is migrated and connected. */
const HEALTH_PATHS: Record<AppService, string> = {
    letta: "/v1/health/",
    openWebui: "/health",
    n8n: "/healthz/readiness",
};

export function gatewayRoutes(): GatewayRoute[] {
    return APP_SERVICES.map((service) => ({
        service,
        hostname: HOSTNAMES[service],
        port: CONTAINER_PORTS[service],
        healthPath: HEALTH_PATHS[service],
    }));
}

/**
 * TCP proxying keeps the gateway out of the apps' protocols (WebSockets, server-sent streams, large
 * uploads). Docker's DNS is asked every second, so a new copy is found within a second of its start;
 * each copy is checked every second and gets traffic only once its health path answers, and a
 * connection refused by a stopping copy is retried on another.
 */
export function haproxyConfig(routes: GatewayRoute[]): string {
    const lines = [
        "global",
        // Notice and above only: copies marked up or down, not every connection.
        "    log stdout format raw local0 notice",
        "    maxconn 2000",
        "    hard-stop-after 10s",
        "",
        "resolvers docker",
        "    nameserver docker 127.0.0.11:53",
        "    resolve_retries 3",
        "    timeout resolve 1s",
        "    timeout retry 1s",
        "    hold valid 1s",
        "    hold nx 1s",
        "    hold obsolete 1s",
        "",
        "defaults",
        "    log global",
        "    mode tcp",
        "    timeout connect 2s",
        "    timeout client 1h",
        "    timeout server 1h",
        "    retries 3",
        "    option redispatch 1",
        "    default-server init-addr none resolvers docker check inter 1s fall 2 rise 1",
        "",
        "frontend monitor",
        "    mode http",
        `    bind 127.0.0.1:${GATEWAY_MONITOR_PORT}`,
        "    monitor-uri /healthz",
    ];
    for (const route of routes) {
        lines.push(
            "",
            `frontend ${route.hostname}`,
            `    bind :${route.port}`,
            `    default_backend ${route.hostname}`,
            "",
            `backend ${route.hostname}`,
            "    option httpchk",
            `    http-check send meth GET uri ${route.healthPath}`,
            "    http-check expect status 200",
            `    server-template ${route.hostname}- ${MAX_COPIES} ${route.hostname}:${route.port}`,
        );
    }
    return lines.join("\n") + "\n";
}

export function gatewaySpec(cfg: StackConfig): ContainerSpec {
    const routes = gatewayRoutes();
    return containerSpec(cfg, {
        tier: "gateway",
        service: "gateway",
        image: cfg.images.gateway,
        env: {},
        portKeys: routes.map((r) => r.service),
        volumes: {},
        // The official image has bash but neither curl nor wget.
        healthcheck: healthcheck(
            `bash -c 'exec 3<>/dev/tcp/127.0.0.1/${GATEWAY_MONITOR_PORT} && printf "GET /healthz HTTP/1.0\\r\\n\\r\\n" >&3 && head -c 12 <&3 | grep -q " 200"'`,
            10,
        ),
        waitTimeoutSeconds: 60,
        uploads: [{ file: GATEWAY_CONFIG_PATH, content: haproxyConfig(routes), executable: false }],
        fixedLimits: { memoryMb: 128, cpus: 0.5 },
    });
}
