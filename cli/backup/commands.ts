// Every docker argv and shell script of the backups, as pure functions (tested as strings, without a
// host). Everything runs on the stack's own host: restic beside the databases, so no byte of the
// stack's data passes through the machine that runs `pa`. Secrets reach the containers as
// `-e NAME` without a value (taken from the docker CLI's environment), never on a command line.
//
// Two kinds of containers:
// - restic alone (the pinned restic image): check, snapshots, forget, prune, the manifest part;
// - a runner: the stack's own Postgres image (its pg_dump matches the server) with the restic binary
//   copied from the restic image into a small tools volume, for the parts that pipe a database.
import { BackupPart } from "../../model/backup";
import { SCRATCH_LABEL, STACK_LABEL, namePrefix } from "../../model/names";

/** Where things are inside the backup containers. */
export const PATHS = { repo: "/repo", from: "/from", cache: "/cache", tools: "/pa-tools", volumes: "/volumes", restore: "/restore" } as const;

/** The env names handed to backup containers from the docker CLI's environment. */
export const SECRET_ENV = ["RESTIC_PASSWORD", "PGPASSWORD"] as const;

export interface ResticPlace {
    /** The stack the backups belong to: every container a run starts is labelled with it. */
    stack: string;
    /** Volume name or host path of the repository. */
    repository: string;
    /** restic's cache volume. */
    cache: string;
    /** The pinned restic image. */
    image: string;
    /**
     * An off-site repository instead of the mounted one: its URL (RESTIC_REPOSITORY) and its backend's
     * credentials come from the docker CLI's environment by name, and it is reached over this network.
     */
    remote?: { network: string; env: string[] };
}

/** The tools volume holding the restic binary for runners, one per restic image. */
export function toolsVolume(stack: string, resticImage: string): string {
    return `${namePrefix(stack)}-restic-tools-${resticImage.replace(/[^a-zA-Z0-9_.-]+/g, "_")}`;
}

/**
 * The labels of every container, volume and network a backup run creates: how a killed run's leftovers
 * are found, and what the scheduler's Docker API proxy lets it touch (model/dockerPolicy.ts).
 */
export function scratchLabelArgs(stack: string, kind: "backup" | "drill"): string[] {
    return ["--label", `${STACK_LABEL}=${stack}`, "--label", `${SCRATCH_LABEL}=${kind}`];
}

const resticEnv = (place: ResticPlace): string[] =>
    place.remote
        ? ["-e", "RESTIC_PASSWORD", "-e", "RESTIC_REPOSITORY", ...place.remote.env.flatMap((name) => ["-e", name]), "-e", `RESTIC_CACHE_DIR=${PATHS.cache}`, "-v", `${place.cache}:${PATHS.cache}`]
        : [
              "-e", "RESTIC_PASSWORD",
              "-e", `RESTIC_REPOSITORY=${PATHS.repo}`,
              "-e", `RESTIC_CACHE_DIR=${PATHS.cache}`,
              "-v", `${place.repository}:${PATHS.repo}`,
              "-v", `${place.cache}:${PATHS.cache}`,
          ];

/**
 * `restic <args>` in the restic image: without any network for the stack's own repository (created by
 * the first backup), on the given network for an off-site one.
 */
export function resticArgs(place: ResticPlace, args: string[], options: { stdin?: boolean; deadlineSeconds?: number } = {}): string[] {
    // restic retries an unreachable backend for up to 15 minutes; a deadline ends it sooner (`timeout` is in both images).
    const command = options.deadlineSeconds ? ["--entrypoint", "timeout", place.image, String(options.deadlineSeconds), "restic", ...args] : [place.image, ...args];
    return ["run", "--rm", ...(options.stdin ? ["-i"] : []), ...scratchLabelArgs(place.stack, "backup"), "--network", place.remote?.network ?? "none", ...resticEnv(place), ...command];
}

/**
 * `restic <args>` against the off-site repository `to`, with the stack's own repository `from` mounted
 * as the source (`restic copy`, `restic init --copy-chunker-params`); the source's password is
 * RESTIC_FROM_PASSWORD from the docker CLI's environment.
 */
export function offsiteArgs(to: ResticPlace, from: ResticPlace, args: string[]): string[] {
    const run = resticArgs(to, args);
    const image = run.indexOf(to.image);
    return [...run.slice(0, image), "-e", `RESTIC_FROM_REPOSITORY=${PATHS.from}`, "-e", "RESTIC_FROM_PASSWORD", "-v", `${from.repository}:${PATHS.from}`, ...run.slice(image)];
}

