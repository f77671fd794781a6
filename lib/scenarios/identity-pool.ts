import { createPublicKey } from 'node:crypto';
import {
  importMinted,
  type KeyType,
  type MintedCert,
  mintCa,
  mintLeaf,
  type San,
} from '../certs/mint.js';
import { formatDn, parseDn } from '../certs/rfc4514.js';
import type { Target } from '../target/target.js';
import { type Identity, identityFromMinted } from '../tls/identity.js';
import {
  type CertFileProofs,
  CertSetCertificates,
  type CertSetWish,
  current,
  selfSignedAs,
} from './cert-set-certificates.js';
import { DepthIdentities } from './depth-identities.js';
import { ScenarioSkip } from './outcome.js';
import { victimClient } from './roles.js';

/**
 * Certificates minted at run time, in memory only (their keys never touch the disk or a report),
 * and cached for the run so every scenario that needs "an expired cert of the victim" gets the
 * same one. Minting needs the test CA the target trusts; without it those scenarios are skipped.
 * When the target's cert set (certs_manifest) already holds a certificate with exactly the
 * properties asked for (see cert-set-certificates.ts), that one is used instead of minting.
 */
export type MintedKind =
  | 'expired'
  | 'not-yet-valid'
  | 'untrusted-ca-same-dn'
  | 'self-signed-same-dn'
  | 'second-ca-same-dn'
  | 'no-client-eku'
  | 'dn-injection'
  | 'extra-rdn'
  | 'intermediate-chain'
  | 'rotated';

const MINUTE_MS = 60 * 1000;
const DAY_MS = 24 * 60 * MINUTE_MS;

export class IdentityPool {
  readonly #target: Target;
  readonly #keyType: KeyType;
  readonly #cache = new Map<string, Promise<unknown>>();
  readonly #certSet: CertSetCertificates | undefined;
  #untrustedCa: Promise<MintedCert> | undefined;
  /** The validation-depth certificates (PKI-18…23, SELF-08): see depth-identities.ts. */
  readonly depth: DepthIdentities;

  constructor(
    target: Target,
    opts: {
      keyType?: KeyType;
      /** The cert set's file proofs shared by the runs of a fleet (cert-set-certificates.ts). */
      proofs?: CertFileProofs;
    } = {},
  ) {
    this.#target = target;
    this.#keyType = opts.keyType ?? 'ec';
    // A set minted with another key type would change what the run presents.
    if (target.certSet && target.certSet.manifest.keyType === this.#keyType) {
      this.#certSet = new CertSetCertificates(target.certSet, opts.proofs);
    }
    this.depth = new DepthIdentities({
      target,
      keyType: this.#keyType,
      certSet: this.#certSet,
      once: (key, make) => this.#once(key, make),
      testCa: () => this.testCa(),
      victimSubject: () => this.#victimSubject(),
      victimVariant: (kind) => this.victimVariant(kind),
    });
  }

  /** A certificate about the victim client (same subject DN unless the kind says otherwise). */
  victimVariant(kind: MintedKind): Promise<Identity> {
    return this.#once(`victim:${kind}`, async () => {
      const name = `victim-${kind}`;
      const wish = this.#certSet && this.#victimVariantWish(kind);
      return (wish && (await this.#certSet?.find(name, wish))) ?? this.#mintVictimVariant(kind);
    });
  }

