// The scheduler's Docker API policy: what a compromised scheduler could try is refused, with the reason;
// what scheduled backups need is allowed (the real traffic is proven by test/backup's scheduler test).
import * as assert from "assert";
import { schedulerPolicy } from "../../model/backupScheduler";
import { ApiRequest, Subject, decide, lookupFor } from "../../model/dockerPolicy";

const policy = schedulerPolicy("production", { postgres: "pg:17", neo4j: "neo4j:5", restic: "restic/restic:0.18.0", dockerCli: "docker:27.5.1-cli" }, { kind: "volume", name: "pa-production-backups" });
const scratchLabels = { "pa.stack": "production", "pa.backup.scratch": "backup" };
const create = (body: Record<string, unknown>, name = "pa-production-backup-x"): ApiRequest => ({
    method: "POST",
    url: `/v1.41/containers/create?name=${name}`,
    body: { Image: "pg:17", Labels: scratchLabels, HostConfig: { NetworkMode: "none", Binds: ["pa-production-n8n-data:/volumes/n8n-data:ro"] }, ...body },
});
const reasonOf = (request: ApiRequest, subject?: Subject, knownExec = false) => {
    const d = decide(policy, request, subject, knownExec);
    return d.allow ? "allowed" : d.reason;
};
const neo4j: Subject = { name: "/pa-production-neo4j", labels: { "pa.stack": "production", "pa.service": "neo4j" } };
const postgres: Subject = { name: "/pa-production-postgres", labels: { "pa.stack": "production", "pa.service": "postgres" } };
const scratch: Subject = { name: "/pa-production-backup-x-runner", labels: scratchLabels };

describe("scheduler's Docker API policy", () => {
    it("allows what a backup run does: a labelled scratch container of a pinned image beside Postgres, the stack's volumes mounted", () => {
        assert.strictEqual(reasonOf(create({ HostConfig: { NetworkMode: "container:pa-production-postgres", Binds: ["pa-production-backups:/repo", "pa-production-restic-cache:/cache"] } })), "allowed");
        const unnamed = create({ Image: "restic/restic:0.18.0" });
        assert.strictEqual(reasonOf({ ...unnamed, url: "/v1.41/containers/create" }), "allowed");
        for (const action of ["start", "wait", "attach", "kill"]) assert.strictEqual(reasonOf({ method: "POST", url: `/v1.41/containers/abc/${action}` }, scratch), "allowed", action);
        assert.strictEqual(reasonOf({ method: "DELETE", url: "/v1.41/containers/abc?force=1" }, scratch), "allowed");
        assert.strictEqual(reasonOf({ method: "POST", url: "/v1.41/containers/pa-production-neo4j/pause" }, neo4j), "allowed");
        assert.strictEqual(reasonOf({ method: "GET", url: "/v1.41/containers/pa-production-neo4j/json" }, neo4j), "allowed");
        assert.strictEqual(reasonOf({ method: "GET", url: "/_ping" }), "allowed");
        assert.strictEqual(reasonOf({ method: "GET", url: "/v1.41/images/restic/restic:0.18.0/json" }), "allowed");
    });

    it("refuses anything that would give the host away: privileged, host paths, host namespaces, capabilities, devices", () => {
        assert.match(reasonOf(create({ HostConfig: { Privileged: true, NetworkMode: "none" } })), /privileged/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", Binds: ["/:/host"] } })), /mount \/ is refused/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", Mounts: [{ Type: "bind", Source: "/var/run/docker.sock" }] } })), /refused/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "host" } })), /network host is refused/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", PidMode: "host" } })), /PidMode=host/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", CapAdd: ["SYS_ADMIN"] } })), /CapAdd/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", Devices: [{ PathOnHost: "/dev/sda" }] } })), /Devices/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "none", SecurityOpt: ["apparmor=unconfined"] } })), /SecurityOpt/);
        assert.match(reasonOf(create({ Image: "alpine:3.20" })), /not one of the stack's pinned images/);
        assert.match(reasonOf(create({ Labels: {} })), /labels/);
        assert.match(reasonOf(create({}, "evil")), /does not start with pa-production-/);
        assert.match(reasonOf(create({ HostConfig: { NetworkMode: "container:pa-production-n8n-1234" } })), /network container:pa-production-n8n-1234 is refused/);
        assert.match(reasonOf({ method: "POST", url: "/volumes/create", body: { Name: "pa-production-x", Labels: { "pa.stack": "production" }, DriverOpts: { type: "none", o: "bind", device: "/" } } }), /driver options/);
        assert.match(reasonOf({ method: "POST", url: "/v1.41/images/create?fromImage=alpine" }), /never need/);
        assert.match(reasonOf({ method: "POST", url: "/v1.41/build" }), /never need/);
    });

    it("leaves the stack's services alone: no stop, removal, pause of Postgres, or exec beyond the read-only query script", () => {
        assert.match(reasonOf({ method: "POST", url: "/containers/pa-production-postgres/stop" }, postgres), /not a scratch container/);
        assert.match(reasonOf({ method: "DELETE", url: "/containers/pa-production-postgres" }, postgres), /not a scratch container/);
        assert.match(reasonOf({ method: "POST", url: "/containers/pa-production-postgres/pause" }, postgres), /only pa-production-neo4j may be frozen/);
        assert.match(reasonOf({ method: "POST", url: "/containers/pa-production-postgres/exec", body: { Cmd: ["sh"] } }, postgres), /exec in pa-production-postgres is not allowed/);
        assert.match(reasonOf({ method: "POST", url: "/containers/pa-production-neo4j/exec", body: { Cmd: ["sh", "-c", "rm -rf /data"] } }, neo4j), /only the read-only query script/);
        assert.strictEqual(reasonOf({ method: "POST", url: "/containers/pa-production-neo4j/exec", body: { Cmd: policy.commands[0] } }, neo4j), "allowed");
        assert.match(reasonOf({ method: "POST", url: "/containers/pa-production-neo4j/exec", body: { Cmd: policy.commands[0], User: "root" } }, neo4j), /another user/);
        assert.match(reasonOf({ method: "POST", url: "/exec/abc/start" }), /not created through this proxy/);
        assert.strictEqual(reasonOf({ method: "POST", url: "/exec/abc/start" }, undefined, true), "allowed");
        assert.match(reasonOf({ method: "DELETE", url: "/volumes/pa-production-neo4j-data" }, { name: "pa-production-neo4j-data", labels: { "pa.stack": "production", "pa.service": "neo4j" } }), /only the scratch volumes/);
        assert.match(reasonOf({ method: "GET", url: "/containers/other-app/json" }, { name: "/other-app", labels: {} }), /not a container of stack production/);
    });

    it("looks up the object a request acts on, and nothing for creations and lists", () => {
        assert.deepStrictEqual(lookupFor({ method: "POST", url: "/v1.41/containers/abc/start" }), { kind: "container", id: "abc" });
        assert.deepStrictEqual(lookupFor({ method: "DELETE", url: "/v1.41/volumes/pa-production-x" }), { kind: "volume", id: "pa-production-x" });
        assert.deepStrictEqual(lookupFor({ method: "POST", url: "/v1.41/exec/e1/start" }), { kind: "exec", id: "e1" });
        assert.strictEqual(lookupFor({ method: "POST", url: "/v1.41/containers/create?name=x" }), undefined);
        assert.strictEqual(lookupFor({ method: "GET", url: "/v1.41/containers/json?all=1" }), undefined);
    });
});
