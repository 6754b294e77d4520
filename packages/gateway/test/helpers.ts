/** Shared test helpers: a gateway on a random port and a Stripe SDK client pointed at it. */
import Stripe from 'stripe';
import { createTestToken, type Gateway, type GatewayOptions, startGateway } from '../src/index.js';

export { createTestToken, Stripe };

export function start(options: GatewayOptions = {}): Promise<Gateway> {
  return startGateway({ port: 0, seed: 1, ...options });
}

export function sdk(gateway: Gateway, config: Stripe.StripeConfig = {}, key = 'sk_test_123'): Stripe {
  return new Stripe(key, {
    host: gateway.host,
    port: gateway.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 5000,
    ...config,
  });
}

/** Resolves with the error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected the promise to reject');
}

/** A log collector that can wait until some line appears (a signal, not a sleep). */
export class LogTap {
  readonly lines: string[] = [];
  private waiters: { test: (l: string) => boolean; resolve: (l: string) => void }[] = [];

  readonly log = (line: string): void => {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(line)) return true;
      w.resolve(line);
      return false;
    });
    for (const hook of this.hooks) hook(line);
  };

  private hooks: ((line: string) => void)[] = [];

  /** Runs `hook` on every later line. */
  onLine(hook: (line: string) => void): void {
    this.hooks.push(hook);
  }

  waitFor(test: (line: string) => boolean): Promise<string> {
    const found = this.lines.find(test);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  clear(): void {
    this.lines.length = 0;
    this.hooks = [];
  }

  count(pattern: RegExp): number {
    return this.lines.filter((l) => pattern.test(l)).length;
  }
}

/** A raw form POST, for what the SDK cannot send. */
export async function post(
  gateway: Gateway,
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer sk_test_123', 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  return { status: res.status, json: await res.json(), headers: res.headers };
}

export async function get(gateway: Gateway, path: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${gateway.url}${path}`, { headers: { Authorization: 'Bearer sk_test_123', ...headers } });
  return { status: res.status, json: await res.json() };
}
