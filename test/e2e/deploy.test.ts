// A real `pulumi preview / up / up --expect-no-changes / config change / history / destroy` of a
// throwaway stack on the local Docker engine, with the locally built test images.
import * as assert from "assert";
import { ThrowawayStack, createThrowawayStack, progress, setConfig, stepRecorder, testImages } from "./workspace";
import { containerOf, docker, exec, httpStatus, inspect, labelled } from "../support/docker";
import { TEST_IMAGE_LIMITS } from "../support/images";
import { CAPABILITIES, DEFAULT_PIDS_LIMITS } from "../../model/hardening";
import { ContainerRole } from "../../model/names";

/** Linux capability numbers (linux/capability.h) of the ones the stack gives back. */
const CAPABILITY_BITS: Record<string, number> = { CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_FOWNER: 3, CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7 };
const capabilityMask = (caps: string[]) => caps.reduce((mask, cap) => mask | (1n << BigInt(CAPABILITY_BITS[cap])), 0n);

const STACK = "e2e-deploy";
const PREFIX = `pa-${STACK}`;
/** Service label -> the alias it answers to. */
const SERVICES: Record<string, string> = { postgres: "postgres", neo4j: "neo4j", letta: "letta", openWebui: "open-webui", n8n: "n8n" };
const CONTAINERS = [...Object.keys(SERVICES), "gateway"];
const named = (service: string) => containerOf(STACK, service);
// Postgres is not published, as in production: it is then only on the backend network, where the apps
// must still find it by its alias.
const PORTS = { letta: 28283, openWebui: 28080, n8n: 25678, neo4jHttp: 27474, neo4jBolt: 27687 };

