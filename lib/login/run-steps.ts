/**
 * One authorization request in the browser: open the authorization URL, run the login steps
 * in order, and capture the redirect to the client's redirect_uri without following it. Every
 * wait is bounded by the step's time and the login's; a failure names the step, the page it
 * was on, and the screenshot kept of it.
 */
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { type LoginPlan, type LoginStep, loginSecrets } from '../target/login-plan.js';
import type { BrowserAuthorization, BrowserAuthorizeRequest } from './login-browser.js';
import { firstLine, LoginFailed } from './login-errors.js';
import { describeUrlMatch, type UrlMatch, urlMatches } from './url-match.js';

const POLL_MS = 100;

/** Where the page is, for messages: origin and path, never a query (codes, states, handles). */
export function pageLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? parsed.protocol : `${parsed.origin}${parsed.pathname}`;
  } catch {
    return '(no page)';
  }
}

/**
 * How a typed value is named in logs and messages: by the variables it reads, never by a text
 * written in the config (which may be a password the user put there by mistake).
 */
function shownValue(value: LoginStep['fill'][number]['value']): string {
  return value.variables.length > 0 ? value.written : 'a value written in the config';
}

export function describeStep(step: LoginStep): string {
  const parts: string[] = [];
  if (step.url) parts.push(`at ${describeUrlMatch(step.url)}`);
  if (step.fill.length > 0) {
    parts.push(`fill ${step.fill.map((f) => `${f.selector} (${shownValue(f.value)})`).join(', ')}`);
  }
  if (step.click !== undefined) parts.push(`click ${step.click}`);
  if (step.waitFor?.url) parts.push(`wait for ${describeUrlMatch(step.waitFor.url)}`);
  if (step.waitFor?.selector !== undefined) parts.push(`wait for ${step.waitFor.selector}`);
  return parts.join(', ');
}

/** The redirect, once the browser asks for it. */
class Capture {
  url: string | undefined;
  readonly done: Promise<string>;
  #resolve: (url: string) => void = () => undefined;
  constructor() {
    this.done = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }
  take(url: string): void {
    if (this.url !== undefined) return;
    this.url = url;
    this.#resolve(url);
  }
}

export async function runAuthorization(
  context: BrowserContext,
  req: BrowserAuthorizeRequest,
  opts: { freshSession: boolean },
): Promise<BrowserAuthorization> {
  const { plan } = req;
  const deadline = Date.now() + plan.timeoutMs;
  const redirect = new URL(req.redirectUri);
  const allowed = new Set(req.allowedOrigins);
  const blocked = new Set<string>();
  const capture = new Capture();
  const log = [
    opts.freshSession
      ? 'browser: a fresh session (no cookies), no client certificate'
      : "browser: this client's session from its earlier login, no client certificate",
  ];
  const page = await context.newPage();
  const guard = await guardRequests(page, { redirect, allowed, blocked, capture });
  page.setDefaultTimeout(plan.stepTimeoutMs);
  page.on('dialog', (dialog) => void dialog.dismiss().catch(() => undefined));
  // A popup is a page the guard does not watch: closed as it opens (and its requests, like a
  // worker's, meet the browser's network fence: lib/login/network-fence.ts).
  page.on('popup', (popup) => void popup.close().catch(() => undefined));
  const filled: string[] = [];
  let current: LoginStep | undefined;
  try {
    await open(page, req.authorizationUrl, capture, within(deadline, plan.stepTimeoutMs));
    log.push(`opened the authorization request at ${pageLocation(req.authorizationUrl)}`);
    for (let i = 0; i < plan.steps.length; i++) {
      let step = plan.steps[i] as LoginStep;
      if (capture.url !== undefined) {
        log.push(`step ${step.number} and after not needed: the server redirected already`);
        break;
      }
      current = step;
      const until = within(deadline, plan.stepTimeoutMs);
      const shown = await shownStep(page, plan.steps, i, capture, until);
      if (shown !== undefined && shown > i) {
        const next = plan.steps[shown] as LoginStep;
        log.push(
          `step ${step.number}${shown > i + 1 ? `…${next.number - 1}` : ''} not needed: the page shows step ${next.number}'s`,
        );
        i = shown;
        step = next;
        current = step;
      }
      await runStep(page, step, {
        until: shown === undefined ? until : within(deadline, plan.stepTimeoutMs),
        capture,
        allowed,
        filled,
        log,
      });
    }
    current = undefined;
    if (capture.url === undefined) {
      const until = within(deadline, plan.stepTimeoutMs);
      if (!(await poll(() => capture.url !== undefined, until))) {
        throw new LoginFailed(
          `after the last step the page is at ${pageLocation(page.url())}, and the server did not redirect to the redirect_uri within ${plan.stepTimeoutMs} ms`,
        );
      }
    }
    const url = capture.url as string;
    log.push(`redirect to ${pageLocation(url)} captured (not followed)`);
    return { redirect: url, log };
  } catch (err) {
    throw await failure(page, err, { plan, step: current, filled, blocked, req });
  } finally {
    await guard.detach().catch(() => undefined);
    await page.close().catch(() => undefined);
  }
}

