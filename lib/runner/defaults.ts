/** Per-request bound for connect, headers and body, in ms (the whole exchange gets 3×). */
export const DEFAULT_TIMEOUT_MS = 10_000;
