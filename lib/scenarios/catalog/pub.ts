import { ScenarioSkip } from '../outcome.js';
import { needs } from '../requirements.js';
import { attackerFor, publicClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { keysOf, stateKeys } from '../server-state.js';
import { expectBoundTo, readBinding } from '../steps/binding.js';
import { describeResult } from '../steps/describe.js';
import { publicClientTokens } from '../steps/refresh.js';
import { callResource, expectResourceRefused } from '../steps/resource.js';
import { expectTokenIssued } from '../steps/token.js';

export const pubScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'PUB-01',
    title:
      'public client with a self-signed certificate gets a bound token; replay with another certificate is refused',
    section: 'PUB',
    level: 'MUST',
    spec: 'RFC 8705 §4',
    requires: [needs.token, needs.publicClient, needs.resource],
    expected:
      'the public client (auth none) gets a token bound to its certificate, served with that certificate and refused (401 invalid_token) with another',
    // The public client's tokens: its own code flow, or the configured refresh token (BIND-08's).
    serverState: (t) => keysOf(stateKeys.grants, [publicClient(t)]),
    async run(ctx) {
      const { who, attempt } = await publicClientTokens(ctx, {
        scenario: 'PUB-01',
        spendsRefreshToken: false,
      });
      const accessToken = expectTokenIssued(
        attempt,
        `public client ${who.client.name} with its certificate`,
      );
      // Where cnf is readable it must name this certificate; an opaque token without
      // introspection is judged by the replay below alone.
      const binding = await readBinding(ctx, {
        accessToken,
        label: "introspection to read the binding of the public client's token",
      });
      expectBoundTo(ctx, binding, who.identity, {
        what: "the public client's token",
        unreadable: 'note',
      });
      const bound = ctx.observed;

      const own = await callResource(ctx, {
        label: `resource with the public client's token and its own certificate`,
        accessToken,
        identity: who.identity,
      });
      const expectedStatus = ctx.target.resource?.expectedStatus ?? 200;
      if (own.kind !== 'response' || own.status !== expectedStatus) {
        throw new ScenarioSkip(
          `precondition failed: the resource did not serve the public client's token with its own certificate (${describeResult(own)}), so a refusal with another would prove nothing`,
        );
      }

      const attacker = attackerFor(ctx.target, who.identity);
      if (!attacker)
        throw new ScenarioSkip('needs a second client with its own certificate in the config');
      const replay = await callResource(ctx, {
        label: `public client's token replayed with ${attacker.identity.name}'s certificate`,
        accessToken,
        identity: attacker.identity,
      });
      expectResourceRefused(ctx, replay);
      ctx.observed = [
        bound,
        `replay with ${attacker.identity.name}'s certificate: ${ctx.observed ?? ''}`,
      ]
        .filter((part) => part !== undefined)
        .join('; ');
    },
  }),
];