/**
 * Every request of the page, each hop of a redirect included, is paused and judged here: the
 * redirect to redirect_uri is read and aborted (never sent), another origin is refused.
 * Playwright's own routes cannot do this: they see only the first URL of a redirect chain, so
 * the server's 302 to the redirect URI would be followed (measured: the client was reached).
 * The DevTools Fetch domain pauses every hop; it covers the page and its in-process frames,
 * which is why the browser runs without site isolation (lib/login/browser.ts). What it cannot
 * see (a shared worker, a popup's first request) the browser-wide fence refuses
 * (network-fence.ts), which knows no redirect_uri: capturing stays here.
 */
async function guardRequests(
  page: Page,
  rules: {
    redirect: URL;
    allowed: ReadonlySet<string>;
    blocked: Set<string>;
    capture: Capture;
  },
): Promise<CDPSession> {
  const session = await page.context().newCDPSession(page);
  session.on('Fetch.requestPaused', (paused) => {
    const { requestId } = paused;
    const verdict = judge(paused.request.url, paused.resourceType === 'Document', rules);
    const sent =
      verdict === 'continue'
        ? session.send('Fetch.continueRequest', { requestId })
        : session.send('Fetch.failRequest', {
            requestId,
            errorReason: verdict === 'captured' ? 'Aborted' : 'BlockedByClient',
          });
    // The page may close under a paused request; nothing is left to answer then.
    sent.catch(() => undefined);
  });
  await session.send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] });
  return session;
}

function judge(
  href: string,
  document: boolean,
  rules: { redirect: URL; allowed: ReadonlySet<string>; blocked: Set<string>; capture: Capture },
): 'continue' | 'captured' | 'blocked' {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return 'blocked';
  }
  if (url.origin === rules.redirect.origin && url.pathname === rules.redirect.pathname) {
    // The authorization response: read here, never delivered to the client's redirect URI.
    if (document) rules.capture.take(url.href);
    return 'captured';
  }
  if (!rules.allowed.has(url.origin)) {
    // Only pages are named: those are what a login on another host needs in login.origins,
    // and a page's own requests to made-up hosts would otherwise write its words into the report.
    if (document) rules.blocked.add(url.origin);
    return 'blocked';
  }
  return 'continue';
}

interface StepState {
  until: number;
  capture: Capture;
  allowed: ReadonlySet<string>;
  /** Selectors typed into so far: blanked before a screenshot. */
  filled: string[];
  log: string[];
}

