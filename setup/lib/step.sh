# Sourced by the setup scripts. step NAME LOGFILE CMD...: runs CMD with its output in LOGFILE, prints how
# long it took, and on failure names the step and shows the end of the log. The caller sets STEP_TAG
# (e.g. "toolchain") for the prefix of each line.
step() {
  local name=$1 logf=$2; shift 2
  local t0 rc=0
  t0=$(date +%s)
  printf '[%s] step %s: started (log: %s)\n' "$STEP_TAG" "'$name'" "$logf"
  mkdir -p "$(dirname "$logf")"
  # In a background subshell, so that `set -e` holds inside the step's functions (it is ignored in an `if`
  # condition or a `||` list) and their cd/variables stay local.
  ( set -e; "$@" ) >"$logf" 2>&1 &
  wait $! || rc=$?
  if [ "$rc" -ne 0 ]; then
    printf '[%s] ERROR: step %s failed (exit %s) after %ss. Last lines of %s:\n' \
      "$STEP_TAG" "'$name'" "$rc" "$(( $(date +%s) - t0 ))" "$logf" >&2
    tail -n 25 "$logf" | sed 's/^/    /' >&2
    return 1
  fi
  printf '[%s] step %s: done in %ss\n' "$STEP_TAG" "'$name'" "$(( $(date +%s) - t0 ))"
}
