// The exit codes of every command: `pa` and its wrappers, and the sync CLI (docs/operator-guide.md).
// One table, so a code means the same thing wherever a script reads it.
export const EXIT = {
    ok: 0,
    /** Unhealthy, a failed test, a failed or refused operation. */
    failed: 1,
    /** Bad arguments or environment: the message names the fix. */
    usage: 2,
    /** Another promotion or rollback holds the stack's lock. */
    locked: 3,
    /** A promotion failed and production was rolled back automatically to its previous point. */
    rolledBack: 4,
    /** A sync found personal data left after sanitizing; staging keeps the data it had. */
    personalData: 5,
    /** A sync interrupted (SIGINT/SIGTERM): its incoming copies were dropped. */
    interrupted: 130,
} as const;

/** The table as one line, for `--help` texts. */
export const EXIT_CODES_HELP = "Exit codes: 0 ok, 1 failed/unhealthy, 2 usage, 3 locked, 4 rolled back after a failed promotion, 5 personal data found by a sync, 130 sync interrupted.";
