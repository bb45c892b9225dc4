// The Docker API proxy of the backup scheduler: the one container of the stack that holds the Docker
// socket. It listens on the scheduler's internal network only and forwards a request only when
// model/dockerPolicy.ts allows it (the reason is logged and answered with 403 otherwise). It is also
// the freeze watchdog: a container it paused is thawed after a deadline if no thaw came, so a scheduler
// killed during Neo4j's store copy cannot leave production frozen. Written by hand (node:http) because
// no maintained proxy checks request bodies (see model/dockerPolicy.ts).
import * as http from "http";
import * as net from "net";
import { ApiRequest, DockerPolicy, Subject, decide, lookupFor } from "../model/dockerPolicy";

const policy = JSON.parse(process.env.PA_DOCKER_POLICY ?? "null") as DockerPolicy | null;
const socketPath = process.env.PA_DOCKER_SOCKET ?? "/var/run/docker.sock";
const port = Number(process.env.PA_LISTEN_PORT ?? 2375);
const freezeDeadlineMs = Number(process.env.PA_FREEZE_DEADLINE_SECONDS ?? 600) * 1000;
const MAX_BODY = 1 << 20;
const debug = process.env.DEBUG === "true";

const say = (line: string) => process.stdout.write(`${new Date().toISOString()} docker-api: ${line}\n`);

/** Exec ids created through this proxy (only those may be started). */
const execs = new Set<string>();
/** Thaw timers of the containers this proxy froze. */
const watchdogs = new Map<string, NodeJS.Timeout>();

function docker(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const req = http.request({ socketPath, method, path, headers: payload ? { "Content-Type": "application/json", "Content-Length": payload.length } : {} }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => {
                const text = Buffer.concat(chunks).toString("utf8");
                let json: unknown = undefined;
                try {
                    json = text ? JSON.parse(text) : undefined;
                } catch {
                    json = text;
                }
                resolve({ status: res.statusCode ?? 0, json });
            });
        });
        req.on("error", reject);
        req.end(payload);
    });
}

async function subjectOf(request: ApiRequest): Promise<{ subject?: Subject; knownExec: boolean; missing?: string }> {
    const lookup = lookupFor(request);
    if (!lookup) return { knownExec: false };
    if (lookup.kind === "exec") return { knownExec: execs.has(lookup.id) };
    const path = `/${lookup.kind}s/${encodeURIComponent(lookup.id)}${lookup.kind === "container" ? "/json" : ""}`;
    const found = await docker("GET", path);
    if (found.status === 404) return { knownExec: false, missing: `No such ${lookup.kind}: ${lookup.id}` };
    if (found.status !== 200) return { knownExec: false };
    const o = found.json as { Name?: string; Config?: { Labels?: Record<string, string> }; Labels?: Record<string, string> };
    return { subject: { name: o.Name ?? "", labels: o.Config?.Labels ?? o.Labels ?? {} }, knownExec: false };
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) reject(new Error("request body over 1 MiB"));
            else chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
    });
}

function parse(body: Buffer): unknown {
    if (body.length === 0) return undefined;
    try {
        return JSON.parse(body.toString("utf8"));
    } catch {
        return undefined;
    }
}

interface Verdict {
    ok: boolean;
    /** Answered 404 as the engine would: the object does not exist (no policy question). */
    missing?: string;
    reason?: string;
    subject?: Subject;
}

async function permitted(request: ApiRequest): Promise<Verdict> {
    if (!policy) return { ok: false, reason: "no policy configured (PA_DOCKER_POLICY)" };
    const { subject, knownExec, missing } = await subjectOf(request);
    if (missing) return { ok: false, missing };
    const decision = decide(policy, request, subject, knownExec);
    if (!decision.allow) {
        say(`refused ${request.method} ${request.url}: ${decision.reason}`);
        return { ok: false, reason: decision.reason };
    }
    if (debug) say(`allowed ${request.method} ${request.url}`);
    return { ok: true, subject };
}