/** Copies the restic binary of the image into the tools volume (runners use it). */
export function installToolsArgs(place: ResticPlace, tools: string): string[] {
    return ["run", "--rm", ...scratchLabelArgs(place.stack, "backup"), "--network", "none", "-v", `${tools}:${PATHS.tools}`, "--entrypoint", "sh", place.image, "-c",
        `cp "$(command -v restic)" ${PATHS.tools}/restic.tmp && mv ${PATHS.tools}/restic.tmp ${PATHS.tools}/restic`];
}

export interface RunnerOptions {
    place: ResticPlace;
    tools: string;
    /** The stack's Postgres image (pg_dump and pg_restore of the server's version). */
    postgresImage: string;
    /** `container:<postgres>` to reach the live server on localhost, or none. */
    network: string;
    /** Extra `-v` mounts, as `source:target[:ro]`. */
    mounts: string[];
    /** A name, so a leftover runner is found and removed. */
    name: string;
    script: string;
    args: string[];
}

export function runnerArgs(o: RunnerOptions): string[] {
    return [
        "run", "--rm", "-i", "--name", o.name, ...scratchLabelArgs(o.place.stack, "backup"), "--network", o.network,
        ...resticEnv(o.place),
        "-e", "PGPASSWORD", "-e", "PGHOST=localhost", "-e", "PGUSER=postgres",
        "-v", `${o.tools}:${PATHS.tools}:ro`,
        ...o.mounts.flatMap((m) => ["-v", m]),
        "--entrypoint", "sh", o.postgresImage, "-c", o.script, "sh", ...o.args,
    ];
}

// Shared shell: emit() prints a result line `PA<TAB>kind<TAB>...` that `parseResults` reads; restic's
// own output stays out of stdout unless asked for.
const PRELUDE = `set -eu
R=${PATHS.tools}/restic
# One write per line: parts run side by side, and separate printf calls would interleave their lines.
tab=$(printf '\\t')
emit() { line=PA; for f in "$@"; do line="$line$tab$f"; done; printf '%s\\n' "$line"; }
# Files and bytes of a directory, leaving out a restore's own working folders.
tally() { find "$1" \\( -name '.pa-restore-*' -o -name '.pa-previous-*' \\) -prune -o -type f -printf '%s\\n' | awk '{ n++; s += $1 } END { printf "%d\\t%d", n, s }'; }
`;

/** Below this much free space on the repository's disk a backup does not start. */
export const MIN_FREE_KIB = 64 * 1024;

/** Row counts of every table of the connected database, one JSON pair per line (psql \\gexec). */
export const COUNT_ROWS_SQL = `SELECT format('SELECT json_build_array(%L, count(*)) FROM %I.%I', n.nspname || '.' || c.relname, n.nspname, c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
 ORDER BY 1 \\gexec`;

/**
 * One backup's data parts. Args: TAGS HOST TIME DB... (TIME: the backup's start, every part's snapshot time). Each database is dumped in a snapshot exported by a
 * read-only transaction that also counts its rows, so the manifest's counts are those of the dump.
 * Dumps are uncompressed custom format (-Z0): restic compresses and deduplicates them, and a day's new
 * rows add little to the repository.
 */
