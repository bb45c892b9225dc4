// The operator commands reach the engine a stack runs on: its pa:dockerHost, recorded in its outputs.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Engine } from "../../../cli/stacks/engine";
import { Git } from "../../../cli/release/git";
import { RealOperations } from "../../../cli/stacks/operations";
import { DockerCli } from "../../../platform/dockerClient";
import { Logger } from "../../../platform/log";
import { targetFromOutputs } from "../../../cli/stacks/target";

const OUTPUTS = {
    containers: { postgres: "p", neo4j: "n", letta: "l", openWebui: "o", n8n: "w" },
    urls: {},
    volumes: {},
    images: {},
};

describe("the operator commands' Docker host", () => {
    let bin: string;
    const saved = { PATH: process.env.PATH, DOCKER_HOST: process.env.DOCKER_HOST, DOCKER_CONTEXT: process.env.DOCKER_CONTEXT };
    before(() => {
        // A stand-in docker CLI that answers with the engine it was sent to: its --host, else DOCKER_HOST, and the context.
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "pa-docker-host-"));
        fs.writeFileSync(path.join(bin, "docker"), `#!/bin/sh\nhost=\${DOCKER_HOST:-ambient}\n[ "$1" = -H ] && host=$2\nprintf '%s|%s' "$host" "\${DOCKER_CONTEXT:-none}"\n`, { mode: 0o755 });
        process.env.PATH = `${bin}${path.delimiter}${process.env.PATH}`;
        process.env.DOCKER_HOST = "unix:///ambient.sock";
        process.env.DOCKER_CONTEXT = "someone-elses";
    });
    after(() => {
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
        fs.rmSync(bin, { recursive: true, force: true });
    });

    it("reads the stack's engine from its outputs, and none from an older stack's", () => {
        assert.strictEqual(targetFromOutputs("production", { ...OUTPUTS, dockerHost: "ssh://deploy@server" }).dockerHost, "ssh://deploy@server");
        assert.strictEqual(targetFromOutputs("production", OUTPUTS).dockerHost, undefined);
    });

    it("sends every call of a client `on` a stack's engine there, whatever DOCKER_HOST or context the shell has", async () => {
        const ambient = new DockerCli();
        assert.strictEqual((await ambient.run(["version"])).stdout, "unix:///ambient.sock|someone-elses");
        const server = ambient.on("ssh://deploy@server");
        assert.strictEqual((await server.run(["version"])).stdout, "ssh://deploy@server|none");
        assert.strictEqual((await server.exec("pa-production-postgres", ["true"])).stdout, "ssh://deploy@server|none");
        assert.strictEqual(ambient.on(undefined), ambient, "an older stack's target keeps the ambient engine");
        const file = path.join(bin, "out");
        await server.streamToFile(["exec", "x", "cat"], file);
        assert.strictEqual(fs.readFileSync(file, "utf8"), "ssh://deploy@server|none");
    });

    it("lets PA_DOCKER_HOST name the stack's engine as seen from here (a production deployed on its server, checked from a laptop)", async () => {
        const log = new Logger({ repo: os.tmpdir(), kind: "health", debug: false, consoleStream: { write: () => true } as unknown as NodeJS.WritableStream });
        const ops = new RealOperations({ projectRoot: os.tmpdir(), engine: {} as Engine, git: {} as Git, docker: new DockerCli(), http: async () => ({ status: 0, body: "", ms: 0 }), log });
        const production = targetFromOutputs("production", { ...OUTPUTS, dockerHost: "unix:///var/run/docker.sock" });
        assert.strictEqual((await ops.dockerOf(production).run(["version"])).stdout, "unix:///var/run/docker.sock|none");
        process.env.PA_DOCKER_HOST = "ssh://me@server";
        try {
            assert.strictEqual((await ops.dockerOf(production).run(["version"])).stdout, "ssh://me@server|none");
        } finally {
            delete process.env.PA_DOCKER_HOST;
        }
    });

    it("probes an ssh:// stack's URLs from a container on its host, the request (tokens too) on stdin, never on a command line", async () => {
        // A stand-in docker CLI that keeps its arguments and stdin, and answers as the probe program does.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pa-probe-"));
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${dir}/args'\ncat > '${dir}/stdin'\necho '{"status":200,"body":"{\\"status\\":\\"ok\\"}"}'\n`, { mode: 0o755 });
        const log = new Logger({ repo: os.tmpdir(), kind: "health", debug: false, consoleStream: { write: () => true } as unknown as NodeJS.WritableStream });
        const local = async () => ({ status: 299, body: "from here", ms: 1 });
        const ops = new RealOperations({ projectRoot: os.tmpdir(), engine: {} as Engine, git: {} as Git, docker: new DockerCli(path.join(dir, "docker")), http: local, log });
        try {
            const target = targetFromOutputs("production", { ...OUTPUTS, images: { n8n: "n8nio/n8n:1.123.81" }, dockerHost: "ssh://deploy@server" });
            const result = await ops.httpOf(target)("http://127.0.0.1:8283/v1/health/", { headers: { Authorization: "Bearer secret-token-xyz" } });
            assert.strictEqual(result.status, 200);
            assert.strictEqual(result.body, '{"status":"ok"}');
            const args = fs.readFileSync(path.join(dir, "args"), "utf8").split("\n");
            assert.deepStrictEqual(args.slice(0, 5), ["-H", "ssh://deploy@server", "run", "--rm", "-i"]);
            assert.strictEqual(args[args.indexOf("--network") + 1], "host");
            assert.ok(args.includes("n8nio/n8n:1.123.81"));
            assert.ok(!args.join(" ").includes("secret-token-xyz"), "a header on the command line");
            assert.deepStrictEqual(JSON.parse(fs.readFileSync(path.join(dir, "stdin"), "utf8")).headers, { Authorization: "Bearer secret-token-xyz" });
            // A stack on a local engine is probed from here.
            const onThisMachine = targetFromOutputs("staging-laptop", { ...OUTPUTS, dockerHost: "unix:///var/run/docker.sock" });
            assert.strictEqual((await ops.httpOf(onThisMachine)("http://127.0.0.1:8283/")).body, "from here");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
