import type { Level } from '../../report/run-result.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { Requirement } from '../requirements.js';
import { victimClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { expectTokenRequestRejected } from '../steps/rejected-token-request.js';

/**
 * The shape of most PKI negatives: a certificate about the victim client with exactly one thing
 * wrong, presented with the victim's client_id, must be refused while the victim's own
 * certificate works (the control).
 */
export function rejectsVictimCertificate(opts: {
  id: string;
  title: string;
  level: Level;
  spec: string;
  requires: readonly Requirement[];
  expected: string;
  certificate: (ctx: ScenarioContext) => Promise<Identity>;
  /** The transcript's label; default: the victim's client_id with the certificate, named. */
  label?: string;
  /** A check that the certificate tests what it claims on this target; skips otherwise. */
  precondition?: (ctx: ScenarioContext) => void | Promise<void>;
  /** Recorded with every run: what the harness cannot see from outside. */
  caveat?: string;
}): Scenario {
  return defineScenario({
    id: opts.id,
    title: opts.title,
    section: 'PKI',
    level: opts.level,
    spec: opts.spec,
    requires: opts.requires,
    expected: opts.expected,
    async run(ctx) {
      const who = victimClient(ctx.target);
      if (!who) throw new ScenarioSkip('no tls_client_auth client registered by subject_dn');
      await opts.precondition?.(ctx);
      const identity = await opts.certificate(ctx);
      await expectTokenRequestRejected(ctx, {
        who,
        control: 'PKI-01',
        label:
          opts.label ??
          `${who.client.name}'s client_id with ${identity.name} (${identity.subject}, issued by ${identity.issuer})`,
        identity,
      });
      if (opts.caveat) ctx.note(opts.caveat);
    },
  });
}
