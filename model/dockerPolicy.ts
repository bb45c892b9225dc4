// What the backup scheduler may ask of the Docker API, decided request by request by the proxy that
// holds the socket (sidecars/dockerApiProxy.ts). Written here because no maintained socket proxy checks
// request bodies: the known ones (Tecnativa's docker-socket-proxy and its forks) allow or refuse whole
// API sections, and "may create containers" is root on the host unless the body is checked. The rule:
// the scheduler creates and runs only its own scratch containers (labelled with the stack and
// pa.backup.scratch), from the stack's pinned images, with no privilege and no host path but the
// repository's; it may inspect the stack's containers, freeze and thaw the ones named freezable, and run
// the one read-only query script in them. Everything else is refused with the reason.
import { SCRATCH_LABEL, STACK_LABEL } from "./names";

export interface DockerPolicy {
    stack: string;
    /** Every name the scheduler creates starts with this (`pa-<stack>-`). */
    namePrefix: string;
    /** Images a scratch container may be created from. */
    images: string[];
    /** The one host directory a container may mount: a path repository. */
    repositoryPath?: string;
    /** Containers whose network a scratch container may join (`--network container:<name>`). */
    networkContainers: string[];
    /** Containers that may be paused and thawed (Neo4j, for its store copy). */
    freezable: string[];
    /** Containers of the stack that may run `commands` (and nothing else) through exec. */
    execTargets: string[];
    /** The exact commands allowed in execTargets (the read-only query script). */
    commands: string[][];
}

export interface ApiRequest {
    method: string;
    /** Path and query as sent, e.g. /v1.41/containers/create?name=x */
    url: string;
    /** The parsed JSON body, when there is one. */
    body?: unknown;
}

/** The Docker object a request acts on, as the proxy looked it up: its name and labels. */
export interface Subject {
    name: string;
    labels: Record<string, string>;
}

export type Decision = { allow: true } | { allow: false; reason: string };

/** Which object a request needs looked up before it can be decided. */
export type Lookup = { kind: "container" | "volume" | "network" | "exec"; id: string } | undefined;

interface Route {
    method: string;
    parts: string[];
    query: URLSearchParams;
}

function route(request: ApiRequest): Route {
    const [rawPath, rawQuery = ""] = request.url.split("?", 2);
    const parts = rawPath.split("/").filter(Boolean).map(decodeURIComponent);
    if (/^v\d+\.\d+$/.test(parts[0] ?? "")) parts.shift();
    return { method: request.method.toUpperCase(), parts, query: new URLSearchParams(rawQuery) };
}

/** The object the proxy must look up to decide `request`, if any. */
export function lookupFor(request: ApiRequest): Lookup {
    const { parts } = route(request);
    const [kind, id] = parts;
    if (kind === "containers" && id && !["create", "json", "prune"].includes(id)) return { kind: "container", id };
    if (kind === "volumes" && id && id !== "create" && id !== "prune") return { kind: "volume", id };
    if (kind === "networks" && id && id !== "create" && id !== "prune") return { kind: "network", id };
    if (kind === "exec" && id) return { kind: "exec", id };
    return undefined;
}

const allow: Decision = { allow: true };
const deny = (reason: string): Decision => ({ allow: false, reason });

/** A scratch object of this stack's backup runs: the only ones the scheduler may change or remove. */
function isScratch(policy: DockerPolicy, subject: Subject | undefined): boolean {
    return !!subject && subject.labels[STACK_LABEL] === policy.stack && SCRATCH_LABEL in subject.labels;
}

