// The exit codes of every command (documented in docs/operator-guide.md).
export const EXIT = {
    ok: 0,
    /** Unhealthy, a failed test, a failed or refused operation. */
    failed: 1,
    usage: 2,
    /** Another promotion or rollback holds the stack's lock. */
    locked: 3,
    /** A promotion failed and production was rolled back automatically to its previous point. */
    rolledBack: 4,
} as const;
