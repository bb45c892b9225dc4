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
});
