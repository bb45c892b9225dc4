// Phone numbers, decided by libphonenumber-js (Google's libphonenumber metadata) over the regions set
// in config. The library is thorough and slow (milliseconds per text and region), so a cheap pass
// finds runs of digits first and uses the library's own metadata (each region's national number
// pattern) to pick the few runs and regions worth asking it about; its answers are cached per run.
// A number counts when it is written the way people write phone numbers: international (`+`, `00`),
// national with its trunk prefix (`030 1234567`, `06 12 34 56 78`) or grouped (`(415) 555-0100`,
// `912 345 678`). A bare run of digits is ambiguous (ids, amounts, epoch milliseconds): it is
// replaced when it is a valid North American number, and never stops a sync.
import { Metadata, findPhoneNumbersInText } from "libphonenumber-js/core";
import metadataJson from "libphonenumber-js/metadata.max.json";
import type { MetadataJson } from "libphonenumber-js/core";
import { DEFAULT_PHONE_REGIONS, isPhoneRegion } from "../../config/phoneRegions";
import { eachMatch } from "./regex";

const metadataSource = metadataJson as unknown as MetadataJson;

/**
 * A run of digits as phone numbers are written: optional `+`, `00` or `(`, digits and the separators
 * people use, not glued to letters or digits (UUID groups, decimals, times and versions stay out).
 */
const RUN = /(?<![\p{L}\p{N}_][-./]?)(?<!\p{N}[:,])(?:\+|\(\+?)?\p{Nd}[\p{Nd} \t\u00a0().\/\-]{5,}\p{Nd}\)?(?![-./]?[\p{L}\p{N}_]|[:,]\p{N})/gu;
/** Dates in the usual orders are not phone numbers. */
const DATE = /^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$/;
/** An IPv4 address may also be a number written with dots (`40.61.87.59`): replaced, never a stop. */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const SEPARATOR = /[ \t\u00a0().\/-]/;

export type Strength = "strong" | "ambiguous";

export interface PhoneSpan {
    start: number;
    end: number;
    strength: Strength;
}

interface Plan {
    region: string;
    callingCode: string;
    nationalPrefix: string | undefined;
    pattern: RegExp;
}

export class PhoneFinder {
    private readonly metadata = new Metadata(metadataSource);
    private readonly plans: Plan[];
    /** Region plans by calling code, for international numbers (any region, not only the configured). */
    private readonly byCallingCode = new Map<string, Plan[]>();
    private readonly cache = new Map<string, PhoneSpan[]>();

    constructor(regions: readonly string[] = DEFAULT_PHONE_REGIONS, private readonly cacheSize = 50_000) {
        const unknown = regions.filter((r) => !isPhoneRegion(r));
        if (unknown.length > 0) throw new Error(`unknown phone region(s) ${unknown.join(", ")}: use ISO 3166 codes such as DE, FR, US`);
        this.plans = regions.map((r) => this.plan(r));
        for (const [code, members] of Object.entries(metadataSource.country_calling_codes)) {
            this.byCallingCode.set(code, (members as string[]).filter(isPhoneRegion).map((r) => this.plan(r)));
        }
    }

    spans(text: string): PhoneSpan[] {
        const spans: PhoneSpan[] = [];
        eachMatch(RUN, text, (m) => {
            for (const span of this.inRun(m[0])) spans.push({ start: m.index + span.start, end: m.index + span.end, strength: span.strength });
        });
        return spans;
    }

    private inRun(run: string): PhoneSpan[] {
        const cached = this.cache.get(run);
        if (cached) return cached;
        const found = this.decide(run);
        if (this.cache.size >= this.cacheSize) this.cache.clear();
        this.cache.set(run, found);
        return found;
    }

