// The ssh the docker CLI starts for ssh:// hosts runs in batch mode: the wrapper first on PATH adds
// the options and hands the docker CLI's arguments to the real ssh (here a stand-in that records them).
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dockerCommandLine } from "../../platform/docker";
import { KNOWN_HOSTS_ENV, SSH_OPTIONS, dockerEnv, knownHostsOption } from "../../platform/ssh";
import { syncEnvironment } from "../../model/sync";

describe("ssh for ssh:// Docker hosts", () => {
    it("puts a wrapper first on PATH that runs the real ssh with BatchMode and a connect timeout", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ssh-test-"));
        const recorded = path.join(bin, "args");
        fs.writeFileSync(path.join(bin, "ssh"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}'\nexit 255\n`, { mode: 0o755 });
        try {
            const env = dockerEnv({ PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin` });
            const [first, ...rest] = env.PATH!.split(path.delimiter);
            assert.notStrictEqual(first, bin, "the wrapper's folder comes first");
            assert.deepStrictEqual(rest, [bin, "/usr/bin", "/bin"]);
            assert.strictEqual(fs.statSync(path.join(first, "ssh")).mode & 0o777, 0o700);
            // As the docker CLI calls it: which ssh is found first, and with what.
            const run = spawnSync("ssh", ["-l", "me", "--", "server", "docker", "system", "dial-stdio"], { env, encoding: "utf8" });
            assert.strictEqual(run.status, 255);
            assert.deepStrictEqual(fs.readFileSync(recorded, "utf8").trim().split("\n"), [...SSH_OPTIONS, "-l", "me", "--", "server", "docker", "system", "dial-stdio"]);
            // Applied twice, nothing doubles.
            assert.strictEqual(dockerEnv(env).PATH, env.PATH);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("names the known_hosts file of PA_SSH_KNOWN_HOSTS to ssh, a path with spaces and % quoted as ssh reads it", () => {
        const bin = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ssh-kh-"));
        const recorded = path.join(bin, "args");
        fs.writeFileSync(path.join(bin, "ssh"), `#!/bin/sh\nprintf '%s\\n' "$@" > '${recorded}'\nexit 255\n`, { mode: 0o755 });
        try {
            const env = { ...dockerEnv({ PATH: `${bin}${path.delimiter}/usr/bin${path.delimiter}/bin` }), [KNOWN_HOSTS_ENV]: "/home/me/pa hosts/100%/known_hosts" };
            spawnSync("ssh", ["-l", "me", "--", "server", "docker", "system", "dial-stdio"], { env, encoding: "utf8" });
            const expected = 'UserKnownHostsFile="/home/me/pa hosts/100%%/known_hosts"';
            assert.strictEqual(knownHostsOption("/home/me/pa hosts/100%/known_hosts"), expected, "the wrapper quotes as the provider's options do");
            assert.deepStrictEqual(fs.readFileSync(recorded, "utf8").trim().split("\n"), [...SSH_OPTIONS, "-o", expected, "-l", "me", "--", "server", "docker", "system", "dial-stdio"]);
        } finally {
            fs.rmSync(bin, { recursive: true, force: true });
        }
    });

    it("leaves the environment as it is when there is no ssh at all", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "pa-ssh-none-"));
        try {
            assert.deepStrictEqual(dockerEnv({ PATH: empty }), { PATH: empty });
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });

    it("runs a docker command of `pulumi up` on an ssh:// host through ssh in batch mode, quoted for both shells", () => {
        assert.strictEqual(
            dockerCommandLine("unix:///var/run/docker.sock", ["update", "--pids-limit", "512", "pa-x-postgres"]),
            "docker -H unix:///var/run/docker.sock update --pids-limit 512 pa-x-postgres",
        );
        const line = dockerCommandLine("ssh://deploy@server.example:2222", ["update", "it's $HOME"]);
        // What ssh receives as its arguments, and what the remote shell makes of the last one.
        const words = (shellText: string) => spawnSync("sh", ["-c", `printf '%s\\n' ${shellText}`], { encoding: "utf8" }).stdout.replace(/\n$/, "").split("\n");
        const args = words(line);
        assert.deepStrictEqual(args.slice(0, -1), ["ssh", ...SSH_OPTIONS, "-p", "2222", "-l", "deploy", "--", "server.example"]);
        assert.deepStrictEqual(words(args[args.length - 1]), ["docker", "update", "it's $HOME"]);
        const pinned = words(dockerCommandLine("ssh://deploy@server.example", ["update"], "/etc/pa/known hosts"));
        assert.deepStrictEqual(pinned.slice(0, 9), ["ssh", ...SSH_OPTIONS, "-o", 'UserKnownHostsFile="/etc/pa/known hosts"']);
    });

    it("hands the sync's docker CLI processes the known_hosts file under the wrapper's variable", () => {
        const env = syncEnvironment({ productionStack: "production", productionDockerHost: "ssh://me@server", stagingStack: "staging-laptop", sanitize: true, sshKnownHosts: "/home/me/.pa/known_hosts" });
        assert.strictEqual(env[KNOWN_HOSTS_ENV], "/home/me/.pa/known_hosts");
        assert.strictEqual(KNOWN_HOSTS_ENV in syncEnvironment({ productionStack: "production", stagingStack: "staging-laptop", sanitize: true }), false, "unset: no new input, no sync on the next up");
    });
});