/** Starts or stops the thaw timer after a pause or unpause the engine accepted. */
function watch(request: ApiRequest, subject: Subject | undefined, status: number): void {
    const action = request.url.split("?")[0].split("/").pop();
    if (!subject || status >= 300 || (action !== "pause" && action !== "unpause")) return;
    const name = subject.name.replace(/^\//, "");
    clearTimeout(watchdogs.get(name));
    watchdogs.delete(name);
    if (action === "unpause") return;
    watchdogs.set(
        name,
        setTimeout(() => {
            watchdogs.delete(name);
            docker("POST", `/containers/${encodeURIComponent(name)}/unpause`).then(
                (r) => say(`watchdog: ${name} was frozen for ${freezeDeadlineMs / 1000} s without a thaw; thawed it (engine answered ${r.status})`),
                (e: Error) => say(`watchdog: thawing ${name} failed: ${e.message}`),
            );
        }, freezeDeadlineMs),
    );
}

function refuse(res: http.ServerResponse, verdict: Verdict): void {
    const status = verdict.missing ? 404 : 403;
    const body = JSON.stringify({ message: verdict.missing ?? `refused by the backup scheduler's Docker API proxy: ${verdict.reason}` });
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
}

const server = http.createServer(async (req, res) => {
    try {
        const body = await readBody(req);
        const request: ApiRequest = { method: req.method ?? "GET", url: req.url ?? "/", body: parse(body) };
        const verdict = await permitted(request);
        if (!verdict.ok) return refuse(res, verdict);
        const headers = { ...req.headers };
        delete headers.host;
        const upstream = http.request({ socketPath, method: request.method, path: request.url, headers: { ...headers, host: "docker" } }, (answer) => {
            watch(request, verdict.subject, answer.statusCode ?? 0);
            if (/\/exec$/.test(request.url.split("?")[0]) && answer.statusCode === 201) {
                // Remember the exec id from the answer, then pass the answer on unchanged.
                const chunks: Buffer[] = [];
                answer.on("data", (c: Buffer) => chunks.push(c));
                answer.on("end", () => {
                    const text = Buffer.concat(chunks);
                    const id = (parse(text) as { Id?: string } | undefined)?.Id;
                    if (id) execs.add(id);
                    res.writeHead(answer.statusCode ?? 500, answer.headers);
                    res.end(text);
                });
                return;
            }
            res.writeHead(answer.statusCode ?? 500, answer.headers);
            // The engine answers a wait with its headers at once and the body at the exit; the client
            // starts the container only once it has the headers, so they must not wait for a body.
            res.flushHeaders();
            answer.pipe(res);
        });
        upstream.on("error", (e) => {
            if (!res.headersSent) res.writeHead(502, { "Content-Type": "application/json" });
            res.end(JSON.stringify({ message: `docker-api proxy: ${e.message}` }));
        });
        upstream.end(body);
    } catch (e) {
        if (!res.headersSent) refuse(res, { ok: false, reason: (e as Error).message });
    }
});

// Attach and exec start switch the connection to a raw stream (HTTP upgrade): once allowed, the client's
// connection and one to the engine are joined byte for byte, the request head replayed first.
server.on("upgrade", async (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const request: ApiRequest = { method: req.method ?? "POST", url: req.url ?? "/" };
    const verdict = await permitted(request).catch((e: Error): Verdict => ({ ok: false, reason: e.message }));
    if (!verdict.ok) {
        const body = JSON.stringify({ message: verdict.missing ?? `refused by the backup scheduler's Docker API proxy: ${verdict.reason}` });
        const status = verdict.missing ? "404 Not Found" : "403 Forbidden";
        client.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        return;
    }
    const engine = net.connect(socketPath, () => {
        const lines = [`${request.method} ${request.url} HTTP/1.1`];
        for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
        engine.write(`${lines.join("\r\n")}\r\n\r\n`);
        if (head.length) engine.write(head);
        client.pipe(engine);
        engine.pipe(client);
    });
    const close = () => {
        client.destroy();
        engine.destroy();
    };
    engine.on("error", close);
    client.on("error", close);
});

server.listen(port, () => say(`listening on :${port}, forwarding what the policy allows to ${socketPath}; freeze deadline ${freezeDeadlineMs / 1000} s`));
// Stopped (a redeploy, a shutdown): thaw whatever it froze before going, its watchdogs go with it.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.on(signal, async () => {
        for (const name of watchdogs.keys()) await docker("POST", `/containers/${encodeURIComponent(name)}/unpause`).catch(() => undefined);
        process.exit(0);
    });
}
