/**
 * `register`: creates the target's clients at the server over RFC 7591 (through the mTLS alias
 * when one is advertised), records them beside the target and points the target at them;
 * `register --cleanup` deletes them again over RFC 7592 and restores the original client_ids.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { ConfigError } from '../errors.js';
import { shellWord } from '../output/shell-word.js';
import { refuseRejectedMetadata } from '../target/issuer-match.js';
import { loadTarget } from '../target/load-target.js';
import type { Target, TargetClient } from '../target/target.js';
import { unusableManagementUri } from '../target/target-origins.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { type ExchangeResult, exchange } from '../tls/exchange.js';
import { rewriteClientIds } from './client-id-rewrite.js';
import { REGISTRABLE_AUTH, registrationMetadata } from './client-metadata.js';
import { RegistrationRejectedError, RegistrationStateError } from './errors.js';
import { describeRegistrationFailure } from './registration-failure.js';
import {
  type RegisteredClientRecord,
  type RegistrationState,
  readRegistrationState,
  registrationStateFile,
  removeRegistrationState,
  writeRegistrationState,
} from './registration-state.js';

export interface RegisterOptions {
  targetFile: string;
  /** RFC 7591 §3 initial access token; default: the target's registration.initial_access_token. */
  initialAccessToken?: string;
  timeoutMs?: number;
}

export interface RegisterOutcome {
  stateFile: string;
  registrationEndpoint: string;
  clients: RegisteredClientRecord[];
  /** Clients of the target that register leaves alone, with the reason. */
  skipped: string[];
}

export interface CleanupOutcome {
  stateFile: string;
  /** Names of the clients deleted at the server. */
  deleted: string[];
  /** Clients the server gave no RFC 7592 credentials for: they stay registered. */
  notes: string[];
  /** false: there was no state file, so nothing to do. */
  hadState: boolean;
}

const NO_MANAGEMENT =
  'the server gave no registration_client_uri and registration_access_token to delete it with (RFC 7592)';

function timeouts(timeoutMs: number | undefined) {
  const ms = timeoutMs ?? 10_000;
  return { connectMs: ms, headersMs: ms, bodyMs: ms, totalMs: 3 * ms };
}

export async function registerClients(opts: RegisterOptions): Promise<RegisterOutcome> {
  const stateFile = registrationStateFile(opts.targetFile);
  if (await exists(stateFile)) {
    throw new RegistrationStateError(
      `${stateFile}: clients are already registered for this target; delete them first: ${cleanupCommand(opts.targetFile)}`,
    );
  }
  const { target, dispatchers } = await loadTarget(opts.targetFile, {
    timeouts: timeouts(opts.timeoutMs),
  });
  try {
    refuseRejectedMetadata(target);
    const url = target.mtlsEndpoints.registration;
    if (url === undefined) {
      throw new ConfigError(
        'the server advertises no registration_endpoint (RFC 7591) and the config sets no endpoints.registration: create the clients by hand (see REGISTER.md from init) and put their client_ids here',
        { file: opts.targetFile },
      );
    }
    const token = opts.initialAccessToken ?? target.registration?.initialAccessToken;
    const skipped: string[] = [];
    const registrable: TargetClient[] = [];
    for (const client of target.clients) {
      if (!REGISTRABLE_AUTH.includes(client.auth) || client.identity === undefined) {
        skipped.push(`${client.name}: auth ${client.auth} is not registered by the harness`);
      } else {
        registrable.push(client);
      }
    }
    if (registrable.length === 0) {
      throw new ConfigError(
        'no client to register: register creates tls_client_auth, self_signed_tls_client_auth, private_key_jwt and public (none) clients with an identity',
        { file: opts.targetFile },
      );
    }
    const records: RegisteredClientRecord[] = [];
    for (const client of registrable) {
      const metadata = registrationMetadata({
        name: client.name,
        auth: client.auth,
        ...(client.identity ? { certDer: client.identity.leafDer } : {}),
        ...(client.subject ? { subject: client.subject } : {}),
        ...(client.assertion ? { assertion: client.assertion } : {}),
        grant: client.grant,
        ...(client.redirectUri !== undefined ? { redirectUri: client.redirectUri } : {}),
        ...(client.scope !== undefined ? { scope: client.scope } : {}),
      });
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const result = await exchange(dispatchers, client.identity ?? null, {
        label: `registration of ${client.name} (RFC 7591)`,
        method: 'POST',
        url,
        headers,
        json: metadata,
      });
      const record = registeredRecord(client, result, dispatchers.targetOrigins ?? []);
      if (record === undefined) {
        const rolledBack = await rollBack({ dispatchers, target, records, stateFile, url });
        throw new RegistrationRejectedError(
          describeRegistrationFailure({ client: client.name, url, result, metadata, headers }) +
            rolledBack,
        );
      }
      records.push(record);
    }
    const state: RegistrationState = {
      version: 1,
      target: basename(opts.targetFile),
      registration_endpoint: url,
      registered_at: new Date().toISOString(),
      clients: records,
    };
    // State first: should the rewrite fail, the clean-up still knows what to delete.
    await writeRegistrationState(stateFile, state);
    await rewriteClientIds(opts.targetFile, new Map(records.map((r) => [r.name, r.client_id])));
    return { stateFile, registrationEndpoint: url, clients: records, skipped };
  } finally {
    await dispatchers.close();
  }
}

