import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../src/cli.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('parseArgs', () => {
  it('reads flags (both --flag value and --flag=value) and env', () => {
    const opts = parseArgs(['--port', '0', '--latency=20', '--jitter', '5', '--error-500', '0.1', '--error-429', '0.2', '--hang', '0.01', '--reset', '0.02', '--lost-response', '0.3', '--seed', '9', '--host', '0.0.0.0'], {});
    expect(opts).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      seed: 9,
      faults: { latencyMs: 20, jitterMs: 5, error500: 0.1, error429: 0.2, hang: 0.01, reset: 0.02, lostResponse: 0.3 },
    });
    expect(parseArgs([], {})).toMatchObject({ port: 12111, host: '127.0.0.1' });
    expect(parseArgs([], { GATEWAY_PORT: '4000', GATEWAY_FAULTS: '{"lostResponse":0.5}' })).toMatchObject({ port: 4000, faults: { lostResponse: 0.5 } });
    expect(parseArgs(['--help'], {})).toEqual({ help: true });
  });

  it('reads the webhook and PaymentIntent flags', () => {
    const opts = parseArgs(
      ['--webhook-url', 'http://127.0.0.1:3000/webhooks/stripe', '--webhook-secret', 'whsec_x', '--webhook-duplicate', '0.1', '--webhook-reorder=0.2', '--webhook-drop', '0.3', '--webhook-delay', '250', '--processing', '40'],
      {},
    );
    expect(opts).toMatchObject({
      webhook: { url: 'http://127.0.0.1:3000/webhooks/stripe', secret: 'whsec_x' },
      faults: { webhookDuplicate: 0.1, webhookReorder: 0.2, webhookDrop: 0.3, webhookDelayMs: 250, processingMs: 40 },
    });
    expect(parseArgs(['--webhook-url', 'http://localhost:1/h'], {})).toMatchObject({ webhook: { url: 'http://localhost:1/h' } });
    expect((parseArgs(['--webhook-url', 'http://localhost:1/h'], {}) as { webhook: object }).webhook).not.toHaveProperty('secret');
  });

  it.each([[['--webhook-url', 'nope']], [['--webhook-url', 'ftp://x/y']], [['--webhook-secret', 'whsec_x']], [['--webhook-drop', '3']], [['--processing', '-1']]])('rejects %j', (argv) => {
    expect(() => parseArgs(argv, {})).toThrow(UsageError);
  });

  it.each([[['--bogus']], [['--port', 'x']], [['--port', '70000']], [['--error-500', '2']], [['--latency']], [['--seed', '1.5']]])('rejects %j', (argv) => {
    expect(() => parseArgs(argv, {})).toThrow(UsageError);
  });

  it('rejects bad GATEWAY_FAULTS', () => {
    expect(() => parseArgs([], { GATEWAY_FAULTS: '{"hang":7}' })).toThrow(/GATEWAY_FAULTS/);
    expect(() => parseArgs([], { GATEWAY_FAULTS: 'nope' })).toThrow(UsageError);
  });
});

function run(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=@errand/source', '--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('the gateway command', () => {
  it('exits 2 with a clear message on a bad flag', async () => {
    const p = run(['--lost-response', 'lots']);
    expect(await p.exited).toBe(2);
    expect(p.err()).toMatch(/--lost-response needs a number/);
  });

  it('prints its URL, applies the fault flags, and closes cleanly on SIGTERM', async () => {
    const p = run(['--port', '0', '--quiet', '--lost-response', '0.25', '--seed', '7']);
    const url = await new Promise<string>((resolve, reject) => {
      p.child.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(p.out());
        if (m) resolve(m[1]);
      });
      p.exited.then(() => reject(new Error(`exited early: ${p.err()}`)));
    });
    const faults = await (await fetch(`${url}/_control/faults`)).json();
    expect(faults).toMatchObject({ lostResponse: 0.25, seed: 7, error500: 0 });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});
