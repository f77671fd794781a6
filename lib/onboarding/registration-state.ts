/**
 * The registration state file beside a target: which clients `register` created, the client_ids
 * they had in the target before, and the RFC 7592 credentials to delete them with. It holds
 * registration access tokens, so it is written with mode 0600 and never printed.
 */
import { randomUUID } from 'node:crypto';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { DOCUMENT_LIMIT, readInputText } from '../input-file.js';
import { RegistrationStateError } from './errors.js';

export interface RegisteredClientRecord {
  /** The client's name in the target. */
  name: string;
  client_id: string;
  /** The client_id the target had before registration; put back by the clean-up. */
  original_client_id: string;
  /** RFC 7592 client configuration endpoint and its bearer token, when the server gave them. */
  registration_client_uri?: string;
  registration_access_token?: string;
  /**
   * Why the server's RFC 7592 credentials were not kept (a registration_client_uri that is not on
   * one of the target's origins): the client cannot be deleted by --cleanup.
   */
  not_managed?: string;
}

export interface RegistrationState {
  version: 1;
  /** The target file's name (the state file sits beside it). */
  target: string;
  registration_endpoint: string;
  registered_at: string;
  clients: RegisteredClientRecord[];
}

/** `staging.yaml` → `staging.registration.json`, in the same folder. */
export function registrationStateFile(targetFile: string): string {
  const name = basename(targetFile, extname(targetFile));
  return join(dirname(targetFile), `${name}.registration.json`);
}

export async function readRegistrationState(file: string): Promise<RegistrationState | undefined> {
  let text: string;
  try {
    text = await readInputText(file, {
      limit: DOCUMENT_LIMIT,
      problem: (problem, options) => new RegistrationStateError(`${file}: ${problem}`, options),
    });
  } catch (err) {
    const cause = err instanceof Error ? err.cause : undefined;
    if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RegistrationStateError(`${file}: not valid JSON (${(err as Error).message})`, {
      cause: err,
    });
  }
  if (!isState(data)) {
    throw new RegistrationStateError(
      `${file}: not a registration state file written by \`mtls-conformance register\``,
    );
  }
  return data;
}

function isState(data: unknown): data is RegistrationState {
  if (typeof data !== 'object' || data === null) return false;
  const state = data as Partial<RegistrationState>;
  return (
    state.version === 1 &&
    Array.isArray(state.clients) &&
    state.clients.every(
      (c) =>
        typeof c === 'object' &&
        c !== null &&
        typeof c.name === 'string' &&
        typeof c.client_id === 'string' &&
        typeof c.original_client_id === 'string',
    )
  );
}

/** Written atomically with mode 0600: it holds registration access tokens. */
export async function writeRegistrationState(
  file: string,
  state: RegistrationState,
): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
}

export async function removeRegistrationState(file: string): Promise<void> {
  await unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
}