async function runStep(page: Page, step: LoginStep, state: StepState): Promise<void> {
  const { until, capture } = state;
  if (step.url) {
    const expected = step.url;
    const arrived = await poll(
      () => capture.url !== undefined || urlMatches(expected, page.url()),
      until,
    );
    if (!arrived) {
      throw new LoginFailed(
        `the page is at ${pageLocation(page.url())}, not ${describeUrlMatch(expected)}`,
      );
    }
    if (capture.url !== undefined) return;
  }
  await page.waitForLoadState('domcontentloaded', { timeout: left(until) });
  // Where the step acts: a click then leaves it, and the log says where to as well.
  const at = pageLocation(page.url());
  const done: string[] = [];
  for (const fill of step.fill) {
    const field = page.locator(fill.selector).first();
    await field.waitFor({ state: 'visible', timeout: left(until) }).catch((err: unknown) => {
      throw notOnPage(page, fill.selector, err);
    });
    const type = (await field.getAttribute('type', { timeout: left(until) }))?.toLowerCase();
    if (type === 'password' && fill.value.variables.length === 0) {
      throw new LoginFailed(
        `${fill.selector} is a password field and its value is written in the config: a password comes only from the environment (value: \${MTLS_LOGIN_PASSWORD})`,
      );
    }
    if (fill.value.text === undefined) {
      throw new LoginFailed(`${fill.value.missing.join(', ')} not set in the environment`);
    }
    // Checked again right before typing: the page may have moved on since the step began.
    requireAllowedPage(page.url(), state.allowed);
    state.filled.push(fill.selector);
    await field.fill(fill.value.text, { timeout: left(until) });
    done.push(`filled ${fill.selector} (${shownValue(fill.value)})`);
  }
  if (step.click !== undefined) {
    const loaded = step.waitFor === undefined ? nextDocument(page, until) : undefined;
    const click = step.click;
    await page
      .locator(click)
      .first()
      .click({ timeout: left(until) })
      .catch((err: unknown) => {
        throw notOnPage(page, click, err);
      });
    done.push(`clicked ${click}`);
    if (loaded !== undefined) {
      try {
        await Promise.race([loaded, capture.done]);
      } catch (err) {
        throw new LoginFailed(
          `the click on ${step.click} loaded no new page (${firstLine(err)}); give the step a wait_for if the click only changes the page`,
        );
      }
    }
  }
  if (step.waitFor !== undefined) {
    await waitFor(page, step.waitFor, state);
    done.push(`waited for ${describeWait(step.waitFor)}`);
  }
  const now = pageLocation(page.url());
  const moved = capture.url === undefined && now !== at ? `; the page is now ${now}` : '';
  state.log.push(`step ${step.number} at ${at}: ${done.join(', ')}${moved}`);
}

async function open(page: Page, url: string, capture: Capture, until: number): Promise<void> {
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: left(until) });
  } catch (err) {
    // A server that redirects straight back: the navigation ends in the aborted redirect.
    if (capture.url === undefined) throw err;
  }
}

/** The next page the main frame commits and parses; set up before the click that loads it. */
function nextDocument(page: Page, until: number): Promise<void> {
  const loaded = page
    .waitForEvent('framenavigated', {
      predicate: (frame) => frame === page.mainFrame(),
      timeout: left(until),
    })
    .then(() => page.waitForLoadState('domcontentloaded', { timeout: left(until) }));
  // It may lose the race to the captured redirect; its later timeout is nobody's error then.
  loaded.catch(() => undefined);
  return loaded;
}

async function waitFor(
  page: Page,
  target: NonNullable<LoginStep['waitFor']>,
  state: StepState,
): Promise<void> {
  const { until, capture } = state;
  if (target.url) {
    const expected: UrlMatch = target.url;
    const arrived = await poll(
      () => capture.url !== undefined || urlMatches(expected, page.url()),
      until,
    );
    if (!arrived) {
      throw new LoginFailed(
        `waited for ${describeUrlMatch(expected)}, the page stayed at ${pageLocation(page.url())}`,
      );
    }
  }
  if (target.selector !== undefined && capture.url === undefined) {
    const visible = page
      .locator(target.selector)
      .first()
      .waitFor({
        state: 'visible',
        timeout: left(until),
      });
    visible.catch(() => undefined);
    await Promise.race([visible, capture.done]);
  }
}

function describeWait(target: NonNullable<LoginStep['waitFor']>): string {
  return [target.url && describeUrlMatch(target.url), target.selector]
    .filter((s) => s !== undefined)
    .join(' and ');
}

function requireAllowedPage(url: string, allowed: ReadonlySet<string>): void {
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    origin = 'null';
  }
  if (!allowed.has(origin)) {
    throw new LoginFailed(
      `the page is at ${pageLocation(url)}, outside the origins the login may type into (${[...allowed].join(', ')}; add its origin to login.origins if it belongs to the target)`,
    );
  }
}

/** The earlier of the login's deadline and one step's time from now. */
function within(deadline: number, stepMs: number): number {
  return Math.min(deadline, Date.now() + stepMs);
}

/**
 * A selector the step waited for in vain, said as such: Playwright's own message names only the
 * time left when the wait began (`Timeout 1ms exceeded` after a step that waited for its page).
 */
function notOnPage(page: Page, selector: string, err: unknown): Error {
  if (!(err instanceof Error) || err.name !== 'TimeoutError') return err as Error;
  return new LoginFailed(
    `no visible ${selector} on ${pageLocation(page.url())} before the step's time ran out: check the selector against the page (see the screenshot), or raise step_timeout_ms`,
  );
}

