// Neo4j Community: auth from a generated password, /data and /logs on volumes.
import { ResourceLimit, StackConfig } from "../config/schema";
import { ContainerSpec, containerSpec, effectiveLimits, healthcheck } from "./container";
import { secretRef } from "./secrets";

/**
 * Within a memory limit the JVM heap and page cache must be sized explicitly, or Neo4j sizes them
 * from the host's memory and the kernel kills the container.
 */
export function neo4jMemorySettings(limit: ResourceLimit | undefined): Record<string, string> {
    if (!limit) return {};
    const heapMb = Math.floor(limit.memoryMb * 0.5);
    const pageCacheMb = Math.floor(limit.memoryMb * 0.25);
    return {
        NEO4J_server_memory_heap_initial__size: `${heapMb}m`,
        NEO4J_server_memory_heap_max__size: `${heapMb}m`,
        NEO4J_server_memory_pagecache_size: `${pageCacheMb}m`,
    };
}

export function neo4jSpec(cfg: StackConfig): ContainerSpec {
    return containerSpec(cfg, {
        tier: "database",
        service: "neo4j",
        image: cfg.images.neo4j,
        env: {
            NEO4J_AUTH: `neo4j/${secretRef("neo4jPassword")}`,
            ...neo4jMemorySettings(effectiveLimits(cfg, "neo4j")),
            ...(cfg.debug ? { NEO4J_server_logs_debug_level: "DEBUG" } : {}),
        },
        portKeys: cfg.environment === "staging" ? ["neo4jHttp", "neo4jBolt"] : [],
        volumes: { data: "/data", logs: "/logs" },
        // The official image ships wget; curl is the fallback for images that only have curl.
        healthcheck: healthcheck(
            "wget -q --spider http://localhost:7474/ 2>/dev/null || curl -fsS -o /dev/null http://localhost:7474/",
            60,
        ),
        waitTimeoutSeconds: 240,
        stopTimeoutSeconds: 60,
    });
}
