/**
 * Times each engine admin call the console makes, alone, against a database (diagnosis for
 * bench/million.ts): npx tsx packages/console/bench/admin-calls.ts postgres://…
 */
import { createErrand } from 'errand';
import { pino } from 'pino';

const errand = await createErrand({ databaseUrl: process.argv[2], logger: pino({ level: 'fatal' }), migrate: false });
const a = errand.admin;
const completed = await a.listJobs({ state: 'completed', limit: 50 });
const calls: [string, () => Promise<unknown>][] = [
  ['stateCounts(100_000)', () => a.stateCounts(100_000)],
  ['queues()', () => a.queues()],
  ['throughput(1 h)', () => a.throughput(3_600_000)],
  ['throughput(24 h)', () => a.throughput(86_400_000)],
  ['throughputByQueue(24 h)', () => a.throughputByQueue(86_400_000)],
  ['workers()', () => a.workers()],
  ['listJobs(dead)', () => a.listJobs({ state: 'dead', limit: 50 })],
  ['listJobs(completed)', () => a.listJobs({ state: 'completed', limit: 50 })],
  ['listJobs(completed, cursor)', () => a.listJobs({ state: 'completed', limit: 50, cursor: completed.next })],
  ['listJobs(scheduled)', () => a.listJobs({ state: 'scheduled', limit: 50 })],
  ['listJobs(available)', () => a.listJobs({ state: 'available', limit: 50 })],
  ['listJobs(dead, queue=payments)', () => a.listJobs({ state: 'dead', queue: 'payments', limit: 50 })],
  ['listJobs(completed, search miss)', () => a.listJobs({ state: 'completed', search: 'no-such-text', limit: 50 })],
];
for (const [label, call] of calls) {
  const t: number[] = [];
  for (let i = 0; i < 5; i++) {
    const s = performance.now();
    await call();
    t.push(performance.now() - s);
  }
  t.sort((x, y) => x - y);
  console.log(`${label.padEnd(36)} median ${t[2].toFixed(1).padStart(7)} ms   max ${t[4].toFixed(1).padStart(7)} ms`);
}
await errand.close();