    /**
     * The run as one number; failing that, the run without its first or last groups (`ref 12 (415)
     * 555-0100`), and its parts split at ` / ` or `;` (two numbers in one run).
     */
    private decide(run: string): PhoneSpan[] {
        const parts = run.split(/(\s\/\s|;\s*)/);
        if (parts.length > 1) {
            const spans: PhoneSpan[] = [];
            let offset = 0;
            for (const part of parts) {
                for (const span of this.decide(part)) spans.push({ start: offset + span.start, end: offset + span.end, strength: span.strength });
                offset += part.length;
            }
            return spans;
        }
        const whole = this.asNumber(run);
        if (whole) return [{ start: 0, end: run.length, strength: whole }];
        const groups = [...run.matchAll(/[^ \t\u00a0/]+/g)].map((m) => [m.index!, m.index! + m[0].length]);
        for (let first = 0; first < Math.min(groups.length, 4); first++) {
            for (let last = groups.length - 1; last >= first && last >= groups.length - 3; last--) {
                if (first === 0 && last === groups.length - 1) continue;
                const [start, end] = [groups[first][0], groups[last][1]];
                const strength = this.asNumber(run.slice(start, end));
                if (strength) return [{ start, end, strength }];
            }
        }
        return [];
    }

    /** Whether all of `text` is one phone number: the metadata picks the regions, the library decides. */
    private asNumber(text: string): Strength | undefined {
        const digits = text.replace(/\(0\)/, "").replace(/\D/g, "");
        if (digits.length < 7 || digits.length > 17 || DATE.test(text)) return undefined;
        const international = /^\(?\+/.test(text) || /^00[1-9]/.test(text);
        const grouped = SEPARATOR.test(text.replace(/^\(?\+/, "").replace(/[\s()]+$/, ""));
        const candidates: Array<{ plan: Plan; strength: Strength }> = [];
        if (international) {
            const rest = digits.replace(/^00/, "");
            for (let length = 1; length <= 3; length++) {
                for (const plan of this.byCallingCode.get(rest.slice(0, length)) ?? []) {
                    if (plan.pattern.test(rest.slice(length))) candidates.push({ plan, strength: "strong" });
                }
            }
        } else {
            for (const plan of this.plans) {
                const trunk = plan.nationalPrefix !== undefined && digits.startsWith(plan.nationalPrefix);
                if (!plan.pattern.test(trunk ? digits.slice(plan.nationalPrefix!.length) : digits)) continue;
                const strength = nationalStrength(plan, trunk, grouped, digits.length);
                if (strength) candidates.push({ plan, strength });
            }
        }
        for (const { plan, strength } of candidates) {
            // The library decides: the number must be valid in the region and take up (nearly) all of the text.
            const matches = findPhoneNumbersInText(text, { defaultCountry: plan.region as never, v2: true } as never, metadataSource) as unknown as Array<{ startsAt: number; endsAt: number }>;
            const covered = matches.reduce((n, m) => n + text.slice(m.startsAt, m.endsAt).replace(/\D/g, "").length, 0);
            if (matches.length > 0 && covered >= digits.length - 1) return IPV4.test(text) ? "ambiguous" : strength;
        }
        return undefined;
    }

    private plan(region: string): Plan {
        this.metadata.selectNumberingPlan(region as never);
        // The typings leave out these accessors of the selected plan, which the library itself uses.
        const numbering = this.metadata.numberingPlan as unknown as { nationalPrefix(): unknown; callingCode(): string; nationalNumberPattern(): string };
        const prefix = numbering.nationalPrefix();
        return {
            region,
            callingCode: numbering.callingCode(),
            nationalPrefix: typeof prefix === "string" && prefix.length > 0 ? prefix : undefined,
            pattern: new RegExp(`^(?:${numbering.nationalNumberPattern()})$`),
        };
    }
}

/**
 * How sure a national run is a phone number of the plan's region: written with the trunk prefix 0 as
 * most of Europe does, or grouped where numbers are dialled without a prefix (North America, Spain,
 * Italy, Scandinavia); a bare ten-digit North American number is ambiguous.
 */
function nationalStrength(plan: Plan, trunk: boolean, grouped: boolean, digits: number): Strength | undefined {
    if (trunk) return plan.nationalPrefix === "0" || grouped ? "strong" : undefined;
    if (grouped && (plan.nationalPrefix === undefined || plan.callingCode === "1")) return "strong";
    if (!grouped && plan.callingCode === "1" && digits === 10) return "ambiguous";
    return undefined;
}