describe(`real engine: stack ${STACK} on the local Docker engine`, () => {
    let e2e: ThrowawayStack;
    let credentials: { neo4jPassword: string; postgresSuperuserPassword: string };
    const sentinel = `${PREFIX}-sentinel-not-ours`;

    before(async () => {
        // Something the stack does not own, named like its own things: destroy must leave it alone.
        docker("volume", "create", "--label", `pa.stack=${STACK}`, sentinel);
        e2e = await createThrowawayStack(STACK, {
            environment: "staging",
            hostProfile: "laptop",
            bindAddress: "127.0.0.1",
            images: testImages(),
            ports: PORTS,
            limits: TEST_IMAGE_LIMITS,
        });
    });

    after(async () => {
        if (!e2e) return;
        if (process.env.PA_E2E_KEEP !== "true") {
            await e2e.stack.destroy({ onOutput: progress("destroy") }).catch(() => undefined);
            await e2e.dispose();
        }
        docker("volume", "rm", "-f", sentinel);
    });

    it("pulumi preview lists the planned creates", async () => {
        const recorder = stepRecorder();
        const preview = await e2e.stack.preview({ onEvent: recorder.onEvent });
        const creates = recorder.steps.filter((s) => s.op === "create");
        const containers = creates.filter((s) => s.type === "docker:index/container:Container").map((s) => s.name);
        assert.deepStrictEqual(containers.sort(), ["gateway", "letta", "n8n", "neo4j", "openWebui", "postgres"]);
        assert.strictEqual(creates.filter((s) => s.type === "docker:index/network:Network").length, 2);
        assert.strictEqual(creates.filter((s) => s.type === "docker:index/volume:Volume").length, 5);
        assert.strictEqual(creates.filter((s) => s.type === "random:index/randomPassword:RandomPassword").length, 10);
        // Provider resources (docker's, random's, command's) are steps but not counted as creates.
        const counted = creates.filter((s) => !s.type.startsWith("pulumi:providers:"));
        assert.ok((preview.changeSummary.create ?? 0) >= counted.length - 1, `${JSON.stringify(preview.changeSummary)} ${counted.length}`);
        assert.deepStrictEqual(labelled(`pa.stack=${STACK}`).containers, [], "a preview changes nothing");
    });

    it("pulumi up creates everything and every container reaches healthy", async () => {
        const result = await e2e.stack.up({ onOutput: progress("up") });
        assert.strictEqual(result.summary.result, "succeeded");
        for (const service of CONTAINERS) {
            const state = inspect("container", named(service)).State;
            assert.strictEqual(state.Health?.Status, "healthy", `${service} is ${state.Health?.Status}`);
        }
        credentials = result.outputs.credentials.value;
    });

    it("keeps the databases on the internal network and publishes only on 127.0.0.1", () => {
        assert.strictEqual(inspect("network", `${PREFIX}-backend`).Internal, true);
        assert.strictEqual(inspect("network", `${PREFIX}-frontend`).Internal, false);
        for (const service of CONTAINERS) {
            const settings = inspect("container", named(service));
            const networks = settings.NetworkSettings.Networks;
            assert.ok(!("bridge" in networks), `${service} is not on Docker's default bridge`);
            if (service === "gateway") assert.deepStrictEqual(Object.keys(networks), [`${PREFIX}-frontend`]);
            else assert.ok(networks[`${PREFIX}-backend`].Aliases?.includes(SERVICES[service]), `${service} answers to its alias on the backend`);
            for (const bindings of Object.values(settings.HostConfig.PortBindings ?? {}) as any[]) {
                for (const binding of bindings) assert.strictEqual(binding.HostIp, "127.0.0.1", service);
            }
        }
    });

    it("runs every container without new privileges, with only the capabilities it needs, a pids limit and its memory limit", () => {
        for (const service of CONTAINERS) {
            const host = inspect("container", named(service)).HostConfig;
            assert.deepStrictEqual(host.SecurityOpt, ["no-new-privileges"], service);
            assert.deepStrictEqual(host.CapDrop, ["ALL"], service);
            assert.deepStrictEqual([...(host.CapAdd ?? [])].sort(), [...CAPABILITIES[service as ContainerRole]].sort(), service);
            assert.strictEqual(host.PidsLimit, DEFAULT_PIDS_LIMITS[service as ContainerRole], `${service} pids limit`);
            assert.ok(host.Memory > 0, `${service} memory limit`);
            // The kernel's view, from inside: no capability left in the bounding set but those given back.
            const bounding = BigInt(`0x${exec(named(service), "sh", "-c", "grep CapBnd /proc/1/status").split(/\s+/)[1]}`);
            assert.strictEqual(bounding, capabilityMask(CAPABILITIES[service as ContainerRole]), `${service} bounding set`);
            assert.match(exec(named(service), "sh", "-c", "grep NoNewPrivs /proc/1/status"), /NoNewPrivs:\s+1/, service);
        }
    });

    it("the apps reach their databases over the internal network", async () => {
        // Readiness is 200 only once n8n has connected to and migrated its own database.
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.n8n}/healthz/readiness`), 200);
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.letta}/v1/health/`), 200);
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.openWebui}/health/db`), 200);
        const psql = (db: string, sql: string) =>
            exec(named("postgres"), "psql", "-U", "postgres", "-d", db, "-Atc", sql);
        assert.ok(Number(psql("n8n", "select count(*) from pg_tables where tablename = 'workflow_entity'")) === 1, "n8n migrated its database");
        assert.strictEqual(psql("letta", "select extname from pg_extension where extname = 'vector'"), "vector");
        assert.strictEqual(psql("letta", "show search_path"), "letta");
        assert.ok(Number(psql("letta", "select count(*) from pg_tables where schemaname = 'letta'")) > 0, "Letta migrated into its schema");
        const neo4j = await fetch(`http://127.0.0.1:${PORTS.neo4jHttp}/db/neo4j/tx/commit`, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                authorization: `Basic ${Buffer.from(`neo4j:${credentials.neo4jPassword}`).toString("base64")}`,
            },
            body: JSON.stringify({ statements: [{ statement: "RETURN 1 AS one" }] }),
        });
        const body: any = await neo4j.json();
        assert.deepStrictEqual(body.errors, []);
        assert.deepStrictEqual(body.results[0].data[0].row, [1]);
    });

    it("a second pulumi up changes nothing", async () => {
        const result = await e2e.stack.up({ expectNoChanges: true, onOutput: progress("up") });
        assert.strictEqual(result.summary.result, "succeeded");
        const changes = Object.entries(result.summary.resourceChanges ?? {}).filter(([op]) => op !== "same");
        assert.deepStrictEqual(changes, []);
    });

    it("a memory limit change updates only the container it concerns", async () => {
        const idsBefore = Object.fromEntries(CONTAINERS.map((s) => [s, inspect("container", named(s)).Id]));
        await setConfig(e2e.stack, { limits: { ...TEST_IMAGE_LIMITS, openWebui: { memoryMb: 1024, cpus: 1 } } });
        const recorder = stepRecorder();
        const result = await e2e.stack.up({ onEvent: recorder.onEvent, onOutput: progress("up") });
        assert.strictEqual(result.summary.result, "succeeded");
        const changed = recorder.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type} ${s.name}`);
        assert.deepStrictEqual(changed, ["update docker:index/container:Container openWebui"]);
        assert.strictEqual(inspect("container", named("openWebui")).HostConfig.Memory, 1024 * 1024 * 1024);
        assert.strictEqual(inspect("container", named("openWebui")).HostConfig.PidsLimit, DEFAULT_PIDS_LIMITS.openWebui, "the update kept the pids limit");
        for (const service of CONTAINERS) {
            assert.strictEqual(inspect("container", named(service)).Id, idsBefore[service], `${service} kept`);
        }
    });

    it("replacing an app starts the new copy first: its port answers throughout", async () => {
        const before = named("openWebui");
        const others = Object.fromEntries(CONTAINERS.filter((s) => s !== "openWebui").map((s) => [s, inspect("container", named(s)).Id]));
        // A new public URL changes Open WebUI's env, which Docker can only apply to a new container.
        await setConfig(e2e.stack, { publicUrls: { openWebui: `http://localhost:${PORTS.openWebui}` } });
        let polls = 0;
        const failures: string[] = [];
        let updating = true;
        const poller = (async () => {
            while (updating) {
                const status = await httpStatus(`http://127.0.0.1:${PORTS.openWebui}/health`);
                polls++;
                if (status !== 200) failures.push(`${new Date().toISOString()} ${status}`);
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
        })();
        const recorder = stepRecorder();
        try {
            const result = await e2e.stack.up({ onEvent: recorder.onEvent, onOutput: progress("up") });
            assert.strictEqual(result.summary.result, "succeeded");
        } finally {
            updating = false;
            await poller;
        }
        const ops = recorder.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
        // The new copy gets its pids limit before the old copy goes.
        assert.deepStrictEqual(ops, [
            "create-replacement openWebui",
            "replace openWebui",
            "create-replacement openWebui-pids-limit",
            "replace openWebui-pids-limit",
            "delete-replaced openWebui-pids-limit",
            "delete-replaced openWebui",
        ]);
        const after = named("openWebui");
        assert.notStrictEqual(after, before, "the new copy has a new name");
        assert.match(after, new RegExp(`^${PREFIX}-openWebui-[0-9a-f]{7}$`));
        assert.match(inspect("container", after).Config.Env.join("\n"), new RegExp(`WEBUI_URL=http://localhost:${PORTS.openWebui}`));
        assert.strictEqual(inspect("container", after).HostConfig.PidsLimit, DEFAULT_PIDS_LIMITS.openWebui, "the new copy has its pids limit");
        for (const [service, id] of Object.entries(others)) assert.strictEqual(inspect("container", named(service)).Id, id, `${service} kept`);
        // One request caught in flight while the old copy shuts down may fail; a gap would fail dozens.
        assert.ok(polls > 50, `polled ${polls} times`);
        assert.ok(failures.length <= 1, `Open WebUI did not answer ${failures.length} of ${polls} polls: ${failures.join(", ")}`);
    });

    it("pulumi stack history lists the updates", async () => {
        const history = await e2e.stack.history();
        assert.deepStrictEqual(history.map((h) => h.kind), ["update", "update", "update", "update"]);
        assert.ok(history.every((h) => h.result === "succeeded"));
    });

    it("pulumi destroy removes everything the stack made, and nothing else", async () => {
        const result = await e2e.stack.destroy({ onOutput: progress("destroy") });
        assert.strictEqual(result.summary.result, "succeeded");
        const left = labelled(`pa.stack=${STACK}`);
        assert.deepStrictEqual(left, { containers: [], networks: [], volumes: [sentinel] });
        for (const tag of Object.values(testImages())) docker("image", "inspect", tag);
    });
});
