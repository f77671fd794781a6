/** What record-plan writes and the baseline replays. */
export interface BaselinePlan {
  serverCaPem: string | null;
  /** Identity name → its certificate chain and key (test certificates only). */
  identities: Record<string, { certPem: string; keyPem: string }>;
  /**
   * Each scenario's requests, in catalog order, with the server state it touches (the lanes
   * run it by the same rules as the harness: lib/runner/lanes.ts).
   */
  scenarios: PlannedScenario[];
  /** The catalog's own in-process duration for the recorded run. */
  harnessRunMs: number;
}

export interface PlannedScenario {
  id: string;
  /** undefined: it runs alone. */
  touches: string[] | undefined;
  /** Its requests one after another, and the parts it ran side by side (ScenarioContext.inParallel). */
  steps: PlannedStep[];
}

export type PlannedStep = PlannedRequest | { parallel: PlannedStep[][] };

/** identity null: no client certificate. */
export interface PlannedRequest {
  identity: string | null;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export function countRequests(steps: readonly PlannedStep[]): number {
  return steps.reduce(
    (n, step) =>
      n + ('parallel' in step ? step.parallel.reduce((m, part) => m + countRequests(part), 0) : 1),
    0,
  );
}
