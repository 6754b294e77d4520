/** End-to-end helpers: the real app as child processes, and headless Chromium through playwright-core. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createTestToken } from '@errand/gateway';
import { type Browser, chromium, type Page } from 'playwright-core';
import { eventually } from '../../../packages/engine/test/helpers/signals.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/**
 * Where each final screen's screenshot goes: `test-results/screenshots/` (ignored by git), or the
 * committed `apps/shop/test/screenshots/` with `UPDATE_SCREENSHOTS=1` (after a page changes).
 */
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? fileURLToPath(new URL('./screenshots/', import.meta.url))
  : `${ROOT}test-results/screenshots/`;

export interface Child {
  proc: ChildProcess;
  /** Everything written so far to stdout and stderr. */
  output(): string;
  /** JSON log lines so far. */
  logs(): Record<string, any>[];
  /** SIGTERM, and the exit code. */
  stop(): Promise<number | null>;
}

function spawnTs(script: string, env: Record<string, string>): Child {
  const proc = spawn(process.execPath, ['--conditions=@errand/source', '--import', 'tsx', script], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    output: () => out,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            return {};
          }
        }),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Resolves with the first JSON log line matching, or rejects with the output when the process exits first. */
export function waitForLog(child: Child, match: (line: Record<string, any>) => boolean, timeoutMs = 20_000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const line = child.logs().find(match);
      if (line) {
        cleanup();
        resolve(line);
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`process exited before the expected log line:\n${child.output()}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for a log line:\n${child.output()}`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.proc.stdout!.off('data', check);
      child.proc.off('exit', onExit);
    };
    child.proc.stdout!.on('data', check);
    child.proc.once('exit', onExit);
    check();
  });
}

/** `npm start`'s entry point on random ports; resolves once it listens. */
export async function startShop(env: Record<string, string>): Promise<Child & { url: string; gatewayUrl: string | null }> {
  const child = spawnTs('apps/shop/src/main.ts', { PORT: '0', GATEWAY_PORT: '0', HOST: '127.0.0.1', ...env });
  const line = await waitForLog(child, (l) => l.msg === 'shop listening');
  return { ...child, url: `http://127.0.0.1:${line.port}`, gatewayUrl: line.gatewayUrl };
}

/** `npm run worker`'s entry point. */
export async function startWorker(env: Record<string, string>): Promise<Child> {
  const child = spawnTs('apps/shop/src/worker-main.ts', env);
  await waitForLog(child, (l) => l.msg === 'shop worker started');
  return child;
}

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** Fill the checkout form with the mouse-free API (fill), card fields found by their labels. */
export async function fillCheckout(page: Page, email: string, card: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Card number').fill(card);
  await page.getByLabel('Expiry (MM / YY)').fill(`12 / ${String((new Date().getFullYear() + 3) % 100).padStart(2, '0')}`);
  await page.getByLabel('CVC').fill('123');
}

/** n sales through the JSON API (POST /buy/:permalink with a fresh test token each); their guids. */
export async function buyThroughApi(webUrl: string, gatewayUrl: string, permalink: string, n: number, emailPrefix: string): Promise<string[]> {
  // Tokens first, then the n purchases at once: their jobs arrive together, so every worker
  // finds work (one after another, a sale every gateway round trip, the first worker to wake
  // could take them all).
  const tokens = await Promise.all(Array.from({ length: n }, () => createTestToken(gatewayUrl)));
  return Promise.all(
    tokens.map(async (stripeToken, i) => {
      const res = await fetch(`${webUrl}/buy/${permalink}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stripeToken, email: `${emailPrefix}-${i}@example.com` }),
      });
      if (res.status !== 200) throw new Error(`POST /buy/${permalink} answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { guid: string }).guid;
    }),
  );
}

/** Resolves once GET /status says `finished` for every guid (fails the test after timeoutMs). */
export async function allFinished(webUrl: string, guids: string[], timeoutMs = 30_000): Promise<void> {
  await eventually(
    async () => {
      const all = await Promise.all(guids.map(async (g) => ((await (await fetch(`${webUrl}/status/${g}`)).json()) as { status: string }).status));
      return all.every((s) => s === 'finished');
    },
    timeoutMs,
    'every sale finished',
  );
}
