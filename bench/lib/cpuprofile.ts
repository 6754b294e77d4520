/**
 * Summarize a V8 .cpuprofile (from `node --cpu-prof`): self time by function and by package.
 * `npx tsx bench/lib/cpuprofile.ts /tmp/prof/*.cpuprofile [top]`
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export function summarize(file: string, top = 25): string {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const where = url.includes('node_modules/')
      ? url.slice(url.lastIndexOf('node_modules/') + 13).split('/').slice(0, url.includes('node_modules/@') ? 2 : 1).join('/')
      : url.includes('/packages/engine/')
        ? 'errand (engine)'
        : url.includes('/bench/')
          ? 'bench harness'
          : url.startsWith('node:') || url === ''
            ? n.callFrame.functionName.startsWith('(') ? n.callFrame.functionName : 'node internals'
            : url;
    pkg.set(where, (pkg.get(where) ?? 0) + us);
    const key = `${n.callFrame.functionName || '(anonymous)'}  ${url.replace(/.*\/(node_modules|packages)\//, '')}:${n.callFrame.lineNumber + 1}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const lines = [`${file}: ${(total / 1000).toFixed(0)} ms sampled`, '', 'self time by package:'];
  for (const [k, v] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(v)}  ${k}`);
  lines.push('', 'self time by function:');
  for (const [k, v] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(v)}  ${k}`);
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('cpuprofile.ts')) {
  const top = Number(process.argv.at(-1)) || 25;
  for (const f of process.argv.slice(2).filter((a) => a.endsWith('.cpuprofile'))) console.log(summarize(f, top));
}
