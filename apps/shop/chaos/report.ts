/** The chaos run's figures as a Markdown table (printed, and pasted into RELIABILITY.md). */
import type { ChaosResult } from './run.js';

export function summaryTable(results: ChaosResult[]): string {
  const rows: [string, (r: ChaosResult) => string][] = [
    ['purchases sent', (r) => `${r.purchases} at ${r.rate}/s`],
    ['web answers', (r) => Object.entries(r.answers).map(([k, n]) => `${k}: ${n}`).join(', ')],
    ['sales (finished / errored / refunded)', (r) => `${r.sales.total} (${r.sales.finished} / ${r.sales.errored} / ${r.sales.refunded})`],
    [
      '3-D Secure purchases (completed / failed / abandoned / answered too late)',
      (r) => `${r.threeDS.purchases} (${r.threeDS.completed} / ${r.threeDS.failed} / ${r.threeDS.abandoned} / ${r.threeDS.tooLate})`,
    ],
    ['dashboard refunds / disputes (sales flagged)', (r) => `${r.dashboard.refunds} / ${r.dashboard.disputes} (${r.sales.disputed})`],
    ['charges (succeeded / failed)', (r) => `${r.charges.total} (${r.charges.succeeded} / ${r.charges.failed})`],
    ['worker processes', (r) => String(r.workers)],
    ['workers killed (SIGKILL)', (r) => String(r.kills)],
    ['worker starts', (r) => String(r.workerStarts)],
    ['PostgreSQL crashes (stop -m immediate, start)', (r) => String(r.postgresRestarts)],
    ['Redis restarts (SIGKILL, AOF everysec)', (r) => String(r.redisRestarts ?? 0)],
    ['retries (attempts after the first)', (r) => String(r.retries)],
    ['attempts rescued after a kill', (r) => String(r.rescued)],
    ['faults injected', (r) => Object.entries(r.faultsInjected).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
    ['declines (402)', (r) => String(r.declines)],
    ['webhook events / delivery attempts', (r) => `${r.webhooks.events} / ${r.webhooks.attempts}`],
    ['webhook faults (events)', (r) => Object.entries(r.webhooks.faults).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'],
    ['time to drain', (r) => (r.drainMs < 0 ? 'did not drain' : `${(r.drainMs / 1000).toFixed(1)} s`)],
    ['run time', (r) => `${(r.durationMs / 1000).toFixed(1)} s`],
    ['log lines scanned / secrets found', (r) => `${r.logScan.lines} / ${r.logScan.leaks}`],
    ['violations', (r) => String(r.violations.length)],
  ];
  const header = ['', ...results.map((r) => r.db)];
  const body = rows.map(([label, get]) => [label, ...results.map(get)]);
  const widths = header.map((_, c) => Math.max(...[header, ...body].map((row) => row[c].length)));
  const line = (cells: string[]) => `| ${cells.map((s, c) => s.padEnd(widths[c])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
