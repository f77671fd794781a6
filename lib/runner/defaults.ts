/** Per-request bound for connect, headers and body, in ms (the whole exchange gets 3×). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * Scenarios run side by side by default (--concurrency; lib/runner/lanes.ts). Chosen from the
 * benchmark (docs/performance.md): enough lanes that, at 50 ms round trip, the run waits on its
 * longest chain of requests rather than on free lanes.
 */
export const DEFAULT_CONCURRENCY = 32;

/**
 * Targets of a fleet run at once (--parallel-targets): about what keeps both cores busy while
 * each target's run waits on its network, with memory to spare (docs/performance.md).
 */
export const DEFAULT_PARALLEL_TARGETS = 4;
