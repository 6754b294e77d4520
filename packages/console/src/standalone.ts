import { createErrand, type Errand } from 'errand';
import Fastify from 'fastify';
import { fastifyTrustProxy, parseTrustProxy } from '#web';
import { registerMetrics } from './metrics.js';
import { errandConsole } from './plugin.js';
import type { ConsoleSection } from './sections.js';

export interface StartConsoleOptions {
  databaseUrl: string;
  /** PostgreSQL: the schema of the jobs tables (or `?schema=` in the URL). */
  schema?: string;
  /** Default 4000. 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  password?: string;
  title?: string;
  /** Use this client instead of connecting (the caller closes it). */
  errand?: Errand;
  /** Host sections (nav entries, pages, actions, gauges), as for the plugin. */
  sections?: ConsoleSection[];
}

/**
 * The console on its own (`errand-console --database-url … --port …`): the console at `/`,
 * Prometheus metrics at `/metrics`. Reads and acts only through the engine's admin API.
 */
export async function startConsole(opts: StartConsoleOptions): Promise<{ url: string; close(): Promise<void> }> {
  // ERRAND_TRUST_PROXY takes the shop's TRUST_PROXY forms; a hop count trusts exactly that many
  // proxies (1 = one in front), never every X-Forwarded-For entry, which would let a client pick
  // the address the sign-in limiter counts against.
  const trustProxy = fastifyTrustProxy(parseTrustProxy(process.env.ERRAND_TRUST_PROXY, 'ERRAND_TRUST_PROXY'));
  const own = !opts.errand;
  const errand = opts.errand ?? (await createErrand({ databaseUrl: opts.databaseUrl, schema: opts.schema }));
  const app = Fastify({ logger: { level: process.env.ERRAND_LOG_LEVEL ?? 'info' }, trustProxy });
  try {
    await app.register(errandConsole, { errand, password: opts.password, title: opts.title, sections: opts.sections });
    registerMetrics(app, { errand, sections: opts.sections });
    const host = opts.host ?? '127.0.0.1';
    await app.listen({ port: opts.port ?? 4000, host });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : (opts.port ?? 4000);
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/`;
    app.log.info({ url }, 'errand console: listening');
    return {
      url,
      async close() {
        await app.close();
        if (own) await errand.close();
      },
    };
  } catch (err) {
    await app.close().catch(() => {});
    if (own) await errand.close().catch(() => {});
    throw err;
  }
}
