// An HTTP request that never throws: a refused connection or a timeout is status 0 with the reason,
// and the time taken is measured, so a health table can show both.
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
