/**
 * The shop's real entry points as child processes, the way a user starts them
 * (`node --import tsx apps/shop/src/main.ts`, `… worker-main.ts`), with everything they print
 * appended to a log file (the chaos run scans those files for secrets afterwards).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WEB_ENTRY = 'apps/shop/src/main.ts';
export const WORKER_ENTRY = 'apps/shop/src/worker-main.ts';

export interface ShopProcess {
  name: string;
  proc: ChildProcess;
  pid: number;
  logFile: string;
  /** Resolves with the exit code, or the signal's name. */
  exited: Promise<number | string>;
  /** The first JSON log line for which `match` is true (waits for it). */
  waitFor(match: (line: Record<string, any>) => boolean, timeoutMs?: number): Promise<Record<string, any>>;
  /** Every JSON log line so far. */
  lines(): Record<string, any>[];
  /** Whatever it printed (the last 64 KiB), for error messages. */
  tail(): string;
  kill(signal: NodeJS.Signals): void;
}

export function spawnShop(name: string, entry: string, env: Record<string, string>, logFile: string): ShopProcess {
  const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(process.execPath, ['--conditions=@errand/source', '--import', 'tsx', entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', NODE_ENV: 'development', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  let partial = '';
  const parsed: Record<string, any>[] = [];
  const waiters = new Set<() => void>();
  const onChunk = (d: Buffer) => {
    out.write(d);
    const s = d.toString('utf8');
    tail = (tail + s).slice(-65_536);
    partial += s;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line));
      } catch {
        // not a log line
      }
    }
    for (const w of waiters) w();
  };
  proc.stdout!.on('data', onChunk);
  proc.stderr!.on('data', onChunk);
  const exited = new Promise<number | string>((resolve) =>
    proc.once('exit', (code, signal) => {
      out.end();
      resolve(code ?? signal ?? -1);
    }),
  );
  let exitedWith: number | string | null = null;
  void exited.then((c) => {
    exitedWith = c;
    for (const w of waiters) w();
  });

  return {
    name,
    proc,
    pid: proc.pid ?? -1,
    logFile,
    exited,
    lines: () => parsed,
    tail: () => tail,
    kill: (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
    },
    waitFor(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          for (; from < parsed.length; from++) {
            if (match(parsed[from])) {
              done();
              resolve(parsed[from]);
              return;
            }
          }
          if (exitedWith !== null) {
            done();
            reject(new Error(`${name} exited (${exitedWith}) before the expected log line:\n${tail.slice(-4000)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: no expected log line within ${timeoutMs} ms:\n${tail.slice(-4000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The web process (`npm start` with WORKERS=0); resolves with its URL once it listens. */
export async function startWeb(env: Record<string, string>, logFile: string, name = 'web'): Promise<{ web: ShopProcess; url: string }> {
  const web = spawnShop(name, WEB_ENTRY, { PORT: '0', WORKERS: '0', ...env }, logFile);
  const line = await web.waitFor((l) => l.msg === 'shop listening', 60_000);
  return { web, url: `http://127.0.0.1:${line.port}` };
}

/** A worker process (`npm run worker`); resolves once it says it started. */
export async function startWorker(name: string, env: Record<string, string>, logFile: string): Promise<ShopProcess> {
  const w = spawnShop(name, WORKER_ENTRY, env, logFile);
  await w.waitFor((l) => l.msg === 'shop worker started', 60_000);
  return w;
}

/**
 * Run `cleanup` (stop a private server, remove its directory) when this process exits or is
 * interrupted, then re-raise the signal. Returns the function that takes the hooks off again.
 */
export function cleanUpOnExit(cleanup: () => void): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('exit', cleanup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