/**
 * The command that deletes what the state file keeps. Named generically by default: the CLI
 * rewrites that to the way the user started the tool (lib/cli/hint-command.ts) before it is shown.
 */
export function cleanupCommand(targetFile: string, command = 'mtls-conformance'): string {
  return `${command} register --target ${shellWord(targetFile)} --cleanup`;
}

/**
 * All or nothing: after a refusal, the clients registered before it are deleted again. Any that
 * cannot be are kept in the state file for `register --cleanup`. Returns the note for the error.
 */
async function rollBack(opts: {
  dispatchers: IdentityDispatchers;
  target: Target;
  records: RegisteredClientRecord[];
  stateFile: string;
  url: string;
}): Promise<string> {
  const { records } = opts;
  if (records.length === 0) return '';
  const { left, unmanaged } = await deleteRecords(opts.dispatchers, opts.target.clients, records);
  if (left.length === 0 && unmanaged.length === 0) {
    return ` (the ${records.length} client(s) registered before it were deleted again)`;
  }
  const notes: string[] = [];
  if (left.length > 0) {
    await writeRegistrationState(opts.stateFile, {
      version: 1,
      target: basename(opts.target.configFile),
      registration_endpoint: opts.url,
      registered_at: new Date().toISOString(),
      clients: left.map(({ problem: _problem, ...record }) => record),
    });
    notes.push(
      `could not delete ${left.map((r) => `${r.client_id} (${r.problem})`).join(', ')} registered before it: see ${opts.stateFile} and run ${cleanupCommand(opts.target.configFile)}`,
    );
  }
  if (unmanaged.length > 0) {
    notes.push(
      `${unmanaged.map((u) => u.record.client_id).join(', ')} registered before it stay registered (no usable RFC 7592 credentials to delete them with)`,
    );
  }
  return ` (${notes.join('; ')})`;
}

/**
 * A 2xx answer with a client_id: the client exists now (RFC 7591 §3.2.1). Its RFC 7592
 * credentials are kept only when the registration_client_uri is one of the target's origins.
 */
function registeredRecord(
  client: TargetClient,
  result: ExchangeResult,
  origins: readonly string[],
): RegisteredClientRecord | undefined {
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) return undefined;
  const body = result.json as Record<string, unknown> | undefined;
  if (typeof body?.client_id !== 'string' || body.client_id === '') return undefined;
  const record: RegisteredClientRecord = {
    name: client.name,
    client_id: body.client_id,
    original_client_id: client.clientId,
  };
  const { registration_client_uri: uri, registration_access_token: token } = body;
  if (typeof uri === 'string' && typeof token === 'string') {
    const unusable = unusableManagementUri(uri, origins);
    if (unusable === undefined) {
      record.registration_client_uri = uri;
      record.registration_access_token = token;
    } else {
      record.not_managed = unusable;
    }
  }
  return record;
}

interface DeleteOutcome {
  /** Records the server did not delete, with what went wrong: worth another try. */
  left: Array<RegisteredClientRecord & { problem: string }>;
  /** Records the harness cannot delete (no usable RFC 7592 credentials), with why. */
  unmanaged: Array<{ record: RegisteredClientRecord; reason: string }>;
}

/**
 * RFC 7592 §2.3 DELETE of each record that has the credentials for it, presenting the client's
 * own certificate (an mTLS alias may require one), at a registration_client_uri on one of the
 * target's origins only.
 */
