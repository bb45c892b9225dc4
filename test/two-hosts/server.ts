// The second engine of test:two-hosts as the tests see it: what test/two-hosts/server.sh started (its
// env file is sourced by run.sh), the laptop-side names of its SSH and registry, its engine's socket for
// the tests' own checks (which must work while the link is cut), and the cut itself.
import { execFileSync } from "child_process";
import { engineAt } from "../support/docker";

export interface Server {
    /** pa:dockerHost of production: ssh://pa@127.0.0.1:PORT. */
    host: string;
    /** The known_hosts file with the server's host key (pa:sshKnownHosts). */
    knownHosts: string;
    /** The registry both engines pull from, e.g. 127.0.0.1:25000. */
    registry: string;
    /** The server's engine socket (unix://...), reached without SSH. */
    socket: string;
    /** The server's engine through that socket. */
    engine: ReturnType<typeof engineAt>;
    /** The server's container on the laptop's engine. */
    container: string;
    /** Drops every SSH connection and refuses new ones (sshd and every session killed), as a cut link would. */
    cutLink(): void;
    /** Starts sshd again. */
    restoreLink(): void;
}

const CONTAINER = "pa-test-server";
/** The names of the server's live (not zombie) sshd processes, one per line. */
const LIVE_SSHD = "ps -eo stat=,comm= | awk '$1 !~ /^Z/ && ($2 == \"sshd\" || $2 == \"sshd-session\" || $2 == \"sshd-auth\") { print $2 }'";

export function server(): Server {
    const env = (name: string) => {
        const value = process.env[name];
        if (!value) throw new Error(`${name} is not set: run the suite with npm run test:two-hosts (test/two-hosts/run.sh starts the server)`);
        return value;
    };
    const inServer = (script: string) => execFileSync("docker", ["exec", CONTAINER, "bash", "-c", script], { stdio: "ignore" });
    return {
        host: env("PA_SERVER_HOST"),
        knownHosts: env("PA_SERVER_KNOWN_HOSTS"),
        registry: env("PA_SERVER_REGISTRY"),
        socket: env("PA_SERVER_SOCKET"),
        engine: engineAt(env("PA_SERVER_SOCKET")),
        container: CONTAINER,
        // OpenSSH 10 runs each connection in an sshd-session process (and sshd-auth before login):
        // killing the listener alone would leave every open stream running.
        // Checked: none left but zombies (the server's PID 1, dockerd, never reaps the orphans).
        cutLink: () =>
            inServer(
                `pkill -KILL -x sshd; pkill -KILL -x sshd-session; pkill -KILL -x sshd-auth; sleep 0.2; ! ${LIVE_SSHD} | grep -q .`,
            ),
        // sshd forks into the background before it listens: wait until port 22 takes connections.
        // A listener still there (the link was never cut) is left as it is.
        restoreLink: () =>
            inServer(
                `${LIVE_SSHD} | grep -qx sshd || /usr/sbin/sshd -E /var/log/sshd.log; ` +
                    "for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/22) 2>/dev/null && exit 0; sleep 0.1; done; exit 1",
            ),
    };
}
