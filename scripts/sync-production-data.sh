#!/usr/bin/env bash
# sync-production-data: copy production's data into a staging stack, sanitized on a laptop.
#
# Usage: scripts/sync-production-data.sh [--stack STACK] [--production-host ssh://user@server]
#            [--production-stack NAME] [--json] [--yes]
#
# Bumps pa:sync.request in the staging stack's config and runs `pulumi up` on it, so the stack's
# Command resource runs the sync and the sync is an entry in `pulumi stack history`. The first run
# also records --production-host (default: production on this machine's Docker engine).
#
#   --stack STACK              staging-laptop (default, or $PA_STAGING_STACK) or staging-server; never production
#   --production-host HOST     production's Docker host, e.g. ssh://me@server (stored in pa:sync.production.dockerHost)
#   --production-stack NAME    production's stack (default production, or $PA_PRODUCTION_STACK; stored in
#                              pa:sync.production.stack)
#   --json                     print one JSON line {"ok":..,"stack":..,"request":..,"summary":..} at the end
#   --yes                      do not ask before running `pulumi up`
#
# Exit codes: 0 synced; 1 the sync or `pulumi up` failed (staging keeps its data); 2 bad usage;
# 5 personal data was found after sanitizing (staging keeps its data; see docs/data-sync.md).
# Details: docs/data-sync.md. Log: logs/staging/sync-YYYYMMDD.log.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
stack="${PA_STAGING_STACK:-staging-laptop}" production_stack="${PA_PRODUCTION_STACK:-production}"
production_host="" json=false yes=false
# A flag that takes a value must have one: `shift 2` past the end would end the script without a word.
value_of() { [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || { echo "$1 needs a value (see --help)" >&2; exit 2; }; }
while [[ $# -gt 0 ]]; do
    case "$1" in
        --help|-h) usage; exit 0 ;;
        --stack) value_of "$@"; stack="$2"; shift 2 ;;
        --production-host) value_of "$@"; production_host="$2"; shift 2 ;;
        --production-stack) value_of "$@"; production_stack="$2"; shift 2 ;;
        --json) json=true; shift ;;
        --yes|-y) yes=true; shift ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
# The stack's config is checked too: pa:sync on a stack whose pa:environment is production fails `pulumi up`.
if [[ "$stack" == "$production_stack" || "$stack" == production ]]; then
    echo "$stack is production, the source of a sync, never its target: name a staging stack with --stack" >&2
    exit 2
fi
command -v pulumi >/dev/null || { [[ -f "$HOME/.cache/pa-toolchain/env.sh" ]] && source "$HOME/.cache/pa-toolchain/env.sh"; }
command -v pulumi >/dev/null || { echo "pulumi is not on PATH (see README.md, Prerequisites)" >&2; exit 2; }
[[ -f setup/local-backend.sh ]] && source setup/local-backend.sh

# A timestamp is always newer than the last request, and says when the sync was asked for.
request="$(date -u +%Y%m%d%H%M%S)"
pulumi config set --path pa:sync.request "$request" -s "$stack" >/dev/null
pulumi config set --path pa:sync.production.stack "$production_stack" -s "$stack" >/dev/null
[[ -n "$production_host" ]] && pulumi config set --path pa:sync.production.dockerHost "$production_host" -s "$stack" >/dev/null
echo "pa:sync.request = $request on $stack; running pulumi up" >&2

up_args=(up -s "$stack" --skip-preview)
$yes && up_args+=(--yes)
$json && up_args+=(--yes)
# pulumi's output goes to stderr as it runs and to a file (mode 600) for the summary; not through
# `tee /dev/stderr`, which fails when stderr is a socket (a caller such as Node.js).
output_file="$(mktemp)"
trap 'rm -f "$output_file"' EXIT
status=0
pulumi "${up_args[@]}" 2>&1 | tee "$output_file" >&2 || status=$?
code=0 summary=""
if [[ $status -eq 0 ]]; then
    # The stack output the DataSync component exports: tables, counts and seconds, never a value.
    summary="$(pulumi stack output syncSummary -s "$stack" 2>/dev/null || true)"
else
    code=1
    # The CLI's error names the leak (stderr) and its JSON line counts it (stdout); providers show either.
    if grep -q -e '"leaks":\[{' -e 'personal data left after sanitizing' "$output_file"; then code=5; fi
    summary="$(grep -o '{"ok":false.*}' "$output_file" | tail -1 || true)"
fi
if $json; then
    printf '{"ok":%s,"stack":"%s","request":"%s","summary":%s}\n' "$([[ $code -eq 0 ]] && echo true || echo false)" "$stack" "$request" "${summary:-null}"
elif [[ $code -eq 0 && -n "$summary" ]]; then
    # pulumi up does not show a successful command's output: say what the sync did.
    node -e '
        const s = JSON.parse(process.argv[1]);
        const apps = s.apps.restarted.length === 0 ? "" : s.apps.notHealthy.length > 0 ? `; NOT healthy again: ${s.apps.notHealthy.join(", ")}` : "; apps restarted and healthy";
        console.log(`synced ${s.rows} rows, ${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(1)} s (${s.sanitized ? "sanitized" : "not sanitized"})${apps}; details: logs/staging/sync-*.log`);
    ' "$summary" >&2
elif [[ $code -eq 5 ]]; then
    echo "personal data was found after sanitizing: staging keeps its data; the columns are named above (docs/data-sync.md, Fail closed)" >&2
fi
exit $code
