import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createErrand, type Errand } from 'errand';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { pino } from 'pino';
import { createTestDatabase } from '../../engine/test/helpers/pg.js';
import { createTestRedis } from '../../engine/test/helpers/redis.js';
import { type ConsoleSection, errandConsole, registerMetrics } from '../src/index.js';

export const PASSWORD = 'correct horse battery staple';

export interface Backend {
  url: string;
  drop(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
  const dir = mkdtempSync(join(tmpdir(), 'errand-console-'));
  return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function postgresBackend(): Promise<Backend> {
  const db = await createTestDatabase('errand_console');
  return { url: db.url, drop: () => db.drop() };
}

export async function redisBackend(): Promise<Backend> {
  const r = createTestRedis('errand_console');
  return { url: r.url, drop: () => r.drop() };
}

export interface Harness {
  app: FastifyInstance;
  errand: Errand;
  base: string;
  signIn(): Promise<Session>;
  close(): Promise<void>;
}

export interface Session {
  cookie: string;
  csrf: string;
  get(path: string): Promise<LightMyRequestResponse>;
  post(path: string, form: Record<string, string | string[]>, opts?: { csrf?: string | null }): Promise<LightMyRequestResponse>;
}

export function encodeForm(form: Record<string, string | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) u.append(k, one);
  return u.toString();
}

export async function harness(databaseUrl: string, opts: { prefix?: string; sections?: ConsoleSection[]; errand?: Errand } = {}): Promise<Harness> {
  const errand = opts.errand ?? (await createErrand({ databaseUrl, logger: pino({ level: 'silent' }) }));
  const prefix = opts.prefix ?? '/admin';
  const app = Fastify({ logger: false });
  await app.register(errandConsole, { prefix, errand, sections: opts.sections, password: PASSWORD });
  registerMetrics(app, { errand, sections: opts.sections });
  await app.ready();
  const base = prefix === '/' ? '' : prefix;
  const signIn = async (): Promise<Session> => {
    const res = await app.inject({ method: 'POST', url: `${base}/sign-in`, payload: encodeForm({ password: PASSWORD }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    if (res.statusCode !== 303) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    const cookie = String(res.headers['set-cookie']).split(';')[0];
    const page = await app.inject({ url: `${base}/`, headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!csrf) throw new Error('no CSRF token on the dashboard');
    return {
      cookie,
      csrf,
      get: (path) => app.inject({ url: `${base}${path}`, headers: { cookie } }),
      post: (path, form, o = {}) => {
        const token = o.csrf === undefined ? csrf : o.csrf;
        return app.inject({
          method: 'POST',
          url: `${base}${path}`,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: encodeForm(token === null ? form : { ...form, _csrf: token }),
        });
      },
    };
  };
  return {
    app,
    errand,
    base,
    signIn,
    async close() {
      await app.close();
      if (!opts.errand) await errand.close();
    },
  };
}
