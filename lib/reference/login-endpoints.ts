import {
  approvedRedirect,
  authorizationRedirect,
  type CheckedAuthorizationRequest,
} from './authorization-response.js';
import { constantTimeEqual } from './constant-time.js';
import { type Reply, readForm } from './http.js';
import { consentPage, interactionGonePage, loginFormPage } from './login-html.js';
import {
  type Interaction,
  type LoginSession,
  type LoginState,
  REFERENCE_LOGIN_PASSWORD,
  REFERENCE_LOGIN_USER,
  setSessionCookie,
} from './login-sessions.js';
import type { Handler, RequestContext } from './router.js';
import { PATHS, type ReferenceServices } from './services.js';

/** A sign-in or consent form is a few short fields: anything bigger is not a person typing. */
const MAX_FORM_BYTES = 4096;
const MAX_FIELD_LENGTH = 256;
/** Wrong passwords one pending request takes before it is dropped (the client starts again). */
const MAX_ATTEMPTS = 5;

function seeOther(location: string, headers: Record<string, string> = {}): Reply {
  return { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } };
}

function pageUrl(ctx: RequestContext, path: string, interaction: Interaction): string {
  const url = new URL(path, ctx.listener.baseUrl);
  url.searchParams.set('interaction', interaction.id);
  return url.href;
}

function requestOf(interaction: Interaction): CheckedAuthorizationRequest {
  return {
    clientId: interaction.clientId,
    redirectUri: interaction.redirectUri,
    params: new URLSearchParams(interaction.params),
  };
}

/**
 * From the authorization endpoint: a browser whose session already allowed this client gets
 * its code at once (no login, no consent); a signed-in one is asked to consent; any other is
 * sent to the sign-in form.
 */
export function beginLogin(
  services: ReferenceServices,
  login: LoginState,
  ctx: RequestContext,
  request: CheckedAuthorizationRequest,
): Reply {
  const session = login.session(ctx.req.headers);
  if (session?.consented.has(request.clientId)) return approvedRedirect(services, request);
  const interaction = login.startInteraction({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    params: Object.fromEntries(request.params),
    attempts: 0,
    ...(session === undefined ? {} : { sessionId: session.id }),
  });
  return seeOther(pageUrl(ctx, session ? PATHS.consent : PATHS.login, interaction));
}

function field(form: ReadonlyMap<string, string>, name: string): string | undefined {
  const value = form.get(name);
  return value === undefined ? undefined : value.slice(0, MAX_FIELD_LENGTH);
}

/** GET and POST of the sign-in form. */
export function loginEndpoints(login: LoginState): { show: Handler; submit: Handler } {
  const formAction = PATHS.login;
  return {
    show: (ctx) => {
      const interaction = login.interaction(ctx.url.searchParams.get('interaction') ?? undefined);
      if (interaction === undefined) return interactionGonePage();
      return loginFormPage(
        { interaction: interaction.id, clientId: interaction.clientId },
        formAction,
      );
    },
    submit: async (ctx) => {
      const form = await readForm(ctx.req, MAX_FORM_BYTES);
      const interaction = login.interaction(form.get('interaction'));
      if (interaction === undefined) return interactionGonePage();
      const username = field(form, 'username') ?? '';
      const password = field(form, 'password') ?? '';
      // Both compared, always: the answer must not tell which of the two was wrong.
      const userOk = constantTimeEqual(REFERENCE_LOGIN_USER, username);
      const passwordOk = constantTimeEqual(REFERENCE_LOGIN_PASSWORD, password);
      if (!userOk || !passwordOk) {
        interaction.attempts += 1;
        if (interaction.attempts >= MAX_ATTEMPTS) {
          login.endInteraction(interaction.id);
          return interactionGonePage();
        }
        return loginFormPage(
          {
            interaction: interaction.id,
            clientId: interaction.clientId,
            username,
            error: 'Wrong user name or password.',
          },
          formAction,
        );
      }
      const session = login.startSession(username);
      interaction.sessionId = session.id;
      return seeOther(pageUrl(ctx, PATHS.consent, interaction), {
        'set-cookie': setSessionCookie(session.id),
      });
    },
  };
}

/** The interaction and the session it was signed in with, when this browser holds that one. */
function signedIn(
  login: LoginState,
  ctx: RequestContext,
  id: string | undefined,
): { interaction?: Interaction; session?: LoginSession } {
  const interaction = login.interaction(id);
  if (interaction === undefined) return {};
  const session = login.session(ctx.req.headers);
  return session !== undefined && session.id === interaction.sessionId
    ? { interaction, session }
    : { interaction };
}

/** GET and POST of the consent page: Allow sends the code, Deny `access_denied`. */
export function consentEndpoints(
  services: ReferenceServices,
  login: LoginState,
): { show: Handler; submit: Handler } {
  const formAction = PATHS.consent;
  return {
    show: (ctx) => {
      const { interaction, session } = signedIn(
        login,
        ctx,
        ctx.url.searchParams.get('interaction') ?? undefined,
      );
      if (interaction === undefined) return interactionGonePage();
      // Not signed in (or in another browser): sign in first, then consent.
      if (session === undefined) return seeOther(pageUrl(ctx, PATHS.login, interaction));
      const scope = interaction.params.scope;
      return consentPage(
        {
          interaction: interaction.id,
          clientId: interaction.clientId,
          username: session.username,
          ...(scope === undefined ? {} : { scope }),
        },
        formAction,
      );
    },
    submit: async (ctx) => {
      const form = await readForm(ctx.req, MAX_FORM_BYTES);
      const { interaction, session } = signedIn(login, ctx, form.get('interaction'));
      if (interaction === undefined || session === undefined) return interactionGonePage();
      const decision = form.get('decision');
      if (decision !== 'allow' && decision !== 'deny') {
        return seeOther(pageUrl(ctx, PATHS.consent, interaction));
      }
      login.endInteraction(interaction.id);
      const request = requestOf(interaction);
      if (decision === 'deny') {
        return authorizationRedirect(request.redirectUri, request.params, {
          error: 'access_denied',
          error_description: 'the user denied the request',
          iss: services.issuer,
        });
      }
      session.consented.add(interaction.clientId);
      return approvedRedirect(services, request);
    },
  };
}
