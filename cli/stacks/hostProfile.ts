// Which staging stack this machine deploys: a laptop runs staging-laptop, the server staging-server.
// The rule, first match wins (documented in docs/operator-guide.md):
//   1. --env laptop|server (what the person typed wins)     2. PA_HOST_PROFILE=laptop|server
//   3. hostname equals PA_SERVER_HOSTNAME (comma-separated list allowed) -> server
//   4. a battery in /sys/class/power_supply -> laptop
//   5. otherwise laptop (the safe default: limits on, nothing next to production)
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { UsageError } from "../../platform/errors";

export type HostProfile = "laptop" | "server";

export interface HostFacts {
    envProfile?: string;
    flagProfile?: string;
    hostname: string;
    serverHostnames: string[];
    hasBattery: boolean;
}

export interface Detection {
    profile: HostProfile;
    reason: string;
}

export function detectHostProfile(facts: HostFacts): Detection {
    for (const [value, source] of [
        [facts.flagProfile, "--env"],
        [facts.envProfile, "PA_HOST_PROFILE"],
    ] as const) {
        if (value === undefined || value === "") continue;
        if (value !== "laptop" && value !== "server") {
            throw new UsageError(`${source}=${value}: must be 'laptop' or 'server' (for example ${source === "--env" ? "--env laptop" : "PA_HOST_PROFILE=laptop"})`);
        }
        return { profile: value, reason: `${source}=${value}` };
    }
    const hostname = facts.hostname.toLowerCase();
    if (facts.serverHostnames.some((name) => name.toLowerCase() === hostname)) {
        return { profile: "server", reason: `hostname '${facts.hostname}' is listed in PA_SERVER_HOSTNAME` };
    }
    if (facts.hasBattery) return { profile: "laptop", reason: "a battery is present" };
    return { profile: "laptop", reason: "default (no battery, hostname not listed in PA_SERVER_HOSTNAME)" };
}

export function stagingStackFor(profile: HostProfile): string {
    return `staging-${profile}`;
}

/** Reads the facts of this machine. */
export function readHostFacts(flagProfile: string | undefined, env: NodeJS.ProcessEnv = process.env): HostFacts {
    return {
        envProfile: env.PA_HOST_PROFILE,
        flagProfile,
        hostname: os.hostname(),
        serverHostnames: (env.PA_SERVER_HOSTNAME ?? "").split(",").map((s) => s.trim()).filter(Boolean),
        hasBattery: hasBattery("/sys/class/power_supply"),
    };
}

function hasBattery(dir: string): boolean {
    try {
        return fs.readdirSync(dir).some((entry) => {
            try {
                return fs.readFileSync(path.join(dir, entry, "type"), "utf8").trim() === "Battery";
            } catch {
                return false;
            }
        });
    } catch {
        return false;
    }
}
