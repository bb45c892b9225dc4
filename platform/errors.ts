// The errors every command shares. A UsageError is bad input (a flag, a value, a missing setting): its
// message names the problem and the fix, and the command exits with EXIT.usage (platform/exitCodes.ts).

export class UsageError extends Error {}