async function deleteRecords(
  dispatchers: IdentityDispatchers,
  clients: readonly TargetClient[],
  records: readonly RegisteredClientRecord[],
): Promise<DeleteOutcome> {
  const outcome: DeleteOutcome = { left: [], unmanaged: [] };
  for (const record of records) {
    const management = usableManagement(record, dispatchers.targetOrigins ?? []);
    if ('reason' in management) {
      outcome.unmanaged.push({ record, reason: management.reason });
      continue;
    }
    const { uri, token } = management;
    const identity = clients.find((c) => c.name === record.name)?.identity ?? null;
    const result = await exchange(dispatchers, identity, {
      label: `delete registered client ${record.client_id} (RFC 7592)`,
      method: 'DELETE',
      url: uri,
      headers: { authorization: `Bearer ${token}` },
    });
    if (result.kind === 'response' && result.status >= 200 && result.status < 300) continue;
    const problem =
      result.kind === 'response'
        ? `HTTP ${result.status}`
        : `${result.failure.class}: ${result.failure.message}`;
    outcome.left.push({ ...record, problem });
  }
  return outcome;
}

/** The record's RFC 7592 credentials, or why the harness cannot use any. */
function usableManagement(
  record: RegisteredClientRecord,
  origins: readonly string[],
): { uri: string; token: string } | { reason: string } {
  const { registration_client_uri: uri, registration_access_token: token } = record;
  if (uri === undefined || token === undefined) {
    return { reason: record.not_managed ?? NO_MANAGEMENT };
  }
  // Registration checked it already; a state file written before that check was made, or
  // origins that changed since, still must not send the token elsewhere.
  const reason = unusableManagementUri(uri, origins);
  return reason === undefined ? { uri, token } : { reason };
}

export async function cleanupClients(opts: {
  targetFile: string;
  timeoutMs?: number;
}): Promise<CleanupOutcome> {
  const stateFile = registrationStateFile(opts.targetFile);
  const state = await readRegistrationState(stateFile);
  if (state === undefined) return { stateFile, deleted: [], notes: [], hadState: false };
  // Resolved as `run` resolves it, so the registration access tokens and certificates go to the
  // same origins a run may use, and nowhere else.
  const { target, dispatchers } = await loadTarget(opts.targetFile, {
    timeouts: timeouts(opts.timeoutMs),
  });
  let outcome: DeleteOutcome;
  try {
    outcome = await deleteRecords(dispatchers, target.clients, state.clients);
  } finally {
    await dispatchers.close();
  }
  const { left } = outcome;
  const failed = new Set(left.map((r) => r.name));
  const done = state.clients.filter((r) => !failed.has(r.name));
  await rewriteClientIds(opts.targetFile, new Map(done.map((r) => [r.name, r.original_client_id])));
  const notes = outcome.unmanaged.map(
    ({ record, reason }) =>
      `${record.name}: client ${record.client_id} stays registered: ${reason}; delete it at the server by hand`,
  );
  const unmanaged = new Set(outcome.unmanaged.map((u) => u.record));
  if (left.length > 0) {
    await writeRegistrationState(stateFile, {
      ...state,
      clients: state.clients.filter((r) => failed.has(r.name)),
    });
    throw new RegistrationStateError(
      `could not delete ${left.map((r) => `${r.name} (${r.client_id}: ${r.problem})`).join(', ')}; they stay in ${stateFile}: try ${cleanupCommand(opts.targetFile)} again`,
    );
  }
  await removeRegistrationState(stateFile);
  return {
    stateFile,
    deleted: done.filter((r) => !unmanaged.has(r)).map((r) => r.name),
    notes,
    hadState: true,
  };
}

/**
 * register → `run` → clean-up, the clean-up whatever `run` does. A clean-up problem after `run`
 * returned is handed to `onCleanupProblem` rather than thrown, so the run's outcome survives;
 * after `run` threw, the run's error wins and the clean-up problem is reported the same way.
 */
export async function withRegisteredClients<T>(
  opts: RegisterOptions & {
    onRegistered?: (outcome: RegisterOutcome) => void;
    onCleanedUp?: (outcome: CleanupOutcome) => void;
    onCleanupProblem: (message: string) => void;
  },
  run: () => Promise<T>,
): Promise<T> {
  const registered = await registerClients(opts);
  opts.onRegistered?.(registered);
  try {
    return await run();
  } finally {
    try {
      // Awaited on its own: inside `onCleanedUp?.(…)` it would be skipped without a callback.
      const cleaned = await cleanupClients({
        targetFile: opts.targetFile,
        ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      });
      opts.onCleanedUp?.(cleaned);
    } catch (err) {
      opts.onCleanupProblem(err instanceof Error ? err.message : String(err));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
