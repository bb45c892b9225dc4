// What counts as personal data the sync must not let through, as regular expressions that mean the
// same in PostgreSQL (ARE) and JavaScript, so the database-side scan and the tests agree.

/** An email address; not preceded by a backslash, so `\nalice@x.org` inside JSON keeps its `\n`. */
export const EMAIL_PATTERN = String.raw`(?<!\\)[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`;

/**
 * A phone number: `+1 415 555 0100`, `(415) 555-0100`, `415.555.0100`, `+44 20 7946 0958`, or E.164
 * `+14155550100`. The guards keep UUID groups, IP addresses, timestamps and decimals out.
 */
export const PHONE_PATTERN =
    String.raw`(?<![0-9A-Fa-f:+_.-])(?:\+[1-9][0-9]{0,2}[ .-]?)?(?:\([0-9]{2,4}\)|[0-9]{2,4})[ .-][0-9]{3,4}[ .-]?[0-9]{3,4}(?![0-9]|[.-][0-9])` +
    String.raw`|(?<![0-9A-Za-z+])\+[1-9][0-9]{7,14}(?![0-9])`;

/** A cheap necessary condition of PHONE_PATTERN (no lookarounds), checked first because most text has no phone number. */
export const PHONE_PREFILTER = String.raw`[0-9][ .)-]+[0-9]{3}|\+[1-9][0-9]{7}`;

/** The sanitized forms. */
export const SANITIZED_PHONE = "555-0123";
export const SANITIZED_NAME = "Test User";
export const SANITIZED_FIRST_NAME = "Test";
export const SANITIZED_LAST_NAME = "User";
export const SANITIZED_EMAIL_PATTERN = String.raw`user-[0-9a-f]{16}@example\.com`;

/** Name parts shorter than this are not searched for in free text (initials would match everywhere). */
export const MIN_NAME_LENGTH = 3;
