/**
 * `npm audit --omit=dev --audit-level=high`: the production dependency tree must have no high or
 * critical advisory. Run by `npm run chaos`, or alone: `npx tsx apps/shop/chaos/audit.ts`.
 *
 * The audit needs the registry's advisory endpoint. When it cannot be reached (offline, or a
 * proxy that refuses the bulk POST), the result says so — "not checked" — and does not count as
 * a failure; only advisories that were actually reported do.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface AuditResult {
  /** Whether the advisory endpoint answered. */
  reachable: boolean;
  /** High or critical advisories were reported. */
  failed: boolean;
  counts: Record<string, number> | null;
  summary: string;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function runAudit(): Promise<AuditResult> {
  return new Promise((resolve) => {
    execFile('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      let json: any = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = null;
      }
      const counts = json?.metadata?.vulnerabilities as Record<string, number> | undefined;
      if (!counts) {
        const why = json?.message ?? json?.error?.summary ?? (err as Error | null)?.message ?? 'no answer';
        resolve({ reachable: false, failed: false, counts: null, summary: `not checked: the registry's audit endpoint is unreachable (${String(why).split('\n')[0]})` });
        return;
      }
      const high = (counts.high ?? 0) + (counts.critical ?? 0);
      const listed = Object.entries(counts)
        .filter(([k]) => k !== 'total')
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      resolve({ reachable: true, failed: high > 0, counts, summary: high > 0 ? `FAILED: ${high} high/critical advisories (${listed})` : `ok: no high or critical advisories (${listed})` });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runAudit().then((r) => {
    process.stdout.write(`npm audit --omit=dev: ${r.summary}\n`);
    process.exit(r.failed ? 1 : 0);
  });
}
