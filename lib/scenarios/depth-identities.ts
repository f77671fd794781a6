/**
 * The certificates of the validation-depth scenarios (PKI-18…23, SELF-08), for IdentityPool
 * (`pool.depth`): minted in memory when a scenario first asks, cached for the run, and taken
 * from the target's cert set instead when it holds one that is exactly what is asked for
 * (cert-set-certificates.ts), except the faithful look-alike, whose CA is always minted for the
 * run (a set's CA is a file an operator could have trusted by mistake).
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import type * as asn from '@peculiar/asn1-x509';
import { SELF_SIGNED_TWO_KEYS_SUBJECT } from '../certs/cert-set.js';
import { SELF_SIGNED_TWO_KEYS } from '../certs/cert-set-depth.js';
import { type DnSpelling, equivalentDnSpellings } from '../certs/dn-spellings.js';
import { mintLookAlike } from '../certs/look-alike.js';
import {
  withHomoglyphInCommonName,
  withNulInCommonName,
  withNulInDnsName,
} from '../certs/look-alike-names.js';
import type { IdentityRole } from '../certs/manifest.js';
import {
  importMinted,
  type KeyType,
  type MintedCert,
  mintCa,
  mintLeaf,
  type San,
} from '../certs/mint.js';
import { dnsNamesExtension, unknownCriticalExtension } from '../certs/odd-extensions.js';
import { parsePemBlocks } from '../certs/pem.js';
import { dnEquals, parseDn } from '../certs/rfc4514.js';
import { jwkWithX5c } from '../onboarding/client-metadata.js';
import type { Target } from '../target/target.js';
import { type Identity, identityFromMinted } from '../tls/identity.js';
import {
  type CertSetCertificates,
  current,
  issuedBy,
  selfSignedAs,
} from './cert-set-certificates.js';
import type { MintedKind } from './identity-pool.js';
import { ScenarioSkip } from './outcome.js';
import { type ClientWithIdentity, otherPkiClient, victimClient } from './roles.js';

/** What the pool lends: its target, key type, cert set, run cache and the victim's facts. */
export interface DepthServices {
  readonly target: Target;
  readonly keyType: KeyType;
  readonly certSet: CertSetCertificates | undefined;
  /** The pool's run cache: one `make` per key, a failure not cached. */
  once<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** ScenarioSkip without a test CA. */
  testCa(): MintedCert;
  /** The victim's registered subject DN; ScenarioSkip without a subject_dn victim. */
  victimSubject(): string;
  victimVariant(kind: MintedKind): Promise<Identity>;
}

/** PKI-18: a leaf sent with the intermediate CA that issued it. */
export interface LeafWithIntermediate {
  /** Leaf + intermediate: what the handshake sends. */
  identity: Identity;
  /** The intermediate's subject in RFC 4514 (as openssl prints it): the DN to register. */
  intermediateDn: string;
  /** Minted for the run (so registered nowhere yet), rather than taken from the cert set. */
  minted: boolean;
}

/** SELF-08: one self-signed client, two certificates registered together, a third not. */
export interface SelfSignedTwoKeys {
  /** Two certificates over two keys, same subject: both go in the client's jwks. */
  registered: [Identity, Identity];
  /** The same subject over a third key: never registered. */
  unregistered: Identity;
  /** `{ keys: [JWK + x5c, JWK + x5c] }` for `registered`: RFC 8705 §2.2.2 registration by value. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** Minted for the run (so registered nowhere yet), rather than taken from the cert set. */
  minted: boolean;
}

/** PKI-18: the subject of a leaf whose issuer, not itself, carries the victim's DN. */
export const LEAF_UNDER_VICTIM_NAMED_CA = 'CN=mtls-conformance PKI-18 leaf,O=mtls-conformance';

export class DepthIdentities {
  readonly #services: DepthServices;

  constructor(services: DepthServices) {
    this.#services = services;
  }

