/** Render rows as a Markdown table (also readable in a terminal). */
export function markdownTable(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const al = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const pad = (s: string, i: number) => (al[i] === 'r' ? s.padStart(widths[i]) : s.padEnd(widths[i]));
  const line = (r: string[]) => `| ${r.map((c, i) => pad(c, i)).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (al[i] === 'r' ? `${'-'.repeat(w + 1)}:` : `:${'-'.repeat(w + 1)}`)).join('|')}|`;
  return [line(headers), sep, ...cells.map(line)].join('\n');
}