export function backupScript(): string {
    return `${PRELUDE}
tags=$1; host=$2; time=$3; shift 3
part() {
  name=$1; shift
  out=$($R backup --json --quiet --host "$host" --time "$time" --tag "$tags,part=$name" "$@")
  summary=$(printf '%s\\n' "$out" | grep '"message_type":"summary"' | tail -n 1)
  [ -n "$summary" ] || { echo "restic printed no summary for part $name" >&2; exit 1; }
  emit snapshot "$name" "$summary"
}
dump_db() {
  db=$1; d=/tmp/pa-dump-$db; rm -rf "$d"; mkdir -p "$d"; mkfifo "$d/ctl"
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <"$d/ctl" >/dev/null 2>"$d/err" &
  pid=$!
  exec 3>"$d/ctl"
  printf '%s\\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;' "\\\\o $d/snap" 'SELECT pg_export_snapshot();' "\\\\o $d/counts" >&3
  cat >&3 <<'SQL'
${COUNT_ROWS_SQL}
SQL
  printf '%s\\n' '\\o' "\\\\! touch $d/ready" >&3
  until [ -f "$d/ready" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "counting the rows of $db failed: $(head -c 300 "$d/err")" >&2; exit 1; }
    sleep 0.1
  done
  part "postgres:$db" --stdin-from-command --stdin-filename "postgres-$db.dump" -- pg_dump -Fc -Z0 --create --snapshot="$(cat "$d/snap")" -d "$db"
  printf 'COMMIT;\\n' >&3
  exec 3>&-
  wait "$pid" || { echo "the snapshot transaction of $db failed: $(head -c 300 "$d/err")" >&2; exit 1; }
  while IFS= read -r row; do emit rows "$db" "$row"; done <"$d/counts"
  rm -rf "$d"
}
# A new repository: restic's notice about the password goes nowhere (pa backup key says it).
[ -f ${PATHS.repo}/config ] || $R init >/dev/null
# Free space first: a backup cannot fit in less than MIN_FREE_KIB; up to the data's size is needed when
# everything changed (restic stores only new chunks, compressed).
free=$(df -Pk ${PATHS.repo} | awk 'NR == 2 { print $4 }')
names=$(for db in "$@"; do printf "'%s'," "$db"; done)
data=$(psql -X -At -d postgres -c "SELECT (coalesce(sum(pg_database_size(datname)), 0) / 1024)::bigint FROM pg_database WHERE datname IN (\${names%,})")
if [ -d ${PATHS.volumes} ]; then data=$((data + $(du -sk ${PATHS.volumes} | awk '{ print $1 }'))); fi
emit space "$free" "$data"
if [ "$free" -lt ${MIN_FREE_KIB} ]; then
  echo "no space left for a backup: the repository's disk has $((free / 1024)) MiB free, a backup needs at least $((${MIN_FREE_KIB} / 1024)) MiB and up to $((data / 1024)) MiB; free space there or set pa:backup.repository to a bigger disk" >&2
  exit 1
fi
# The parts run side by side (restic's backup lock is shared): each restic spends most of a second
# deriving its key and loading the index, and one part's dump overlaps another's compression.
pids=""
part globals --stdin-from-command --stdin-filename postgres-globals.sql -- pg_dumpall --globals-only & pids="$pids $!"
for db in "$@"; do dump_db "$db" & pids="$pids $!"; done
if [ -d ${PATHS.volumes} ] && [ -n "$(ls -A ${PATHS.volumes})" ]; then
  for v in ${PATHS.volumes}/*; do emit volume "\${v#${PATHS.volumes}/}" "$(tally "$v")"; done
  part volumes --exclude '.pa-restore-*' --exclude '.pa-previous-*' ${PATHS.volumes} & pids="$pids $!"
fi
failed=0
for pid in $pids; do wait "$pid" || failed=1; done
exit $failed
`;
}

/** restic's `--time` format (UTC, as the containers run). */
export function resticTime(at: Date): string {
    return at.toISOString().slice(0, 19).replace("T", " ");
}

/** The manifest part, read from stdin: written last, it marks the backup complete. */
export function manifestPartArgs(place: ResticPlace, tags: string[], host: string, at: Date): string[] {
    return resticArgs(place, ["backup", "--json", "--quiet", "--host", host, "--time", resticTime(at), "--tag", [...tags, "part=manifest"].join(","), "--stdin", "--stdin-filename", "manifest.json"], { stdin: true });
}

/**
 * The restore drill inside a scratch Postgres container (repository, tools and a scratch volume
 * mounted): restores the globals and every database, counts rows, checks Letta's extension and
 * search_path, restores the volumes and tallies them. Args: GLOBALS_SNAP VOLUMES_SNAP|- (DB SNAP)...
 */
export function drillScript(): string {
    return `${PRELUDE}
globals=$1; volumes=$2; shift 2
# The roles own the databases; errors for roles that exist already (postgres) are expected.
$R dump --no-lock "$globals" /postgres-globals.sql | psql -X -q -d postgres >/dev/null 2>&1 || true
while [ $# -ge 2 ]; do
  db=$1; snap=$2; shift 2
  $R dump --no-lock "$snap" "/postgres-$db.dump" | pg_restore -d postgres --create --exit-on-error
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" <<'SQL' | while IFS= read -r row; do emit rows "$db" "$row"; done
${COUNT_ROWS_SQL}
SQL
  emit extensions "$db" "$(psql -X -At -d "$db" -c "SELECT coalesce(json_agg(json_build_array(e.extname, n.nspname)), '[]') FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace")"
  emit settings "$db" "$(psql -X -At -d postgres -c "SELECT coalesce((SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = '$db' AND s.setrole = 0), '')")"
done
if [ "$volumes" != "-" ]; then
  $R restore --no-lock "$volumes" --target ${PATHS.restore} >&2
  for v in ${PATHS.restore}${PATHS.volumes}/*; do [ -d "$v" ] && emit volume "\${v#${PATHS.restore}${PATHS.volumes}/}" "$(tally "$v")"; done
fi
`;
}

/** Moves a drill's restored Neo4j store into the scratch volume its scratch server starts on. Args: KEY. */
export function drillNeo4jStoreScript(): string {
    return `set -eu\ncp -a "${PATHS.restore}${PATHS.volumes}/$1/." /neo4j/\n`;
}

