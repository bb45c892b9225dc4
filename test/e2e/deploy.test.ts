// A real `pulumi preview / up / up --expect-no-changes / config change / history / destroy` of a
// throwaway stack on the local Docker engine, with the locally built test images.
import * as assert from "assert";
import { ThrowawayStack, createThrowawayStack, progress, setConfig, stepRecorder, testImages } from "./workspace";
import { docker, exec, httpStatus, inspect, labelled } from "./docker";

const STACK = "e2e-deploy";
const PREFIX = `pa-${STACK}`;
const SERVICES = ["postgres", "neo4j", "letta", "open-webui", "n8n"];
// Postgres is not published, as in production: it is then only on the backend network, where the apps
// must still find it by its alias.
const PORTS = { letta: 28283, openWebui: 28080, n8n: 25678, neo4jHttp: 27474, neo4jBolt: 27687 };
const LIMITS = {
    postgres: { memoryMb: 768, cpus: 1 },
    neo4j: { memoryMb: 1536, cpus: 1 },
    letta: { memoryMb: 1536, cpus: 1 },
    openWebui: { memoryMb: 768, cpus: 1 },
    n8n: { memoryMb: 1536, cpus: 1 },
};

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
            limits: LIMITS,
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
        assert.deepStrictEqual(containers.sort(), ["letta", "n8n", "neo4j", "openWebui", "postgres"]);
        assert.strictEqual(creates.filter((s) => s.type === "docker:index/network:Network").length, 2);
        assert.strictEqual(creates.filter((s) => s.type === "docker:index/volume:Volume").length, 5);
        assert.strictEqual(creates.filter((s) => s.type === "random:index/randomPassword:RandomPassword").length, 10);
        assert.ok((preview.changeSummary.create ?? 0) >= creates.length - 1);
        assert.deepStrictEqual(labelled(`pa.stack=${STACK}`).containers, [], "a preview changes nothing");
    });

    it("pulumi up creates everything and every container reaches healthy", async () => {
        const result = await e2e.stack.up({ onOutput: progress("up") });
        assert.strictEqual(result.summary.result, "succeeded");
        for (const service of SERVICES) {
            const state = inspect("container", `${PREFIX}-${service}`).State;
            assert.strictEqual(state.Health?.Status, "healthy", `${service} is ${state.Health?.Status}`);
        }
        credentials = result.outputs.credentials.value;
    });

    it("keeps the databases on the internal network and publishes only on 127.0.0.1", () => {
        assert.strictEqual(inspect("network", `${PREFIX}-backend`).Internal, true);
        assert.strictEqual(inspect("network", `${PREFIX}-frontend`).Internal, false);
        for (const service of SERVICES) {
            const settings = inspect("container", `${PREFIX}-${service}`);
            const networks = settings.NetworkSettings.Networks;
            assert.ok(!("bridge" in networks), `${service} is not on Docker's default bridge`);
            assert.ok(networks[`${PREFIX}-backend`].Aliases?.includes(service), `${service} answers to its name on the backend`);
            for (const bindings of Object.values(settings.HostConfig.PortBindings ?? {}) as any[]) {
                for (const binding of bindings) assert.strictEqual(binding.HostIp, "127.0.0.1", service);
            }
        }
    });

    it("the apps reach their databases over the internal network", async () => {
        // Readiness is 200 only once n8n has connected to and migrated its own database.
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.n8n}/healthz/readiness`), 200);
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.letta}/v1/health/`), 200);
        assert.strictEqual(await httpStatus(`http://127.0.0.1:${PORTS.openWebui}/health/db`), 200);
        const psql = (db: string, sql: string) =>
            exec(`${PREFIX}-postgres`, "psql", "-U", "postgres", "-d", db, "-Atc", sql);
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
        const idsBefore = Object.fromEntries(SERVICES.map((s) => [s, inspect("container", `${PREFIX}-${s}`).Id]));
        await setConfig(e2e.stack, { limits: { ...LIMITS, openWebui: { memoryMb: 1024, cpus: 1 } } });
        const recorder = stepRecorder();
        const result = await e2e.stack.up({ onEvent: recorder.onEvent, onOutput: progress("up") });
        assert.strictEqual(result.summary.result, "succeeded");
        const changed = recorder.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.type} ${s.name}`);
        assert.ok(changed.length > 0 && changed.every((c) => c.endsWith("docker:index/container:Container openWebui")), changed.join("; "));
        const openWebui = inspect("container", `${PREFIX}-open-webui`);
        assert.strictEqual(openWebui.HostConfig.Memory, 1024 * 1024 * 1024);
        for (const service of SERVICES.filter((s) => s !== "open-webui")) {
            assert.strictEqual(inspect("container", `${PREFIX}-${service}`).Id, idsBefore[service], `${service} untouched`);
        }
    });

    it("pulumi stack history lists the updates", async () => {
        const history = await e2e.stack.history();
        assert.deepStrictEqual(history.map((h) => h.kind), ["update", "update", "update"]);
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