  /**
   * PKI-18: a valid leaf sent with the intermediate CA (under test_ca) that issued it, and that
   * intermediate's DN, which the scenario's client is registered with. The cert set's
   * chained-client when its intermediate chains to test_ca (and has that DN), else the victim's
   * subject under an intermediate minted for the run. `intermediateDn`: the DN a configured
   * client is already registered with; a minted intermediate is then named so.
   */
  leafWithIntermediate(opts: { intermediateDn?: string } = {}): Promise<LeafWithIntermediate> {
    const { intermediateDn } = opts;
    return this.#services.once(`leaf-with-intermediate:${intermediateDn ?? ''}`, async () => {
      const testCa = certificateOf(this.#services.testCa());
      const fromSet = await this.#services.certSet?.find('leaf-with-intermediate', {
        role: 'pki-client-chained',
        subject: () => true,
        issuer: (issuer) => intermediateDn === undefined || sameDn(issuer, intermediateDn),
        validity: current,
        chain: (chain) =>
          chain.length === 1 && chain[0] !== undefined && issuedBy(chain[0], testCa),
      });
      if (fromSet) return { identity: fromSet, intermediateDn: fromSet.issuer, minted: false };
      const identity =
        intermediateDn === undefined
          ? await this.#services.victimVariant('intermediate-chain')
          : await this.#leafUnder(intermediateDn);
      return { identity, intermediateDn: identity.issuer, minted: true };
    });
  }

  /**
   * PKI-18 with no client of its own to register: an intermediate CA under test_ca whose subject
   * IS the victim's registered DN, and two leaves it issued, sent with it: `other` with a subject
   * of its own (must not authenticate as the victim) and `control` with the victim's subject
   * (authenticates wherever such a chain is accepted at all). Always minted for the run.
   */
  leavesUnderVictimNamedCa(): Promise<{ other: Identity; control: Identity }> {
    return this.#services.once('leaves-under-victim-named-ca', async () => {
      const subject = this.#services.victimSubject();
      const { keyType } = this.#services;
      const issuer = await mintCa({ subject, issuer: this.#services.testCa(), keyType });
      const [other, control] = await Promise.all([
        mintLeaf({ subject: LEAF_UNDER_VICTIM_NAMED_CA, issuer, keyType }),
        mintLeaf({ subject, issuer, keyType }),
      ]);
      return {
        other: identityFromMinted('leaf-under-victim-named-ca', other),
        control: identityFromMinted('victim-under-victim-named-ca', control),
      };
    });
  }

  /**
   * PKI-19: the victim's subject issued by another client's leaf (basicConstraints CA:false, no
   * keyCertSign), sent with that leaf (and whatever chain it came with).
   */
  victimIssuedByLeaf(): Promise<Identity> {
    return this.#services.once('victim-issued-by-leaf', async () => {
      const subject = this.#services.victimSubject();
      const other = otherPkiClient(this.#services.target);
      if (!other) {
        throw new ScenarioSkip(
          'needs a second tls_client_auth client with its own certificate and key to issue from',
        );
      }
      const otherChain = parsePemBlocks(other.identity.certPem).map((block) => block.der);
      const fromSet = await this.#services.certSet?.find('victim-issued-by-leaf', {
        role: 'negative-issued-by-leaf',
        subject: (s) => s === subject,
        issuer: (issuer) => issuer === other.identity.subject,
        validity: current,
        chain: (chain) =>
          chain.length === otherChain.length &&
          chain.every((cert, i) => cert.raw.equals(otherChain[i] ?? new Uint8Array())),
      });
      if (fromSet) return fromSet;
      const issuer = await importMinted({
        certPem: other.identity.certPem,
        keyPem: other.identity.keyPem,
      });
      return identityFromMinted(
        'victim-issued-by-leaf',
        await mintLeaf({ subject, issuer, keyType: this.#services.keyType }),
      );
    });
  }

  /** PKI-20: the victim's subject from test_ca with an unknown critical extension. */
  async victimWithUnknownCriticalExtension(): Promise<Identity> {
    return this.#fromTestCa('victim-unknown-critical-extension', {
      role: 'negative-unknown-critical-extension',
      subject: this.#services.victimSubject(),
      extensions: [unknownCriticalExtension()],
    });
  }

  /** PKI-21: `CN=<victim's CN>\0.attacker`, the rest of the victim's DN, from test_ca. */
  async victimWithNulInCn(): Promise<Identity> {
    const subject = withNulInCommonName(this.#services.victimSubject());
    if (subject === undefined) throw new ScenarioSkip("the victim's subject DN is empty");
    return this.#fromTestCa('victim-nul-cn', { role: 'negative-nul-cn', subject });
  }

  /** PKI-21: the victim's DN with a Cyrillic look-alike (`а`, U+0430) in its CN, from test_ca. */
  async victimWithHomoglyphCn(): Promise<Identity> {
    const subject = withHomoglyphInCommonName(this.#services.victimSubject());
    if (subject === undefined) {
      throw new ScenarioSkip("the victim's CN has no letter with a Cyrillic look-alike");
    }
    return this.#fromTestCa('victim-homoglyph-cn', { role: 'negative-homoglyph-cn', subject });
  }

  /**
   * PKI-21: for a client registered by tls_client_auth_san_dns, its certificate's subject with
   * only the dNSName `<registered>\0.attacker.test`, from test_ca.
   */
  async sanWithNul(who: ClientWithIdentity): Promise<Identity> {
    const match = who.client.subject;
    if (match?.kind !== 'san_dns') {
      throw new ScenarioSkip(`${who.client.name} is not registered by tls_client_auth_san_dns`);
    }
    const san: San = { type: 'dns', value: withNulInDnsName(match.value) };
    return this.#fromTestCa(`${who.client.name}-nul-san`, {
      role: 'negative-nul-san',
      subject: who.identity.subject,
      extensions: [dnsNamesExtension([san.value])],
      listedSans: [san],
    });
  }

  /**
   * PKI-22: the victim's certificate copied field by field (subject, issuer, serial, validity,
   * extensions) over a fresh key, issued by a CA minted for this run with the name (and key
   * identifier) of the victim's issuer. Always minted. Needs only the victim's certificate.
   */
  victimLookAlike(): Promise<Identity> {
    return this.#services.once('victim-look-alike', async () => {
      const victim = victimClient(this.#services.target);
      if (!victim) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
      const { certificate } = await mintLookAlike({ of: victim.identity.leafDer });
      return identityFromMinted('victim-look-alike', certificate);
    });
  }

  /**
   * PKI-23: the victim certificate's subject DN spelled otherwise (spacing, attribute-name case,
   * OID with the hex of the value's DER): a client registered with each must authenticate with
   * the victim's certificate.
   */
  victimDnSpellings(): DnSpelling[] {
    const victim = victimClient(this.#services.target);
    if (!victim) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
    return equivalentDnSpellings(victim.identity.leafDer);
  }

  /**
   * SELF-08: two self-signed certificates over two keys with one subject, to register together
   * (`jwks`), and a third over a third key that is not registered. From the cert set when it
   * holds all three (a target registered from the set has the pair), else minted.
   */
  selfSignedTwoKeys(): Promise<SelfSignedTwoKeys> {
    return this.#services.once('self-signed-two-keys', async () => {
      const set = (await this.#selfSignedTwoKeysFromSet()) ?? (await this.#mintSelfSignedTwoKeys());
      const [first, second] = set.registered;
      return {
        ...set,
        jwks: { keys: [jwkWithX5c(first.leafDer), jwkWithX5c(second.leafDer)] },
      };
    });
  }

  async #selfSignedTwoKeysFromSet(): Promise<Omit<SelfSignedTwoKeys, 'jwks'> | undefined> {
    const certSet = this.#services.certSet;
    if (!certSet) return undefined;
    const found: Identity[] = [];
    const roles: Array<[string, IdentityRole]> = [
      [SELF_SIGNED_TWO_KEYS.first, 'self-signed-two-keys-first'],
      [SELF_SIGNED_TWO_KEYS.second, 'self-signed-two-keys-second'],
      [SELF_SIGNED_TWO_KEYS.unregistered, 'self-signed-two-keys-unregistered'],
    ];
    for (const [name, role] of roles) {
      const keys = found.map((identity) => createPublicKey(identity.keyPem));
      const identity = await certSet.find(name, {
        role,
        ...selfSignedAs(SELF_SIGNED_TWO_KEYS_SUBJECT),
        validity: current,
        publicKey: (key) => !keys.some((other) => other.equals(key)),
      });
      if (!identity) return undefined;
      found.push(identity);
    }
    const [first, second, unregistered] = found as [Identity, Identity, Identity];
    return { registered: [first, second], unregistered, minted: false };
  }

  async #mintSelfSignedTwoKeys(): Promise<Omit<SelfSignedTwoKeys, 'jwks'>> {
    const mint = async (name: string) =>
      identityFromMinted(
        name,
        await mintLeaf({ subject: SELF_SIGNED_TWO_KEYS_SUBJECT, keyType: this.#services.keyType }),
      );
    const [first, second, unregistered] = await Promise.all([
      mint(SELF_SIGNED_TWO_KEYS.first),
      mint(SELF_SIGNED_TWO_KEYS.second),
      mint(SELF_SIGNED_TWO_KEYS.unregistered),
    ]);
    return { registered: [first, second], unregistered, minted: true };
  }

  /**
   * A certificate from test_ca with `subject` and one thing wrong, carried by `extensions` or by
   * the name: the set's entry of `role` when it is exactly that, else minted.
   */
  #fromTestCa(
    name: string,
    wanted: {
      role: IdentityRole;
      subject: string;
      extensions?: asn.Extension[];
      /** The SANs the set's entry must list, when the wrong thing is a SAN; default: any. */
      listedSans?: San[];
    },
  ): Promise<Identity> {
    return this.#services.once(name, async () => {
      const testCa = this.#services.testCa();
      const fromSet = await this.#services.certSet?.find(name, {
        role: wanted.role,
        subject: (s) => s === wanted.subject,
        issuer: (issuer) => issuer === testCa.subject,
        ...(wanted.listedSans ? { sans: wanted.listedSans } : {}),
        validity: current,
      });
      if (fromSet) return fromSet;
      const minted = await mintLeaf({
        subject: wanted.subject,
        issuer: testCa,
        keyType: this.#services.keyType,
        ...(wanted.extensions ? { extensions: wanted.extensions } : {}),
      });
      return identityFromMinted(name, minted);
    });
  }

  /** The victim's subject under a run intermediate of test_ca named `dn`. */
  async #leafUnder(dn: string): Promise<Identity> {
    const { keyType } = this.#services;
    const intermediate = await mintCa({ subject: dn, issuer: this.#services.testCa(), keyType });
    return identityFromMinted(
      'leaf-with-intermediate',
      await mintLeaf({ subject: this.#services.victimSubject(), issuer: intermediate, keyType }),
    );
  }
}

function certificateOf(minted: MintedCert): X509Certificate {
  return new X509Certificate(minted.der);
}

function sameDn(a: string, b: string): boolean {
  try {
    return dnEquals(parseDn(a), parseDn(b));
  } catch {
    return false;
  }
}