/** Milliseconds left until `until`, at least 1 (Playwright reads 0 as "no timeout"). */
function left(until: number): number {
  return Math.max(1, until - Date.now());
}

/** What shows that a step's page is in front of the browser: its first field, else its button. */
function landmark(step: LoginStep): string | undefined {
  return step.fill[0]?.selector ?? step.click;
}

/**
 * The step the page in front of the browser is for, from `from` on: the first whose URL
 * matches and whose landmark is visible. A server leaves out pages a session no longer needs
 * (a signed-in user sees only the consent, a client consented to earlier not even that), so a
 * step whose page is not shown is passed over. `from` when its step has no landmark or the
 * redirect came; undefined when `until` passes first (the step `from` then says what is wrong).
 */
async function shownStep(
  page: Page,
  steps: readonly LoginStep[],
  from: number,
  capture: Capture,
  until: number,
): Promise<number | undefined> {
  if (from === steps.length - 1 || landmark(steps[from] as LoginStep) === undefined) return from;
  for (;;) {
    if (capture.url !== undefined) return from;
    for (let i = from; i < steps.length; i++) {
      const step = steps[i] as LoginStep;
      const selector = landmark(step);
      if (selector === undefined || (step.url && !urlMatches(step.url, page.url()))) continue;
      const visible = await page
        .locator(selector)
        .first()
        .isVisible()
        .catch(() => false);
      if (visible) return i;
    }
    if (Date.now() >= until) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left(until))));
  }
}

/** Checks `condition` until it holds or `until` passes; whether it held. */
async function poll(condition: () => boolean, until: number): Promise<boolean> {
  while (!condition()) {
    if (Date.now() >= until) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left(until))));
  }
  return true;
}

async function failure(
  page: Page,
  err: unknown,
  opts: {
    plan: LoginPlan;
    step: LoginStep | undefined;
    filled: readonly string[];
    blocked: ReadonlySet<string>;
    req: BrowserAuthorizeRequest;
  },
): Promise<LoginFailed> {
  const where = opts.step
    ? `login step ${opts.step.number} (${describeStep(opts.step)}) of ${opts.plan.at}`
    : `the authorization request (before the login steps of ${opts.plan.at})`;
  const parts = [`${where} failed at ${pageLocation(page.url())}: ${firstLine(err)}`];
  if (opts.blocked.size > 0) {
    const named = [...opts.blocked].slice(0, MAX_NAMED_ORIGINS);
    const more = opts.blocked.size - named.length;
    parts.push(
      `the browser was kept from ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''} (not the authorization endpoint's origin nor in login.origins; add an origin there if the login really needs it)`,
    );
  }
  const shot = await bounded(
    screenshot(page, {
      filled: opts.filled,
      typed: loginSecrets(opts.plan).map((s) => s.value),
      timeoutMs: opts.plan.stepTimeoutMs,
      revealsSecret: opts.req.revealsSecret,
    }),
    opts.plan.stepTimeoutMs,
  );
  const path =
    shot.png === undefined ? undefined : await opts.req.screenshot(shot.png).catch(() => undefined);
  parts.push(
    path !== undefined
      ? `screenshot: ${path}`
      : shot.withheld !== undefined
        ? `no screenshot kept: ${shot.withheld}`
        : 'no screenshot kept (no --report-dir, or the page could not be captured)',
  );
  return new LoginFailed(parts.join('; '));
}

