// The sanitized forms personal values become, the same in SQL (sync/plan.ts) and in the text
// sanitizer (sync/text.ts). What counts as personal data is decided in sync/pii/.

/** The sanitized forms. */
export const SANITIZED_PHONE = "555-0123";
export const SANITIZED_NAME = "Test User";
export const SANITIZED_FIRST_NAME = "Test";
export const SANITIZED_LAST_NAME = "User";
/** The sanitized forms of names, which are nobody's: never searched for, never tagged. */
export const SANITIZED_NAMES: readonly string[] = [SANITIZED_NAME, SANITIZED_FIRST_NAME, SANITIZED_LAST_NAME];
