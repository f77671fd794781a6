import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import type { RegisteredClient } from './registration.js';

/** Members of a client information response that a client never sends back (RFC 7592 §2.2). */
const SERVER_MEMBERS = [
  'registration_access_token',
  'registration_client_uri',
  'client_secret_expires_at',
  'client_id_issued_at',
];

export type ManagementAction = 'read' | 'update' | 'delete';

const METHOD: Record<ManagementAction, string> = { read: 'GET', update: 'PUT', delete: 'DELETE' };

/**
 * One RFC 7592 request to the client configuration endpoint with the client's registration
 * access token, presenting `identity` (null: none). An update sends the registered metadata
 * back with `changes` applied, as §2.2 asks (the whole metadata, client_id included).
 */
export function manageRegisteredClient(
  ctx: ScenarioContext,
  req: {
    label: string;
    registered: RegisteredClient & { management: NonNullable<RegisteredClient['management']> };
    action: ManagementAction;
    identity: Identity | null;
    changes?: Record<string, unknown>;
  },
): Promise<ExchangeResult> {
  const { registered } = req;
  const headers: Record<string, string> = {
    authorization: `Bearer ${registered.management.accessToken}`,
    accept: 'application/json',
  };
  const metadata = Object.fromEntries(
    Object.entries(registered.metadata).filter(([name]) => !SERVER_MEMBERS.includes(name)),
  );
  return ctx.exchange(req.identity, {
    label: req.label,
    method: METHOD[req.action],
    url: registered.management.uri,
    headers,
    ...(req.action === 'update'
      ? { json: { ...metadata, client_id: registered.clientId, ...req.changes } }
      : {}),
  });
}
