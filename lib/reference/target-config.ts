import { randomUUID } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { TargetClientEntry } from './reference-clients.js';
import {
  manifestIdentity,
  REFERENCE_IDENTITIES,
  type ReferenceMaterial,
} from './reference-material.js';
import { PATHS } from './services.js';

export const TARGET_CONFIG_FILE = 'target.json';

/**
 * The target config (the format lib/target loads) describing a running reference server, so
 * that `run --target DIR/target.json` needs no editing. Paths are relative to the file.
 */
export function targetConfig(opts: {
  file: string;
  issuer: string;
  mtlsBaseUrl: string;
  material: ReferenceMaterial;
  clients: TargetClientEntry[];
  /** The config's `scenario_clients`: clients registered for one scenario each. */
  scenarioClients?: Record<string, unknown>;
  /** The target's `login:` block, when the server shows a login page. */
  login?: Record<string, unknown>;
}): Record<string, unknown> {
  const { material } = opts;
  const from = dirname(opts.file);
  const path = (file: string): string => {
    const rel = relative(from, join(material.certsDir, file));
    return rel.startsWith('.') ? rel : `./${rel}`;
  };
  const ca = (name: string) => {
    const identity = manifestIdentity(material, name);
    return { cert: path(identity.cert), key: path(identity.key) };
  };
  const root = ca(REFERENCE_IDENTITIES.rootCa);
  return {
    issuer: opts.issuer,
    server_ca: root.cert,
    certs_manifest: path('manifest.json'),
    test_ca: root,
    second_trusted_ca: ca(REFERENCE_IDENTITIES.secondCa),
    clients: opts.clients,
    ...(opts.scenarioClients ? { scenario_clients: opts.scenarioClients } : {}),
    resource: { url: `${opts.mtlsBaseUrl}${PATHS.resource}`, method: 'GET', expected_status: 200 },
    // The reference asks mTLS clients for their certificate at RFC 7592 management (EP-04).
    registration: { management_requires_mtls: true },
    ...(opts.login ? { login: opts.login } : {}),
  };
}

/** Writes atomically (mode 0600: it holds client secrets and a refresh token). */
export async function writeTargetConfig(
  file: string,
  config: Record<string, unknown>,
): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}
