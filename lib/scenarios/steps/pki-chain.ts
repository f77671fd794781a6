import { parsePemBlocks } from '../../certs/pem.js';
import type { Target } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { Requirement } from '../requirements.js';
import { type ClientWithIdentity, victimClient } from '../roles.js';

/** A tls_client_auth client and a certificate that reaches the trusted root through an intermediate. */
export interface ChainedCertificate {
  who: ClientWithIdentity;
  identity: Identity;
  /** Where the chain comes from, for the report. */
  origin: string;
  /** Minted at run time: a refusal may be the target's issuer policy (see MINTED_CHAIN_CAVEAT). */
  minted: boolean;
}

export const MINTED_CHAIN_CAVEAT =
  'no configured client comes with an intermediate, so one was minted under test_ca at run time; a target that binds each client to the CA that issued its certificate (RFC 8705 §7.4) refuses it: configure a tls_client_auth client issued by an intermediate to test chain building as registered';

/**
 * A configured tls_client_auth client whose certificate is sent with its intermediate(s): the
 * chain the operator registered, so it is what the target's chain building must handle as is.
 */
export function chainedPkiClient(target: Target): ClientWithIdentity | undefined {
  for (const client of target.clients) {
    const identity = client.identity;
    if (client.auth !== 'tls_client_auth' || identity === undefined) continue;
    if (client.grant.type !== 'client_credentials') continue;
    const certificates = parsePemBlocks(identity.certPem).filter((b) => b.label === 'CERTIFICATE');
    if (certificates.length >= 2) return { client, identity };
  }
  return undefined;
}

/** PKI-13 can run with a configured chained client, or mint one for the victim under test_ca. */
export const chainAvailable: Requirement = {
  name: 'chained-certificate',
  missing(target) {
    if (chainedPkiClient(target)) return undefined;
    const victim = victimClient(target);
    if (!victim) {
      return 'no tls_client_auth client whose certificate comes with an intermediate, and no subject_dn client to mint one for';
    }
    if (!target.testCa || victim.identity.issuer !== target.testCa.subject) {
      return "no tls_client_auth client whose certificate comes with an intermediate, and the victim's certificate was not issued by test_ca, so none can be minted";
    }
    return undefined;
  },
};

/**
 * The certificate PKI-13 presents. A configured chained client comes first: a target that binds
 * each client to the CA that issued its certificate (RFC 8705 §7.4) rightly refuses a leaf
 * from an intermediate minted at run time, which would make a correct target fail. Without one,
 * the victim's subject is issued under a run-time intermediate of test_ca.
 */
export async function chainedCertificate(ctx: ScenarioContext): Promise<ChainedCertificate> {
  const configured = chainedPkiClient(ctx.target);
  if (configured) {
    return {
      who: configured,
      identity: configured.identity,
      origin: 'its configured chain',
      minted: false,
    };
  }
  const victim = victimClient(ctx.target);
  if (!victim) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
  return {
    who: victim,
    identity: await ctx.identities.victimVariant('intermediate-chain'),
    origin: 'a run-time intermediate of test_ca',
    minted: true,
  };
}
