import type { Target } from '../target/target.js';

/**
 * What server state a scenario touches, so that the runner (lib/runner/lanes.ts) can run
 * scenarios that share none side by side and keep the verdicts a sequential run gives.
 *
 * A scenario declares `serverState` (scenario.ts): a list of keys, or a function of the target
 * returning them (which clients a scenario works with depends on the config). Two scenarios
 * that touch a common key never run at the same time, and they run in catalog order, so the
 * server sees what they do in the order a sequential run shows it. `[]` touches nothing another
 * scenario could notice. A scenario that declares nothing runs alone: nothing before it is still
 * running when it starts, and nothing after it starts before it ends. That is the default for
 * a new scenario until someone has read what it does.
 *
 * What counts as touched: state the scenario changes, or relies on not changing, that another
 * scenario can reach. A token or client a scenario obtains or registers for itself alone (a
 * fresh token it revokes, its own authorization code flow, a client registered under a name no
 * other scenario uses) is its own and needs no key.
 */
export type StateKey = string;

export type ServerStateDeclaration =
  | readonly StateKey[]
  | ((target: Target) => readonly StateKey[]);

export const stateKeys = {
  /**
   * A client's grants: its refresh tokens and the tokens they came with. Redeeming a refresh
   * token may rotate it, and presenting a used one may revoke the whole grant (RFC 6749 §10.4,
   * OAuth 2.1 reuse detection), so every scenario that redeems one, or relies on a token of the
   * grant still working, shares the client's key.
   */
  grants: (clientName: string): StateKey => `grants:${clientName}`,
  /**
   * A burst of failing authentication attempts for one client, which a lock-out or a rate limit
   * counts: two such bursts for the same client never overlap, and each goes one attempt at a
   * time (PKI-15's near-misses, the forwarded-header injections). A single failing attempt is
   * not a burst.
   */
  failures: (clientName: string): StateKey => `failures:${clientName}`,
  /**
   * Clients registered for a while with this client's subject DN in another spelling (PKI-23):
   * while they exist, a server that looks the client up by its certificate rather than by
   * client_id finds several, so a scenario that sends the certificate without a client_id
   * (PKI-02) could be answered otherwise than in a sequential run.
   */
  namesakes: (clientName: string): StateKey => `namesakes:${clientName}`,
  /** A client the run registers under a name more than one scenario uses (REG-02…04, REG-06). */
  registration: (purpose: string): StateKey => `registration:${purpose}`,
} as const;

/** `key` for each client (none when the scenario has no such client and will skip). */
export function keysOf(
  key: (clientName: string) => StateKey,
  clients: ReadonlyArray<{ client: { name: string } } | undefined>,
): StateKey[] {
  return [...new Set(clients.flatMap((who) => (who === undefined ? [] : [key(who.client.name)])))];
}

/** The keys a scenario touches on this target; undefined when it declared none (it runs alone). */
export function touchedState(
  declaration: ServerStateDeclaration | undefined,
  target: Target,
): readonly StateKey[] | undefined {
  if (declaration === undefined) return undefined;
  return typeof declaration === 'function' ? declaration(target) : declaration;
}
