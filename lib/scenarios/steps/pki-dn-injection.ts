import { dnEquals, parseDn } from '../../certs/rfc4514.js';
import type { ScenarioContext } from '../context.js';
import { dnInjectionSubject } from '../identity-pool.js';
import { ScenarioSkip } from '../outcome.js';
import { victimClient } from '../roles.js';

/**
 * Why a DN-injection certificate would test nothing for this registered DN, or undefined. For a
 * one-RDN registration (`CN=client`) the single CN holding "the whole DN" IS the registered DN,
 * and a correct server accepts it.
 */
export function dnInjectionPointless(registeredDn: string): string | undefined {
  const injected = parseDn(dnInjectionSubject(registeredDn));
  if (!dnEquals(injected, parseDn(registeredDn))) return undefined;
  return `the registered DN (${registeredDn}) has a single RDN: a certificate whose one CN holds its text carries exactly the registered DN, so there is nothing to inject`;
}

/** PKI-10's precondition: skips when the victim's registration leaves nothing to inject. */
export function expectDnInjectionMeaningful(ctx: ScenarioContext): void {
  const registered = victimClient(ctx.target)?.client.subject;
  if (registered?.kind !== 'subject_dn') return;
  const pointless = dnInjectionPointless(registered.value);
  if (pointless !== undefined) throw new ScenarioSkip(pointless);
}
