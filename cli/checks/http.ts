// An HTTP request that never throws: a refused connection or a timeout is status 0 with the reason,
// sent from here or, for a stack on another machine, from a one-off container on that machine,
// and the time taken is measured, so a health table can show both.
import { DockerClient } from "../../platform/dockerClient";

export interface HttpResult {
    status: number;
    body: string;
    ms: number;
    error?: string;
}

export interface HttpRequest {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    timeoutMs?: number;
}

export type HttpProbe = (url: string, request?: HttpRequest) => Promise<HttpResult>;

export const httpProbe: HttpProbe = async (url, request = {}) => {
    const started = performance.now();
    try {
        const response = await fetch(url, {
            method: request.method ?? "GET",
            headers: request.headers,
            body: request.body,
            signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
        });
        const body = await response.text();
        return { status: response.status, body, ms: Math.round(performance.now() - started) };
    } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return { status: 0, body: "", ms: Math.round(performance.now() - started), error: cause ?? String(error) };
    }
};

/** The program of a probe run on the stack's host: the request as JSON on stdin, the result as JSON on stdout. */
const PROBE_PROGRAM = [
    "let input = '';",
    "process.stdin.on('data', (c) => (input += c)).on('end', async () => {",
    "  const r = JSON.parse(input);",
    "  try {",
    "    const res = await fetch(r.url, { method: r.method || 'GET', headers: r.headers, body: r.body, signal: AbortSignal.timeout(r.timeoutMs || 10000) });",
    "    console.log(JSON.stringify({ status: res.status, body: await res.text() }));",
    "  } catch (e) {",
    "    const c = e.cause || {};",
    "    console.log(JSON.stringify({ status: 0, body: '', error: c.code || (c.errors && c.errors[0] && c.errors[0].code) || c.message || String(e) }));",
    "  }",
    "});",
].join("\n");

/**
 * `docker run` of a one-off probe on the stack's host network, so the stack's URLs (bound to that host's
 * loopback) answer as they do there: no capability, no new privileges, read-only, nobody's user.
 */
export function probeContainerArgs(image: string): string[] {
    return ["run", "--rm", "-i", "--network", "host", "--user", "65534", "--cap-drop", "ALL", "--security-opt", "no-new-privileges", "--read-only", "--entrypoint", "node", image, "-e", PROBE_PROGRAM];
}

/**
 * The probe for a stack whose engine is another machine's (an ssh:// pa:dockerHost): each request runs
 * in a container of `image` (one with Node.js 18 or later there: the stack's n8n image) on that host. The
 * request, headers included (tokens, passwords), goes over stdin, never on a command line.
 */
export function probeFromStackHost(docker: DockerClient, image: string): HttpProbe {
    return async (url, request = {}) => {
        const started = performance.now();
        const timeoutMs = request.timeoutMs ?? 10_000;
        const run = await docker.run(probeContainerArgs(image), { stdin: JSON.stringify({ url, ...request, timeoutMs }), timeoutMs: timeoutMs + 60_000 });
        const ms = Math.round(performance.now() - started);
        const line = run.stdout.trim().split("\n").pop() ?? "";
        try {
            return { ...(JSON.parse(line) as Omit<HttpResult, "ms">), ms };
        } catch {
            return { status: 0, body: "", ms, error: `the probe container on the stack's host failed (exit ${run.code}): ${run.stderr.trim().split("\n").pop() ?? ""}` };
        }
    };
}