/** The screenshot within one step's time, whatever the page does: none after that. */
function bounded<T extends object>(
  work: Promise<T>,
  ms: number,
): Promise<T | Record<string, never>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Record<string, never>>((resolve) => {
    timer = setTimeout(() => resolve({}), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** At most this many refused pages are named in a failed login's message. */
const MAX_NAMED_ORIGINS = 5;

/**
 * Drawn over the page before a screenshot: only its text and its form fields stay visible, not
 * what a hostile page could draw a typed value with (images, canvases, generated content, web
 * fonts, backgrounds). Best effort: the text check below is what keeps a shown secret out.
 */
const PLAIN_PAGE_CSS = `
img, picture, video, canvas, svg, object, embed, iframe { visibility: hidden !important; }
*, *::before, *::after { background-image: none !important; box-shadow: none !important;
  text-shadow: none !important; font-family: sans-serif !important; }
*::before, *::after { content: none !important; }
`;

/**
 * The page as it is, with every password field and every field the login typed into emptied
 * first, and the values it typed masked wherever the page shows them: a screenshot shows the
 * page, never what was typed. The page's scripts are stopped first, and the masking runs in a
 * world of its own (the page's scripts may have replaced the DOM functions of theirs). Then the
 * browser's own snapshot of the page (the text it laid out and the field values, read by
 * DevTools) is checked for the run's secrets: a page that still shows one, in a spelling the
 * masking missed, is not kept at all.
 */
async function screenshot(
  page: Page,
  opts: {
    filled: readonly string[];
    typed: readonly string[];
    timeoutMs: number;
    revealsSecret: (text: string) => boolean;
  },
): Promise<{ png?: Uint8Array; withheld?: string }> {
  let cdp: CDPSession | undefined;
  try {
    cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
    const { frameTree } = await cdp.send('Page.getFrameTree');
    const expression = `(${maskPage.toString()})(${JSON.stringify(opts.typed)}, ${JSON.stringify(['input[type=password]', ...opts.filled])}, ${JSON.stringify(PLAIN_PAGE_CSS)})`;
    for (const frameId of frameIds(frameTree)) {
      const world = await cdp.send('Page.createIsolatedWorld', {
        frameId,
        worldName: 'mtls-conformance-screenshot',
      });
      await cdp.send('Runtime.evaluate', {
        expression,
        contextId: world.executionContextId,
      });
    }
    const snapshot = await cdp.send('DOMSnapshot.captureSnapshot', { computedStyles: [] });
    if (renderedTexts(snapshot).some((text) => opts.revealsSecret(text))) {
      return { withheld: 'the page shows a value the login typed or another secret of the run' };
    }
    return {
      png: await page.screenshot({
        fullPage: true,
        timeout: opts.timeoutMs,
        animations: 'disabled',
      }),
    };
  } catch {
    return {};
  } finally {
    await cdp?.detach().catch(() => undefined);
  }
}

type FrameTree = { frame: { id: string }; childFrames?: FrameTree[] };

interface PageSnapshot {
  strings: string[];
  documents: Array<{
    layout: { text: number[] };
    nodes: { inputValue?: { value: number[] }; textValue?: { value: number[] } };
  }>;
}

/**
 * What a screenshot of the snapshot can show: the text the browser laid out (generated content
 * included) and the values in fields. Not URLs or attributes (a form's action carries the
 * authorization request's state, which the run keeps secret too), which no screenshot shows.
 */
function renderedTexts(snapshot: PageSnapshot): string[] {
  const indices = snapshot.documents.flatMap((doc) => [
    ...doc.layout.text,
    ...(doc.nodes.inputValue?.value ?? []),
    ...(doc.nodes.textValue?.value ?? []),
  ]);
  return indices.flatMap((i) =>
    i >= 0 && i < snapshot.strings.length ? [snapshot.strings[i] as string] : [],
  );
}

function frameIds(tree: FrameTree): string[] {
  return [tree.frame.id, ...(tree.childFrames ?? []).flatMap(frameIds)];
}

/** Runs in the page, in a world of its own: no closure, everything it needs in its arguments. */
function maskPage(typed: string[], emptied: string[], css: string): void {
  const patterns = typed
    .filter((value) => value.length > 0)
    .map((value) => new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'));
  const mask = (text: string) =>
    patterns.reduce((out, pattern) => out.replace(pattern, '\u25cf\u25cf\u25cf\u25cf'), text);
  for (const selector of emptied) {
    // A Playwright selector (text=…, :has-text) is no CSS one: the value masking below still
    // covers the field it typed into.
    let elements: NodeListOf<Element>;
    try {
      elements = document.querySelectorAll(selector);
    } catch {
      continue;
    }
    for (const element of elements) {
      if ('value' in element) (element as HTMLInputElement).value = '';
    }
  }
  for (const element of document.querySelectorAll('input, textarea')) {
    const field = element as HTMLInputElement;
    field.value = mask(field.value);
  }
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    node.nodeValue = mask(node.nodeValue ?? '');
  }
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of [...element.attributes]) {
      const masked = mask(attribute.value);
      if (masked !== attribute.value) element.setAttribute(attribute.name, masked);
    }
  }
  document.title = mask(document.title);
  // (Playwright's addStyleTag waits for the page's scripts, which are stopped.)
  const style = document.createElement('style');
  style.textContent = css;
  (document.head ?? document.documentElement).append(style);
}
