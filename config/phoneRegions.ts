// The regions whose national phone number formats the sync's sanitizer recognises: a config value
// (pa:sync.phoneRegions), checked against the regions libphonenumber has metadata for.
import metadataJson from "libphonenumber-js/metadata.max.json";

/** Europe (EU, EEA, the UK, Switzerland) and North America, unless config names others. */
export const DEFAULT_PHONE_REGIONS: readonly string[] = [
    "US", "CA", "MX", "GB", "IE", "FR", "DE", "AT", "CH", "BE", "NL", "LU", "IT", "ES", "PT", "DK", "SE", "NO", "FI",
    "IS", "PL", "CZ", "SK", "HU", "SI", "HR", "RO", "BG", "GR", "CY", "MT", "EE", "LV", "LT", "LI",
];

/** Whether a region code is one libphonenumber knows (ISO 3166-1 alpha-2). */
export function isPhoneRegion(region: string): boolean {
    return Object.prototype.hasOwnProperty.call((metadataJson as { countries: Record<string, unknown> }).countries, region);
}
