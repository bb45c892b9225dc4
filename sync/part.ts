// The shape every part of a sync has once prepared, so sync/run.ts swaps, reverts and finishes them in one loop.

/**
 * One part of a sync (the databases, the graph, the files) once copied and verified beside staging's live
 * data: runSync swaps every part in together and, when one fails, reverts those begun in reverse order.
 */
export interface PreparedPart {
    name: string;
    /** Puts the copy in place (staging's apps are stopped). */
    swapIn(): Promise<void>;
    /** Puts the live data back after a swap, also a half-done one. */
    revert(): Promise<void>;
    /** Once every part is in: removes what was set aside. */
    finish(): Promise<void>;
    /** When the sync fails: removes the copies that were not kept. */
    discard(): Promise<void>;
}
