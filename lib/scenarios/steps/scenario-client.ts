import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { victimClient } from '../roles.js';
import {
  baseClientMetadata,
  type RegistrationAttempt,
  registrationRunTag,
  withRegistration,
} from './registration.js';

/** Where a scenario's own client came from. */
export type ScenarioClient =
  /** Named in the config's scenario_clients. */
  | { kind: 'configured'; clientId: string }
  /** Registered for this scenario at the registration endpoint; deleted when it is done. */
  | { kind: 'registered'; clientId: string }
  /** The registration endpoint turned the metadata down. */
  | { kind: 'refused'; attempt: RegistrationAttempt };

/**
 * Runs `use` with a client that exists for this scenario only (PKI-18, PKI-23, SELF-08): the
 * configured one when scenario_clients names it, else one registered now with `metadata`
 * (plus the run's shared registration metadata), deleted again afterwards whatever `use` does.
 * The caller checks first that one of the two is possible.
 */
export async function withScenarioClient<T>(
  ctx: ScenarioContext,
  req: {
    configured: { clientId: string } | undefined;
    label: string;
    /** What makes this client what the scenario needs: auth method, subject or jwks. */
    metadata: Record<string, unknown>;
    /** Which scenario, for the registered client's name. */
    purpose: string;
    /** A certificate that authenticates as the client, to delete it with (RFC 7592). */
    manageAs?: Identity;
  },
  use: (client: ScenarioClient) => Promise<T>,
): Promise<T> {
  if (req.configured) return use({ kind: 'configured', clientId: req.configured.clientId });
  const tag = await registrationRunTag(ctx);
  return withRegistration(
    ctx,
    {
      label: req.label,
      metadata: { ...baseClientMetadata(ctx, { tag, purpose: req.purpose }), ...req.metadata },
      // A certificate the target trusts, for a registration endpoint behind mTLS.
      identity: victimClient(ctx.target)?.identity ?? null,
      ...(req.manageAs !== undefined ? { manageAs: req.manageAs } : {}),
    },
    (attempt) =>
      use(
        attempt.registered
          ? { kind: 'registered', clientId: attempt.registered.clientId }
          : { kind: 'refused', attempt },
      ),
  );
}

/** "configured as scenario_clients.X" / "registered for this run", for notes and verdicts. */
export function describeScenarioClient(client: ScenarioClient, configKey: string): string {
  switch (client.kind) {
    case 'configured':
      return `client ${client.clientId} (configured as ${configKey})`;
    case 'registered':
      return `client ${client.clientId} (registered for this run)`;
    case 'refused':
      return 'no client (the registration was refused)';
  }
}
