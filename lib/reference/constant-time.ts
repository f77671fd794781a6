import { timingSafeEqual } from 'node:crypto';

/** Compares a presented secret with the expected one without leaking where they differ. */
export function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
