// The command plugin stand-in (setup/standin-plugins/command): secret inputs reach the command
// unwrapped, outputs come back, and a failure reads like the real provider's (status, command, output).
import * as assert from "assert";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { commandProvider, plain } from "../../setup/standin-plugins/command/provider";

const URN = "urn:pulumi:test::pa::pa:index:DataSync$command:local:Command::sync";
/** A value as the engine hands a secret input to a provider written with @pulumi/pulumi/provider. */
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

describe("command plugin stand-in", () => {
    it("unwraps secrets at any depth and leaves plain values alone", () => {
        assert.deepStrictEqual(plain(secret({ A: "1", B: secret("2") })), { A: "1", B: "2" });
        assert.deepStrictEqual(plain({ list: [secret("x"), "y"], n: 3 }), { list: ["x", "y"], n: 3 });
    });

    it("runs create with a secret environment and returns its stdout", async () => {
        const result = await commandProvider.create!(URN, { create: 'printf "%s" "$PA_SYNC_KEY"', environment: secret({ PA_SYNC_KEY: "k3y" }) });
        assert.strictEqual(result.outs.stdout, "k3y");
    });

    it("fails with the exit status, the command and its stderr and stdout", async () => {
        await assert.rejects(commandProvider.create!(URN, { create: "echo out; echo err >&2; exit 3" }), (err: Error) => {
            assert.match(err.message, /^exit status 3: running "echo out; echo err >&2; exit 3":\nerr\nout$/);
            return true;
        });
    });

    it("refuses resource types other than command:local:Command", async () => {
        await assert.rejects(commandProvider.create!("urn:pulumi:test::pa::command:remote:Command::x", { create: "true" }), /only implements command:local:Command/);
    });
});
