// Splits a database's tables between parallel copy sessions ("lanes") that share one snapshot, so
// the biggest table does not keep one core busy while the other idles. Big tables are cut into page
// ranges; every piece goes to the lane with the least pages so far, biggest pieces first.
import { PageRange } from "./plan";

export interface LaneTask {
    /** Index of the table in the list given. */
    table: number;
    /** Part of the table; undefined for all of it. */
    range?: PageRange;
}

/** Tables smaller than this (8 MiB of 8 KiB pages) are copied whole: a second session would cost more than it saves. */
export const MIN_SPLIT_PAGES = 1024;

export function assignLanes(tablePages: readonly number[], lanes: number, minSplitPages = MIN_SPLIT_PAGES): LaneTask[][] {
    const pieces: Array<LaneTask & { pages: number }> = [];
    tablePages.forEach((pages, table) => {
        if (lanes < 2 || pages < minSplitPages) return pieces.push({ table, pages });
        const step = Math.ceil(pages / lanes);
        for (let i = 0; i < lanes; i++) {
            // The last piece is open-ended: rows in pages added after the size was read are still copied.
            const range: PageRange = i === lanes - 1 ? { from: i * step } : { from: i * step, to: (i + 1) * step };
            pieces.push({ table, range, pages: Math.min(step, pages - i * step) });
        }
    });
    const result: LaneTask[][] = Array.from({ length: Math.max(1, lanes) }, () => []);
    const load = result.map(() => 0);
    for (const piece of [...pieces].sort((a, b) => b.pages - a.pages)) {
        const lane = load.indexOf(Math.min(...load));
        result[lane].push(piece.range ? { table: piece.table, range: piece.range } : { table: piece.table });
        load[lane] += piece.pages;
    }
    return result.filter((tasks) => tasks.length > 0);
}
