import { UsageError } from '../errors.js';

/**
 * --max-rps: requests start at least 1/rate seconds apart, in the order they asked, whichever
 * scenario or lane sends them, so a fragile staging server never sees more than that.
 */
export class RequestRate {
  readonly #intervalMs: number;
  /** When the next request may start (performance.now() time). */
  #next = 0;
  readonly #waiting = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #closed = false;

  constructor(perSecond: number) {
    if (!Number.isFinite(perSecond) || perSecond <= 0) {
      throw new UsageError(`--max-rps must be a number above 0 (got ${String(perSecond)})`);
    }
    this.#intervalMs = 1000 / perSecond;
  }

  /** Resolves when the caller's request may start, with how long it waited (ms). */
  async admit(): Promise<number> {
    if (this.#closed) return 0;
    const now = performance.now();
    const at = Math.max(now, this.#next);
    this.#next = at + this.#intervalMs;
    const waitMs = at - now;
    if (waitMs <= 0) return 0;
    await new Promise<void>((resolve) => {
      const entry = {
        resolve,
        timer: setTimeout(() => {
          this.#waiting.delete(entry);
          resolve();
        }, waitMs),
      };
      this.#waiting.add(entry);
    });
    return waitMs;
  }

  /**
   * Lets every waiting request go at once: the dispatchers are closing, so they fail there,
   * and no timer keeps an interrupted run alive for the rest of its queue.
   */
  close(): void {
    this.#closed = true;
    for (const entry of this.#waiting) {
      clearTimeout(entry.timer);
      entry.resolve();
    }
    this.#waiting.clear();
  }
}
