import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';

/** Run a TypeScript script in a fresh Node process (same loader as ours) and parse its `RESULT {json}` line. */
export function runChild<T>(script: string, args: unknown, opts: { timeoutMs?: number; nodeArgs?: string[]; env?: Record<string, string> } = {}): Promise<T & { load1: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...(opts.nodeArgs ?? []), script, JSON.stringify(args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 180_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (!line) return reject(new Error(`${script} ${JSON.stringify(args)} exited ${code ?? signal} without a result:\n${out.slice(-2000)}`));
      resolve({ ...(JSON.parse(line.slice(7)) as T), load1: loadavg()[0] });
    });
  });
}