  /** A self-signed cert over a new key with the same subject as `identity` (SELF-04). */
  selfSignedRekeyed(identity: Identity): Promise<Identity> {
    return this.#once(`rekeyed:${identity.x5tS256}`, async () => {
      const name = `${identity.name}-rekeyed`;
      const fromSet = await this.#certSet?.find(name, {
        role: 'self-signed-same-subject-new-key',
        ...selfSignedAs(identity.subject),
        validity: current,
        publicKey: (key) => !key.equals(createPublicKey(identity.keyPem)),
      });
      return (
        fromSet ??
        identityFromMinted(
          name,
          await mintLeaf({ subject: identity.subject, keyType: this.#keyType }),
        )
      );
    });
  }

  /**
   * A new self-signed certificate over the SAME key as `identity`, same subject (SELF-06): it
   * tells whether the server matches the whole registered certificate or only its key.
   */
  selfSignedReissued(identity: Identity): Promise<Identity> {
    return this.#once(`reissued:${identity.x5tS256}`, async () => {
      const fromSet = await this.#certSet?.find(`${identity.name}-reissued`, {
        role: 'self-signed-same-key-reissued',
        ...selfSignedAs(identity.subject),
        validity: current,
        publicKey: (key) => key.equals(createPublicKey(identity.keyPem)),
      });
      if (fromSet && fromSet.x5tS256 !== identity.x5tS256) return fromSet;
      const { keys } = await importMinted({ certPem: identity.certPem, keyPem: identity.keyPem });
      return identityFromMinted(
        `${identity.name}-reissued`,
        await mintLeaf({ subject: identity.subject, keys }),
      );
    });
  }

  /** A certificate for the test CA's chain with the given SANs (PKI-15 near-misses). */
  withSans(name: string, subject: string, sans: San[]): Promise<Identity> {
    return this.#once(`sans:${name}`, async () => {
      const testCa = this.testCa();
      const fromSet = await this.#certSet?.find(name, {
        role: 'negative-san-near-miss',
        subject: (s) => s === subject,
        issuer: (i) => i === testCa.subject,
        sans,
        validity: current,
      });
      return (
        fromSet ??
        identityFromMinted(
          name,
          await mintLeaf({ subject, sans, issuer: testCa, keyType: this.#keyType }),
        )
      );
    });
  }

  /** A fresh CA-issued cert with the given subject (registration scenarios, rotation). */
  issued(name: string, subject: string): Promise<Identity> {
    return this.#once(`issued:${name}`, async () =>
      identityFromMinted(
        name,
        await mintLeaf({ subject, issuer: this.testCa(), keyType: this.#keyType }),
      ),
    );
  }

  testCa(): MintedCert {
    const ca = this.#target.testCa;
    if (!ca) {
      throw new ScenarioSkip(
        'no test CA key in the config (test_ca): cannot mint a certificate the target would chain',
      );
    }
    return ca;
  }

  #once<T>(key: string, mint: () => Promise<T>): Promise<T> {
    let pending = this.#cache.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = mint();
      // A failed mint must not poison the cache for the next scenario's own error message.
      pending.catch(() => this.#cache.delete(key));
      this.#cache.set(key, pending);
    }
    return pending;
  }

  #victimSubject(): string {
    const victim = victimClient(this.#target);
    const dn = victim?.client.subject;
    if (!victim || dn?.kind !== 'subject_dn') {
      throw new ScenarioSkip('no tls_client_auth client registered by subject_dn in the config');
    }
    return dn.value;
  }

  /**
   * What a cert set's certificate must be to stand in for the victim variant `kind`, or
   * undefined for a kind the set has no certificate for. Throws the same ScenarioSkip minting
   * would, for a config that cannot support the kind.
   */
  #victimVariantWish(kind: MintedKind): CertSetWish | undefined {
    const subject = this.#victimSubject();
    const isVictim = (s: string) => s === subject;
    const testCa = () => {
      const ca = this.testCa();
      return (issuer: string) => issuer === ca.subject;
    };
    switch (kind) {
      case 'expired':
        return { role: 'negative-expired', subject: isVictim, issuer: testCa(), validity: expired };
      case 'not-yet-valid':
        return {
          role: 'negative-not-yet-valid',
          subject: isVictim,
          issuer: testCa(),
          validity: notYetValid,
        };
      case 'second-ca-same-dn': {
        const second = this.#target.secondTrustedCa;
        if (!second) return undefined; // minting says why the scenario is skipped
        return {
          role: 'negative-second-ca',
          subject: isVictim,
          issuer: (issuer) => issuer === second.subject,
          validity: current,
        };
      }
      case 'self-signed-same-dn':
        return { role: 'negative-self-signed', ...selfSignedAs(subject), validity: current };
      case 'no-client-eku':
        return {
          role: 'negative-no-client-eku',
          subject: isVictim,
          issuer: testCa(),
          validity: current,
        };
      case 'dn-injection': {
        const injected = dnInjectionSubject(subject);
        return {
          role: 'negative-dn-injection',
          subject: (s) => s === injected,
          issuer: testCa(),
          validity: current,
        };
      }
      case 'extra-rdn':
        // The set puts a different RDN in front than minting would; any one extra RDN will do.
        return {
          role: 'negative-extra-rdn',
          subject: (s) => s.endsWith(`,${subject}`) && rdnCount(s) === rdnCount(subject) + 1,
          issuer: testCa(),
          validity: current,
        };
      case 'untrusted-ca-same-dn':
      case 'intermediate-chain':
      case 'rotated':
        // Always minted: a CA minted for the run cannot be in the target's trust store (the
        // set's untrusted CA is a file an operator could have put there by mistake); a chain
        // through a run-time intermediate; a certificate new to the target.
        return undefined;
    }
  }

  async #mintVictimVariant(kind: MintedKind): Promise<Identity> {
    const subject = this.#victimSubject();
    const now = Date.now();
    const keyType = this.#keyType;
    const name = `victim-${kind}`;
    switch (kind) {
      case 'expired':
        return identityFromMinted(
          name,
          await mintLeaf({
            subject,
            issuer: this.testCa(),
            keyType,
            notBefore: new Date(now - 30 * DAY_MS),
            notAfter: new Date(now - DAY_MS),
          }),
        );
      case 'not-yet-valid':
        return identityFromMinted(
          name,
          await mintLeaf({
            subject,
            issuer: this.testCa(),
            keyType,
            notBefore: new Date(now + DAY_MS),
            notAfter: new Date(now + 30 * DAY_MS),
          }),
        );
      case 'untrusted-ca-same-dn':
        return identityFromMinted(
          name,
          await mintLeaf({ subject, issuer: await this.#untrusted(), keyType }),
        );
      case 'second-ca-same-dn': {
        const second = this.#target.secondTrustedCa;
        if (!second) {
          throw new ScenarioSkip(
            'no second_trusted_ca in the config: name a second CA the target trusts to test issuer binding',
          );
        }
        return identityFromMinted(name, await mintLeaf({ subject, issuer: second, keyType }));
      }
      case 'self-signed-same-dn':
        return identityFromMinted(name, await mintLeaf({ subject, keyType }));
      case 'no-client-eku':
        return identityFromMinted(
          name,
          await mintLeaf({
            subject,
            issuer: this.testCa(),
            keyType,
            extendedKeyUsage: ['serverAuth'],
          }),
        );
      case 'dn-injection':
        return identityFromMinted(
          name,
          await mintLeaf({ subject: dnInjectionSubject(subject), issuer: this.testCa(), keyType }),
        );
      case 'extra-rdn':
        return identityFromMinted(
          name,
          await mintLeaf({
            subject: `CN=extra,${subject}`,
            issuer: this.testCa(),
            keyType,
          }),
        );
      case 'intermediate-chain': {
        const intermediate = await mintCa({
          subject: 'CN=mtls-conformance run intermediate,O=mtls-conformance',
          issuer: this.testCa(),
          keyType,
        });
        return identityFromMinted(name, await mintLeaf({ subject, issuer: intermediate, keyType }));
      }
      case 'rotated':
        return identityFromMinted(
          name,
          await mintLeaf({ subject, issuer: this.testCa(), keyType }),
        );
    }
  }

  #untrusted(): Promise<MintedCert> {
    if (!this.#untrustedCa) {
      this.#untrustedCa = mintCa({
        subject: 'CN=mtls-conformance untrusted CA,O=mtls-conformance',
        keyType: this.#keyType,
      });
    }
    return this.#untrustedCa;
  }
}

/** Expired at least a day ago, as minted. */
function expired(_notBefore: Date, notAfter: Date): boolean {
  return notAfter.getTime() <= Date.now() - DAY_MS;
}

/** Valid from a day ahead or later, as minted. */
function notYetValid(notBefore: Date): boolean {
  return notBefore.getTime() >= Date.now() + DAY_MS;
}

function rdnCount(dn: string): number {
  try {
    return parseDn(dn).length;
  } catch {
    return -1;
  }
}

/**
 * One CN whose value is the whole registered DN: rendered naively (escapes dropped) it reads
 * exactly like the registered DN, so a server comparing strings instead of RDNs accepts it.
 */
export function dnInjectionSubject(registeredDn: string): string {
  const rdns = parseDn(registeredDn);
  const plain = rdns.map((rdn) => rdn.map((ava) => `${ava.type}=${ava.value}`).join('+')).join(',');
  const firstValue = rdns[0]?.[0];
  const cnValue = firstValue?.type.toUpperCase() === 'CN' ? plain.slice(3) : plain;
  return formatDn([[{ type: 'CN', value: cnValue }]]);
}
