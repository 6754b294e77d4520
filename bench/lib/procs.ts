import { type ChildProcess, spawn } from 'node:child_process';
import { sleep } from './stats.js';

const TSX = ['--conditions=@errand/source', '--require', 'tsx/preflight', '--import', 'tsx'];

/** Start a TypeScript program in its own process (tsx loader), output discarded unless it fails to become ready. */
export function startTs(script: string, env: Record<string, string>, args: string[] = [], nodeArgs: string[] = []): ChildProcess & { logs: () => string } {
  const child = spawn(process.execPath, [...nodeArgs, ...(process.execArgv.length ? process.execArgv : TSX), script, ...args], {
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { logs: () => log });
}

/** Wait until GET url answers 2xx, or throw with the process's last output. */
export async function waitHttp(url: string, child: ChildProcess & { logs: () => string }, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before ${url} answered:\n${child.logs()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms:\n${child.logs()}`);
}

export async function stop(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  if ((await Promise.race([exited.then(() => 'exit'), sleep(graceMs).then(() => 'late')])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}

let nextPort = 13100 + (process.pid % 500) * 4;
export function freePort(): number {
  return nextPort++;
}
