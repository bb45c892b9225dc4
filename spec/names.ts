// Docker object names for a stack. Every name starts with `pa-<stack>-` so two stacks can share one
// engine (staging-server next to production) and the operator commands can find what a stack owns.
import { Service } from "../config/schema";

/** The short host name each service answers to on its stack's networks. */
export const HOSTNAMES: Record<Service, string> = {
    postgres: "postgres",
    neo4j: "neo4j",
    letta: "letta",
    openWebui: "open-webui",
    n8n: "n8n",
};

export type NetworkRole = "backend" | "frontend";

export function namePrefix(stack: string): string {
    return `pa-${stack}`;
}

export function containerName(stack: string, service: Service): string {
    return `${namePrefix(stack)}-${HOSTNAMES[service]}`;
}

export function networkName(stack: string, role: NetworkRole): string {
    return `${namePrefix(stack)}-${role}`;
}

export function volumeName(stack: string, service: Service, purpose: string): string {
    return `${namePrefix(stack)}-${HOSTNAMES[service]}-${purpose}`;
}
