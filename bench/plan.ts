/** What record-plan writes and the baseline replays. */
export interface BaselinePlan {
  serverCaPem: string | null;
  /** Identity name → its certificate chain and key (test certificates only). */
  identities: Record<string, { certPem: string; keyPem: string }>;
  /** In the order the catalog made them; identity null = no client certificate. */
  requests: Array<{
    identity: string | null;
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
  }>;
  /** The catalog's own in-process duration for the recorded run. */
  harnessRunMs: number;
}