function ownName(policy: DockerPolicy, name: string | undefined | null): boolean {
    return typeof name === "string" && name.replace(/^\//, "").startsWith(policy.namePrefix);
}

/**
 * Decides one API request. `subject` is the looked-up object for `lookupFor(request)`; `knownExec`
 * says whether an exec id was created through this proxy.
 */
export function decide(policy: DockerPolicy, request: ApiRequest, subject?: Subject, knownExec = false): Decision {
    const { method, parts, query } = route(request);
    const [kind, id, action] = parts;
    const what = `${method} /${parts.join("/")}`;
    if ((method === "GET" || method === "HEAD") && (kind === "_ping" || kind === "version") && parts.length === 1) return allow;
    if (method === "GET" && (kind === "containers" || kind === "networks") && (id === "json" || (kind === "networks" && id === undefined))) return allow;
    if (method === "GET" && kind === "volumes" && id === undefined) return allow;
    if (method === "GET" && kind === "images" && parts[parts.length - 1] === "json") return allow;
    switch (kind) {
        case "containers":
            if (method === "POST" && id === "create") return decideCreate(policy, query.get("name"), request.body);
            return decideContainer(policy, method, action, subject, request.body, what);
        case "exec":
            if (!knownExec) return deny(`${what}: exec ${id} was not created through this proxy`);
            if ((method === "POST" && (action === "start" || action === "resize")) || (method === "GET" && action === "json")) return allow;
            return deny(`${what}: not an exec call backups make`);
        case "volumes":
            return decideVolume(policy, method, id, subject, request.body, what);
        case "networks":
            return decideNetwork(policy, method, id, subject, request.body, what);
        default:
            return deny(`${what}: backups never need this call`);
    }
}

function decideContainer(policy: DockerPolicy, method: string, action: string | undefined, subject: Subject | undefined, body: unknown, what: string): Decision {
    if (!subject) return deny(`${what}: no such container`);
    const name = subject.name.replace(/^\//, "");
    if (method === "GET" && action === "json") return subject.labels[STACK_LABEL] === policy.stack || ownName(policy, name) ? allow : deny(`${what}: ${name} is not a container of stack ${policy.stack}`);
    if (method === "POST" && (action === "pause" || action === "unpause")) {
        return policy.freezable.includes(name) ? allow : deny(`${what}: only ${policy.freezable.join(", ") || "no container"} may be frozen`);
    }
    if (method === "POST" && action === "exec") {
        const exec = (body ?? {}) as { Privileged?: boolean; User?: string; Cmd?: string[] };
        if (exec.Privileged) return deny(`${what}: privileged exec`);
        if (isScratch(policy, subject)) return allow;
        if (!policy.execTargets.includes(name)) return deny(`${what}: exec in ${name} is not allowed`);
        if (exec.User) return deny(`${what}: exec as another user in ${name}`);
        const cmd = JSON.stringify(exec.Cmd ?? []);
        return policy.commands.some((c) => JSON.stringify(c) === cmd) ? allow : deny(`${what}: only the read-only query script may run in ${name}`);
    }
    const scratchActions: Record<string, string[]> = {
        POST: ["start", "stop", "kill", "wait", "attach", "resize"],
        GET: ["logs"],
        DELETE: [""],
    };
    if ((scratchActions[method] ?? []).includes(action ?? "")) {
        return isScratch(policy, subject) ? allow : deny(`${what}: ${name} is not a scratch container of a backup run`);
    }
    return deny(`${what}: backups never need this call`);
}

interface CreateBody {
    Image?: string;
    Labels?: Record<string, string>;
    HostConfig?: {
        Privileged?: boolean;
        CapAdd?: string[] | null;
        Devices?: unknown[] | null;
        DeviceRequests?: unknown[] | null;
        DeviceCgroupRules?: unknown[] | null;
        PidMode?: string;
        IpcMode?: string;
        UTSMode?: string;
        UsernsMode?: string;
        CgroupnsMode?: string;
        CgroupParent?: string;
        NetworkMode?: string;
        SecurityOpt?: string[] | null;
        VolumesFrom?: string[] | null;
        Binds?: string[] | null;
        Mounts?: { Type?: string; Source?: string }[] | null;
        Runtime?: string;
        Sysctls?: Record<string, string> | null;
        Links?: string[] | null;
    };
    NetworkingConfig?: { EndpointsConfig?: Record<string, unknown> | null };
}

const empty = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === "object" && !Array.isArray(v) && Object.keys(v as object).length === 0);

function decideCreate(policy: DockerPolicy, name: string | null, raw: unknown): Decision {
    const what = "POST /containers/create";
    const body = (raw ?? {}) as CreateBody;
    const host = body.HostConfig ?? {};
    if (name !== null && !ownName(policy, name)) return deny(`${what}: the name ${name} does not start with ${policy.namePrefix}`);
    if (body.Labels?.[STACK_LABEL] !== policy.stack || !(SCRATCH_LABEL in (body.Labels ?? {}))) return deny(`${what}: a scratch container needs the labels ${STACK_LABEL}=${policy.stack} and ${SCRATCH_LABEL}`);
    if (!body.Image || !policy.images.includes(body.Image)) return deny(`${what}: image ${body.Image ?? "(none)"} is not one of the stack's pinned images`);
    if (host.Privileged) return deny(`${what}: privileged containers are refused`);
    for (const key of ["CapAdd", "Devices", "DeviceRequests", "DeviceCgroupRules", "SecurityOpt", "VolumesFrom", "Sysctls", "Links"] as const) {
        if (!empty(host[key])) return deny(`${what}: HostConfig.${key} is refused`);
    }
    for (const key of ["PidMode", "IpcMode", "UTSMode", "UsernsMode", "CgroupnsMode"] as const) {
        if (host[key] === "host" || (host[key] ?? "").startsWith("container:")) return deny(`${what}: HostConfig.${key}=${host[key]} is refused`);
    }
    if (host.CgroupParent) return deny(`${what}: HostConfig.CgroupParent is refused`);
    if (host.Runtime && host.Runtime !== "runc") return deny(`${what}: runtime ${host.Runtime} is refused`);
    const network = host.NetworkMode ?? "";
    const joins = network.startsWith("container:") ? network.slice("container:".length) : undefined;
    const networkOk = network === "none" || (joins !== undefined ? policy.networkContainers.includes(joins) : ownName(policy, network));
    if (!networkOk) return deny(`${what}: network ${network || "(default bridge)"} is refused: none, one of the stack's scratch networks, or container:${policy.networkContainers.join("|")}`);
    for (const endpoint of Object.keys(body.NetworkingConfig?.EndpointsConfig ?? {})) {
        if (endpoint !== network) return deny(`${what}: network ${endpoint} is refused`);
    }
    for (const bind of host.Binds ?? []) {
        const source = bind.split(":")[0];
        if (!mountableSource(policy, source)) return deny(`${what}: mount ${source} is refused: only the stack's volumes${policy.repositoryPath ? ` and ${policy.repositoryPath}` : ""}`);
    }
    for (const mount of host.Mounts ?? []) {
        if (mount.Type === "tmpfs") continue;
        if ((mount.Type !== "volume" && mount.Type !== "bind") || !mountableSource(policy, mount.Source ?? "") || (mount.Type === "bind") !== mount.Source?.startsWith("/")) {
            return deny(`${what}: mount ${mount.Type} ${mount.Source ?? ""} is refused`);
        }
    }
    return allow;
}

function mountableSource(policy: DockerPolicy, source: string): boolean {
    if (source.startsWith("/")) return policy.repositoryPath !== undefined && source.replace(/\/+$/, "") === policy.repositoryPath.replace(/\/+$/, "");
    return ownName(policy, source);
}

function decideVolume(policy: DockerPolicy, method: string, id: string | undefined, subject: Subject | undefined, raw: unknown, what: string): Decision {
    if (method === "POST" && id === "create") {
        const body = (raw ?? {}) as { Name?: string; Driver?: string; DriverOpts?: Record<string, string> | null; Labels?: Record<string, string> };
        if (!ownName(policy, body.Name)) return deny(`${what}: the volume name ${body.Name ?? "(none)"} does not start with ${policy.namePrefix}`);
        // The local driver's options can bind any host directory (type=none,o=bind,device=/).
        if ((body.Driver && body.Driver !== "local") || !empty(body.DriverOpts)) return deny(`${what}: volume drivers and driver options are refused`);
        if (body.Labels?.[STACK_LABEL] !== policy.stack) return deny(`${what}: a volume needs the label ${STACK_LABEL}=${policy.stack}`);
        return allow;
    }
    if (method === "GET") return subject && (ownName(policy, subject.name) || subject.labels[STACK_LABEL] === policy.stack) ? allow : deny(`${what}: not a volume of stack ${policy.stack}`);
    if (method === "DELETE") return isScratch(policy, subject) ? allow : deny(`${what}: only the scratch volumes of backup runs may be removed`);
    return deny(`${what}: backups never need this call`);
}

function decideNetwork(policy: DockerPolicy, method: string, id: string | undefined, subject: Subject | undefined, raw: unknown, what: string): Decision {
    if (method === "POST" && id === "create") {
        const body = (raw ?? {}) as { Name?: string; Internal?: boolean; Labels?: Record<string, string>; Driver?: string };
        if (!ownName(policy, body.Name)) return deny(`${what}: the network name ${body.Name ?? "(none)"} does not start with ${policy.namePrefix}`);
        if (!body.Internal) return deny(`${what}: a scratch network must be internal (no way out)`);
        if (body.Driver && body.Driver !== "bridge") return deny(`${what}: network driver ${body.Driver} is refused`);
        if (!isScratch(policy, { name: body.Name!, labels: body.Labels ?? {} })) return deny(`${what}: a scratch network needs the labels ${STACK_LABEL}=${policy.stack} and ${SCRATCH_LABEL}`);
        return allow;
    }
    if (method === "GET") return allow;
    if (method === "DELETE") return isScratch(policy, subject) ? allow : deny(`${what}: only the scratch networks of backup runs may be removed`);
    return deny(`${what}: backups never need this call`);
}