/**
 * Restores databases into fresh ones beside the live ones (`<db>_pa_restore`), never touching the
 * live data, and counts their rows. Args: (DB SNAP SCHEMA)...
 */
export function restoreDatabasesScript(): string {
    return `${PRELUDE}
while [ $# -ge 3 ]; do
  db=$1; snap=$2; schema=$3; shift 3
  fresh="\${db}_pa_restore"
  psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "DROP DATABASE IF EXISTS \\"$fresh\\" WITH (FORCE)" -c "CREATE DATABASE \\"$fresh\\" OWNER \\"$db\\" TEMPLATE template0"
  if [ "$schema" != public ]; then psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "ALTER DATABASE \\"$fresh\\" SET search_path TO \\"$schema\\""; fi
  $R dump --no-lock "$snap" "/postgres-$db.dump" | pg_restore -d "$fresh" --exit-on-error
  # The app's layout, as its init made it: no public schema beside its own, unless the dump used it.
  if [ "$schema" != public ]; then
    psql -X -q -v ON_ERROR_STOP=1 -d "$fresh" -c "DO \\$\\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = 'public'::regnamespace) AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = 'public'::regnamespace) THEN DROP SCHEMA public; END IF; END \\$\\$"
  fi
  psql -X -q -At -v ON_ERROR_STOP=1 -d "$fresh" <<'SQL' | while IFS= read -r row; do emit rows "$db" "$row"; done
${COUNT_ROWS_SQL}
SQL
done
`;
}

/** Restores volumes into a folder inside each volume (`.pa-restore-<id>`) and tallies them. Args: ID SNAP KEY... */
export function restoreVolumesScript(): string {
    return `${PRELUDE}
id=$1; snap=$2; shift 2
for key in "$@"; do
  into="/target/$key/.pa-restore-$id"
  rm -rf "$into"
  $R restore --no-lock "$snap" --target "$into" --include "${PATHS.volumes}/$key" >&2
  mkdir -p "$into${PATHS.volumes}/$key"
  emit volume "$key" "$(tally "$into${PATHS.volumes}/$key")"
done
`;
}

/**
 * Swaps restored volume content in: the live entries move aside into `.pa-previous-<id>`, the
 * restored ones into place, then both folders go. Args: ID KEY...
 */
export function swapVolumesScript(): string {
    return `set -eu
id=$1; shift
for key in "$@"; do
  cd "/target/$key"
  mkdir -p ".pa-previous-$id"
  find . -mindepth 1 -maxdepth 1 ! -name '.pa-restore-*' ! -name '.pa-previous-*' -exec mv -t ".pa-previous-$id" {} +
  find ".pa-restore-$id${PATHS.volumes}/$key" -mindepth 1 -maxdepth 1 -exec mv -t . {} +
  rm -rf ".pa-restore-$id" ".pa-previous-$id"
done
`;
}

/** Removes restore folders an earlier, failed restore left in the volumes. Args: KEY... */
export function cleanVolumesScript(): string {
    return `set -eu\nfor key in "$@"; do rm -rf "/target/$key"/.pa-restore-*; done\n`;
}

/** A result line of the scripts above. */
export type ResultLine =
    | { kind: "snapshot"; part: BackupPart; summary: { snapshot_id: string; total_bytes_processed?: number; data_added?: number; data_added_packed?: number } }
    | { kind: "rows"; database: string; table: string; rows: number }
    | { kind: "volume"; key: string; files: number; bytes: number }
    | { kind: "extensions"; database: string; extensions: [string, string][] }
    | { kind: "settings"; database: string; settings: string }
    | { kind: "space"; freeKiB: number; dataKiB: number };

export function parseResults(stdout: string): ResultLine[] {
    const out: ResultLine[] = [];
    for (const line of stdout.split("\n")) {
        if (!line.startsWith("PA\t")) continue;
        const [, kind, ...f] = line.split("\t");
        if (kind === "snapshot") out.push({ kind, part: f[0] as BackupPart, summary: JSON.parse(f[1]) });
        else if (kind === "rows") {
            const [table, rows] = JSON.parse(f[1]) as [string, number];
            out.push({ kind, database: f[0], table, rows: Number(rows) });
        } else if (kind === "volume") out.push({ kind, key: f[0], files: Number(f[1]), bytes: Number(f[2]) });
        else if (kind === "extensions") out.push({ kind, database: f[0], extensions: JSON.parse(f[1] || "[]") });
        else if (kind === "settings") out.push({ kind, database: f[0], settings: f[1] ?? "" });
        else if (kind === "space") out.push({ kind, freeKiB: Number(f[0]), dataKiB: Number(f[1]) });
    }
    return out;
}
