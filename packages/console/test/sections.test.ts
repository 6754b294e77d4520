/**
 * The extension point: a host app's section (the tiny Notes section of notes-section.ts) gets a
 * nav entry and pages/actions that sit behind the console's sign-in, CSRF check and headers.
 */
import { createErrand, type Errand } from 'errand';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleSection, errandConsole } from '../src/index.js';
import { encodeForm, type Harness, harness, type Session } from './helpers.js';
import { notesSection } from './notes-section.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('console sections', () => {
  let h: Harness;
  let s: Session;
  const notes = notesSection();

  beforeAll(async () => {
    h = await harness('memory:', { sections: [notes] });
    s = await h.signIn();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('shows the nav entry after the built-in pages, marked current on its own pages only', async () => {
    const dash = (await s.get('/')).body;
    const nav = /<nav>(.*?)<\/nav>/s.exec(dash)![1];
    expect([...nav.matchAll(/href="([^"]+)"/g)].map((m) => m[1])).toEqual(['/admin/', '/admin/queues', '/admin/jobs', '/admin/schedules', '/admin/workers', '/admin/notes']);
    expect(nav).toContain('<a href="/admin/notes">Notes</a>');
    const page = await s.get('/notes');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<a href="/admin/notes" aria-current="page">Notes</a>');
    expect(page.body).toContain('<title>Notes · Errand</title>');
    expect(page.body).toContain('action="/admin/sign-out"'); // in the console's layout
  });

  it('sends a signed-out GET to sign-in (303) and back; a signed-out POST gets 401 and changes nothing', async () => {
    const res = await h.app.inject({ url: '/admin/notes/0' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/admin/sign-in?next=${encodeURIComponent('/admin/notes/0')}`);
    const back = await h.app.inject({ method: 'POST', url: '/admin/sign-in', headers: form, payload: encodeForm({ password: 'correct horse battery staple', next: '/admin/notes' }) });
    expect(back.headers.location).toBe('/admin/notes');
    for (const [url, payload] of [['/admin/notes', { text: 'x' }], ['/admin/notes/0/delete', { confirmed: '1' }]] as const) {
      const post = await h.app.inject({ method: 'POST', url, headers: form, payload: encodeForm(payload) });
      expect(post.statusCode, url).toBe(401);
    }
    expect((await h.app.inject({ url: '/admin/notes', headers: { cookie: 'errand_console=forged.AAAA' } })).statusCode).toBe(303);
    expect(notes.notes).toEqual([]);
  });

  it('refuses a POST without the CSRF token, with a wrong one or from another site (403); accepts it with the token', async () => {
    expect((await s.post('/notes', { text: 'no token' }, { csrf: null })).statusCode).toBe(403);
    expect((await s.post('/notes', { text: 'wrong token' }, { csrf: 'wrong' })).statusCode).toBe(403);
    const cross = await h.app.inject({
      method: 'POST',
      url: '/admin/notes',
      headers: { ...form, cookie: s.cookie, origin: 'https://evil.example', host: 'localhost:80' },
      payload: encodeForm({ text: 'cross-site', _csrf: s.csrf }),
    });
    expect(cross.statusCode).toBe(403);
    expect(notes.notes).toEqual([]);
    const ok = await s.post('/notes', { text: 'buy <b>milk</b>' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/admin/notes?done=added');
    expect(notes.notes).toEqual(['buy <b>milk</b>']);
    const after = await s.get('/notes?done=added');
    expect(after.body).toContain('Note added.');
    expect(after.body).toContain('buy &lt;b&gt;milk&lt;/b&gt;');
    expect(after.body).toContain(`name="_csrf" value="${s.csrf}"`);
  });

  it('confirms a destructive action on a server-rendered page, then does it', async () => {
    const ask = await s.post('/notes/0/delete', {});
    expect(ask.statusCode).toBe(200);
    expect(ask.body).toContain('Delete note 0?');
    expect(ask.body).toContain('action="/admin/notes/0/delete"');
    expect(ask.body).toContain('name="confirmed" value="1"');
    expect(ask.body).toContain(`name="_csrf" value="${s.csrf}"`);
    expect(ask.body).toContain('aria-current="page">Notes</a>');
    expect(notes.notes).toHaveLength(1);
    const done = await s.post('/notes/0/delete', { confirmed: '1' });
    expect(done.statusCode).toBe(303);
    expect(notes.notes).toEqual([]);
  });

  it('answers with the console error page and its headers: 404, 400, and 500 for a handler that returns nothing', async () => {
    const missing = await s.get('/notes/7');
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('No such note.');
    expect(missing.body).toContain('action="/admin/sign-out"');
    expect(missing.headers['content-security-policy']).toContain("default-src 'none'");
    expect(missing.headers['cache-control']).toBe('no-store');
    expect((await s.post('/notes', { text: '' })).statusCode).toBe(400);
    const broken = await s.get('/notes-broken');
    expect(broken.statusCode).toBe(500);
    expect(broken.body).toContain('the details are in the server log');
  });

  it("adds the section's gauges to /metrics (registerMetrics with the same sections)", async () => {
    notes.notes.push('one', 'two');
    const res = await h.app.inject({ url: '/metrics' });
    expect(res.body).toContain('# HELP errand_test_notes Notes kept.');
    expect(res.body).toContain('errand_test_notes 2');
    expect(res.body).toContain('errand_jobs_by_state{state="dead"}');
  });
});

describe('console sections: registration', () => {
  let errand: Errand;
  beforeAll(async () => {
    errand = await createErrand({ databaseUrl: 'memory:', logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await errand?.close();
  });

  const mount = async (opts: Record<string, unknown>) => {
    const app = Fastify();
    try {
      await app.register(errandConsole, { errand, password: 'p', ...opts });
      await app.ready();
      return app;
    } catch (err) {
      await app.close();
      throw err;
    }
  };
  const section = (over: Partial<ConsoleSection>): ConsoleSection => ({ id: 'x', title: 'X', path: '/x', register() {}, ...over });

  it('refuses a bad section with a message that names it', async () => {
    await expect(mount({ sections: [section({ id: 'jobs' })] })).rejects.toThrow(/section "jobs".*taken/);
    await expect(mount({ sections: [section({}), section({ title: 'Again' })] })).rejects.toThrow(/section "x".*taken/);
    await expect(mount({ sections: [section({ id: 'Bad Id' })] })).rejects.toThrow(/lowercase/);
    await expect(mount({ sections: [section({ title: ' ' })] })).rejects.toThrow(/title/);
    await expect(mount({ sections: [section({ path: 'x' })] })).rejects.toThrow(/path/);
    await expect(mount({ sections: [section({ register: undefined as never })] })).rejects.toThrow(/register/);
    await expect(mount({ sections: [section({ register: (scope) => scope.get('nope', () => scope as never) })] })).rejects.toThrow(/starts with '\/'/);
    await expect(mount({ sales: {} })).rejects.toThrow(/sales option is gone/);
  });

  it('a handler that answers with the reply (a redirect) is not logged as an error', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'error', stream: { write: (l: string) => void lines.push(l) } } });
    await app.register(errandConsole, {
      errand,
      password: 'a-long-enough-password',
      sections: [section({ register: (scope) => scope.get('/x/go', (req) => req.redirect('/x')) })],
    });
    const signIn = await app.inject({ method: 'GET', url: '/sign-in' });
    const csrf = /name="csrf" value="([^"]+)"/.exec(signIn.body)?.[1] ?? '';
    const cookie = String(signIn.headers['set-cookie'] ?? '').split(';')[0];
    const session = await app.inject({ method: 'POST', url: '/sign-in', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `password=a-long-enough-password&csrf=${encodeURIComponent(csrf)}` });
    const auth = String(session.headers['set-cookie'] ?? '').split(';')[0] || cookie;
    const res = await app.inject({ url: '/x/go', headers: { cookie: auth } });
    await app.close();
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/x');
    expect(lines.join('')).not.toMatch(/returned neither/);
  });

  it('cannot take over the public routes (sign-in, assets)', async () => {
    await expect(mount({ sections: [section({ register: (scope) => scope.get('/sign-in', (req) => req.redirect('/')) })] })).rejects.toThrow();
    await expect(mount({ sections: [section({ register: (scope) => scope.post('/sign-in', (req) => req.redirect('/')) })] })).rejects.toThrow();
  });

  it('works at the root (standalone) and serves its gauges with the metrics option', async () => {
    const notes = notesSection();
    const app = await mount({ sections: [notes], metrics: true });
    try {
      const signIn = await app.inject({ method: 'POST', url: '/sign-in', headers: form, payload: 'password=p' });
      const cookie = String(signIn.headers['set-cookie']).split(';')[0];
      const page = await app.inject({ url: '/notes', headers: { cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<a href="/notes" aria-current="page">Notes</a>');
      expect(page.body).toContain('action="/notes"');
      expect((await app.inject({ url: '/metrics' })).body).toContain('errand_test_notes 0');
    } finally {
      await app.close();
    }
  });
});
