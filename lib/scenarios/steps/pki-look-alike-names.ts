/**
 * PKI-21: names that read like the victim's and are not. A NUL in the CN or in a dNSName, where
 * C string handling stops and sees the victim; a Cyrillic letter in the CN where a lax
 * normaliser (or a person reading a log) sees a Latin one. Each must be refused.
 */
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { type ClientWithIdentity, sanClients } from '../roles.js';
import { requireWorkingClient } from './control.js';
import { expectEachRejected, type RejectionCase } from './pki-each-rejected.js';
import { requestToken } from './token.js';

export async function expectLookAlikeNamesRejected(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
): Promise<void> {
  await requireWorkingClient(ctx, victim, 'PKI-01');
  const depth = ctx.identities.depth;
  const cases: RejectionCase[] = [];
  const add = async (what: string, who: ClientWithIdentity, mint: () => Promise<Identity>) => {
    let identity: Identity;
    try {
      identity = await mint();
    } catch (err) {
      // One case that cannot be built for this registration leaves the others to judge.
      if (!(err instanceof ScenarioSkip)) throw err;
      ctx.note(`${what}: not run (${err.message})`);
      return;
    }
    cases.push({
      what,
      send: () =>
        requestToken(ctx, {
          label: `${who.client.name}'s client_id with ${what} (${identity.name})`,
          client: who.client,
          identity,
        }),
    });
  };
  await add('a NUL in the CN', victim, () => depth.victimWithNulInCn());
  await add('a Cyrillic look-alike in the CN', victim, () => depth.victimWithHomoglyphCn());
  const sanDns = sanClients(ctx.target).find((c) => c.client.subject?.kind === 'san_dns');
  if (sanDns) {
    await requireWorkingClient(ctx, sanDns, 'PKI-15');
    await add('a NUL in the dNSName', sanDns, () => depth.sanWithNul(sanDns));
  } else {
    ctx.note('a NUL in the dNSName: not run (no tls_client_auth client registered by san_dns)');
  }
  if (cases.length === 0) throw new ScenarioSkip('none of the look-alike names could be built');
  await expectEachRejected(ctx, cases);
}
