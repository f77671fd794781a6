import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import type { ClientWithIdentity } from '../roles.js';
import { requireWorkingClient } from './control.js';
import { expectTokenRejected, requestToken } from './token.js';

export interface RejectedTokenRequest {
  /** The client whose client_id is used; its own certificate is the positive control. */
  who: ClientWithIdentity;
  /** The scenario that judges the control on its own (PKI-01, SELF-01). */
  control: string;
  label: string;
  /** The certificate presented instead of the client's own; null for none. */
  identity: Identity | null;
  /** Defaults to the client's client_id; null leaves the parameter out. */
  clientId?: string | null;
  preferredErrors?: readonly string[];
}

/**
 * The shape of most negative token-endpoint scenarios: the client's own certificate works (the
 * control), and the request with one thing changed is rejected.
 */
export async function expectTokenRequestRejected(
  ctx: ScenarioContext,
  req: RejectedTokenRequest,
): Promise<void> {
  await requireWorkingClient(ctx, req.who, req.control);
  const attempt = await requestToken(ctx, {
    label: req.label,
    client: req.who.client,
    identity: req.identity,
    ...(req.clientId === undefined ? {} : { clientId: req.clientId }),
  });
  expectTokenRejected(
    ctx,
    attempt,
    req.preferredErrors ? { preferredErrors: req.preferredErrors } : {},
  );
}
