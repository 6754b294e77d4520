import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const ENGINE = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** `errand` from its sources (tsx), so the suite never runs a stale dist/; the packaging test runs the built bin. */
export const ERRAND_CLI = ['--conditions=@errand/source', '--import', 'tsx', join(ENGINE, 'src', 'cli.ts')];

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Start `errand worker` in its own process, as a user would; resolves once it says it is ready. */
export async function startWorkerProcess(args: string[], env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...ERRAND_CLI, 'worker', ...args], {
    env: { ...process.env, ...env, ERRAND_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 20 s:\n${out}`)), 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited (${code}) before it was ready:\n${out}`));
    });
  });
  return { child, output: () => out, exited };
}

/**
 * The `errand worker` processes a test starts: `start(...flags)` adds one with the shared flags
 * (read when it starts, so a URL set in beforeAll is seen); `stopAll()` SIGTERMs the ones still
 * running, together, and expects each to exit 0; `procs` is the list (kill or splice out what a test ends
 * itself).
 */
export function workerPool(shared: () => { args: string[]; env: Record<string, string> }) {
  const procs: WorkerProcess[] = [];
  return {
    procs,
    async start(...args: string[]): Promise<WorkerProcess> {
      const base = shared();
      const p = await startWorkerProcess([...base.args, ...args], base.env);
      procs.push(p);
      return p;
    },
    async stopAll(): Promise<void> {
      // All at once: stopped one after another, the last would go on making scheduled jobs for
      // as long as the others take to drain.
      const stopping = procs.splice(0);
      for (const p of stopping) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      expect(await Promise.all(stopping.map((p) => p.exited))).toEqual(stopping.map(() => 0));
    },
  };
}
