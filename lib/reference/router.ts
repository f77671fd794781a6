import type { IncomingMessage } from 'node:http';
import type { PresentedCertificate } from './client-certificate.js';
import { json, type Reply } from './http.js';

/** One listening socket of the reference server. */
export interface Listener {
  name: 'main' | 'mtls';
  /** `https://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
}

export interface RequestContext {
  req: IncomingMessage;
  url: URL;
  listener: Listener;
  /** This connection's client certificate as the application judges it; null when none. */
  tlsCertificate: PresentedCertificate | null;
}

export type Handler = (ctx: RequestContext) => Promise<Reply> | Reply;

/** Exact-path routes plus `prefix/<rest>` routes (RFC 7592 client configuration URIs). */
export class Router {
  private readonly exact = new Map<string, Map<string, Handler>>();
  private readonly prefixed = new Map<string, Map<string, Handler>>();

  route(method: string, path: string, handler: Handler): this {
    this.methodsFor(this.exact, path).set(method, handler);
    return this;
  }

  /** Matches `prefix/<one segment>`. */
  routeUnder(method: string, prefix: string, handler: Handler): this {
    this.methodsFor(this.prefixed, prefix).set(method, handler);
    return this;
  }

  async dispatch(ctx: RequestContext): Promise<Reply> {
    const path = ctx.url.pathname;
    const slash = path.lastIndexOf('/');
    const methods =
      this.exact.get(path) ?? (slash > 0 ? this.prefixed.get(path.slice(0, slash)) : undefined);
    if (methods === undefined) return json(404, { error: 'not_found' });
    const handler = methods.get(ctx.req.method ?? 'GET');
    if (handler === undefined) {
      return json(405, { error: 'method_not_allowed' }, { allow: [...methods.keys()].join(', ') });
    }
    return handler(ctx);
  }

  private methodsFor(table: Map<string, Map<string, Handler>>, key: string): Map<string, Handler> {
    let methods = table.get(key);
    if (methods === undefined) {
      methods = new Map();
      table.set(key, methods);
    }
    return methods;
  }
}
