// Benchmark of the operator workflow on the real engine (needs the provider plugins), in a sandbox
// clone with stacks of its own (test/two-hosts/sandbox.ts). Prints, in one run:
//   - the longest unavailability of each published production service during a promotion that
//     replaces every app container (polled at 10 Hz); the bar is 15 s;
//   - the time from `rollback --emergency` to every service healthy; the bar is 60 s.
import * as fs from "fs";
import * as path from "path";
import { httpProbe } from "../cli/checks/http";
import { createSandbox, PORTS, STACKS } from "../test/two-hosts/sandbox";
import { benchHelp } from "./args";

benchHelp("Usage: npm run bench:ops\nTimes, in a sandbox on the real engine, the longest outage of each production service during a promotion and an emergency rollback to healthy.");

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

/** Runs an operator command while polling the published services; fails on a non-zero exit. */
async function measured(what: string, run: () => Promise<number>): Promise<{ seconds: number; outages: Record<string, number> }> {
    const poller = pollOutages();
    const started = Date.now();
    const code = await run();
    const seconds = (Date.now() - started) / 1000;
    const outages = await poller.stop();
    if (code !== 0) throw new Error(`${what} failed (exit ${code})`);
    return { seconds, outages };
}

const verdict = (seconds: number, bar: number) => `${seconds.toFixed(1)} s ${seconds <= bar ? `(within ${bar} s)` : `(OVER the ${bar} s bar by ${(seconds - bar).toFixed(1)} s)`}`;

async function bench(): Promise<void> {
    const box = createSandbox();
    try {
        const must = async (what: string, code: Promise<number>) => {
            if ((await code) !== 0) throw new Error(`${what} failed`);
        };
        await must("deploy-staging", box.pa("deploy-staging"));
        await must("first promotion", box.pa("promote", "--yes"));
        // New builds of the app images (a label added: a new image id, so the promotion replaces
        // every app container, as a real version bump does).
        const file = path.join(box.dir, `Pulumi.${STACKS.staging}.yaml`);
        let config = fs.readFileSync(file, "utf8");
        for (const key of ["letta", "openWebui", "n8n"]) {
            const image = new RegExp(`^    ${key}: (\\S+)$`, "m").exec(config)![1];
            const bumped = box.derivedImage(image, `${image.slice(image.lastIndexOf(":") + 1)}-bench`, ["LABEL pa.bench=next-version"]);
            config = config.replace(`    ${key}: ${image}`, `    ${key}: ${bumped}`);
        }
        fs.writeFileSync(file, config);
        await must("deploy-staging with the new versions", box.pa("deploy-staging"));

        const promotion = await measured("measured promotion", () => box.pa("promote", "--yes"));
        const emergency = await measured("rollback --emergency", () => box.pa("rollback", "--emergency"));

        console.log("\n=== ops benchmark ===");
        console.log(`promotion replacing every app container: ${promotion.seconds.toFixed(1)} s in all (gates, backup, update, validation)`);
        for (const [name, seconds] of Object.entries(promotion.outages)) console.log(`  longest unavailability of ${name.padEnd(10)} ${verdict(seconds, 15)}`);
        console.log(`rollback --emergency to every service healthy: ${verdict(emergency.seconds, 60)}`);
        for (const [name, seconds] of Object.entries(emergency.outages)) console.log(`  longest unavailability of ${name.padEnd(10)} during it: ${seconds.toFixed(1)} s`);
    } finally {
        await box.dispose();
    }
}

bench().then(
    () => process.exit(0),
    (error) => {
        console.error(`bench:ops: ${error.message ?? error}`);
        process.exit(1);
    },
);
