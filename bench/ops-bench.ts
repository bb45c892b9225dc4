// Benchmark of the operator workflow on the real engine (needs the provider plugins), in a sandbox
// clone. Prints, in one run:
//   - the longest unavailability of each published production service during a promotion that
//     replaces every app container (polled at 10 Hz); the bar is 15 s;
//   - the time from `rollback --emergency` to every service healthy; the bar is 60 s.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { httpProbe } from "../cli/probes/http";
import { createSandbox, PORTS } from "../test/ops-e2e/sandbox";

const ENDPOINTS = {
    letta: `http://127.0.0.1:${PORTS.production.letta}/v1/health/`,
    openWebui: `http://127.0.0.1:${PORTS.production.openWebui}/health`,
    n8n: `http://127.0.0.1:${PORTS.production.n8n}/healthz/readiness`,
};

/** Polls every endpoint at 10 Hz until stopped; returns the longest run of failures per endpoint, in seconds. */
function pollOutages(): { stop(): Promise<Record<string, number>> } {
    let running = true;
    const longest: Record<string, number> = {};
    const loops = Object.entries(ENDPOINTS).map(async ([name, url]) => {
        let downSince: number | undefined;
        longest[name] = 0;
        while (running) {
            const tick = Date.now();
            const ok = (await httpProbe(url, { timeoutMs: 1000 })).status === 200;
            if (!ok && downSince === undefined) downSince = tick;
            if (ok && downSince !== undefined) {
                longest[name] = Math.max(longest[name], (tick - downSince) / 1000);
                downSince = undefined;
            }
            await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
        }
        if (downSince !== undefined) longest[name] = Math.max(longest[name], (Date.now() - downSince) / 1000);
    });
    return {
        async stop() {
            running = false;
            await Promise.all(loops);
            return longest;
        },
    };
}

async function bench(): Promise<number> {
    const box = createSandbox();
    try {
        const must = async (what: string, code: Promise<number>) => {
            if ((await code) !== 0) throw new Error(`${what} failed`);
        };
        await must("deploy-staging", box.pa("deploy-staging", "--env", "laptop"));
        await must("first promotion", box.pa("promote", "--yes"));
        // New tags of the same app images: the next promotion replaces every app container.
        const file = path.join(box.dir, "Pulumi.staging-laptop.yaml");
        let config = fs.readFileSync(file, "utf8");
        for (const key of ["letta", "openWebui", "n8n"]) {
            const image = new RegExp(`^    ${key}: (\\S+)$`, "m").exec(config)![1];
            const bumped = `${image}-bench`;
            execFileSync("docker", ["tag", image, bumped]);
            config = config.replace(`    ${key}: ${image}`, `    ${key}: ${bumped}`);
        }
        fs.writeFileSync(file, config);
        await must("deploy-staging with new tags", box.pa("deploy-staging", "--env", "laptop"));

        const poller = pollOutages();
        const promoteStarted = Date.now();
        await must("measured promotion", box.pa("promote", "--yes"));
        const promoteSeconds = (Date.now() - promoteStarted) / 1000;
        const outages = await poller.stop();

        const rollbackStarted = Date.now();
        await must("rollback --emergency", box.pa("rollback", "--emergency"));
        const emergencySeconds = (Date.now() - rollbackStarted) / 1000;

        console.log("\n=== ops benchmark ===");
        console.log(`promotion (every app container replaced): ${promoteSeconds.toFixed(1)} s`);
        for (const [name, seconds] of Object.entries(outages)) {
            console.log(`  longest unavailability of ${name.padEnd(10)} ${seconds.toFixed(1)} s ${seconds <= 15 ? "(within 15 s)" : "(OVER the 15 s bar)"}`);
        }
        console.log(`rollback --emergency to every service healthy: ${emergencySeconds.toFixed(1)} s ${emergencySeconds <= 60 ? "(within 60 s)" : "(OVER the 60 s bar)"}`);
        return 0;
    } finally {
        await box.dispose();
    }
}

bench().then(
    (code) => process.exit(code),
    (error) => {
        console.error(`bench:ops: ${error.message ?? error}`);
        process.exit(1);
    },
);
