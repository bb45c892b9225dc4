// Docker object names for a stack. Every name starts with `pa-<stack>-` so two stacks can share one
// engine (staging-server next to production) and the operator commands can find what a stack owns.
import { Service } from "../config/schema";

/** A container of the stack: one of the five services, or the gateway that publishes the apps. */
export type ContainerRole = Service | "gateway";

/** The short host name each container answers to on its stack's networks. */
export const HOSTNAMES: Record<ContainerRole, string> = {
    postgres: "postgres",
    neo4j: "neo4j",
    letta: "letta",
    openWebui: "open-webui",
    n8n: "n8n",
    gateway: "gateway",
};

export type NetworkRole = "backend" | "frontend";

/** Labels on every container: how tools find a stack's containers whatever their names. */
export const STACK_LABEL = "pa.stack";
export const SERVICE_LABEL = "pa.service";
/** Marks the scratch containers, volumes and networks of backup runs, by kind (backup, drill). */
export const SCRATCH_LABEL = "pa.backup.scratch";
/** Marks the scratch containers, volumes and networks of a sync run, by its id. */
export const SYNC_RUN_LABEL = "pa.sync.run";

/** The labels every Docker object of a stack carries (containers add their environment and service). */
export function stackLabels(stack: string): Record<string, string> {
    return { "pa.project": "pa-ecosystem", [STACK_LABEL]: stack };
}

export function namePrefix(stack: string): string {
    return `pa-${stack}`;
}

/** The fixed name of a stop-old-first container (apps get a new name per replacement, see Pulumi.yaml). */
export function containerName(stack: string, service: ContainerRole): string {
    return `${namePrefix(stack)}-${HOSTNAMES[service]}`;
}

export function networkName(stack: string, role: NetworkRole): string {
    return `${namePrefix(stack)}-${role}`;
}

export function volumeName(stack: string, service: ContainerRole, purpose: string): string {
    return `${namePrefix(stack)}-${HOSTNAMES[service]}-${purpose}`;
}
