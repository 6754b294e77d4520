/**
 * A tiny SVG bar-chart writer: horizontal bars, one per label, optional groups (several series
 * per label), a value printed at the end of each bar, an optional vertical marker line (a target
 * or a bound). No dependencies; the output is deterministic so charts diff cleanly.
 */
export interface BarSeries {
  name: string;
  color: string;
  values: (number | null)[];
}

export interface BarChartOptions {
  title: string;
  unit: string;
  labels: string[];
  series: BarSeries[];
  /** A vertical line at this value, with a caption (e.g. the SQL ceiling). */
  marker?: { value: number; label: string };
  width?: number;
  format?: (v: number) => string;
  /** Plot on a log scale (for figures that span orders of magnitude). */
  log?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChart(o: BarChartOptions): string {
  const width = o.width ?? 760;
  const labelW = Math.min(260, 12 + 7 * Math.max(...o.labels.map((l) => l.length), 4));
  const barH = 16;
  const gap = 8;
  const groupH = o.series.length * barH + gap;
  const top = 40;
  const legendH = o.series.length > 1 ? 22 : 0;
  const height = top + legendH + o.labels.length * groupH + 30;
  const plotW = width - labelW - 90;
  const fmt = o.format ?? ((v: number) => v.toLocaleString('en-US', { maximumFractionDigits: v >= 100 ? 0 : 1 }));
  const all = o.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(...all, o.marker?.value ?? 0, 1e-9);
  const minLog = o.log ? Math.max(Math.min(...all.filter((v) => v > 0)) / 2, 1e-3) : 0;
  const scale = (v: number) => {
    if (v <= 0) return 0;
    if (!o.log) return (v / max) * plotW;
    return (Math.max(0, Math.log10(v / minLog)) / Math.log10(max / minLog)) * plotW;
  };
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<title>${esc(o.title)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="10" y="20" font-size="14" font-weight="600">${esc(o.title)}</text>`);
  out.push(`<text x="${width - 10}" y="20" text-anchor="end" fill="#555">${esc(o.unit)}${o.log ? ' (log scale)' : ''}</text>`);
  let y = top;
  if (legendH) {
    let x = labelW;
    for (const s of o.series) {
      out.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${s.color}"/>`);
      out.push(`<text x="${x + 16}" y="${y + 10}">${esc(s.name)}</text>`);
      x += 24 + 7 * s.name.length;
    }
    y += legendH;
  }
  const plotTop = y;
  o.labels.forEach((label, i) => {
    const gy = y + i * groupH;
    out.push(`<text x="${labelW - 8}" y="${gy + (o.series.length * barH) / 2 + 4}" text-anchor="end">${esc(label)}</text>`);
    o.series.forEach((s, j) => {
      const v = s.values[i];
      const by = gy + j * barH;
      if (v === null || !Number.isFinite(v)) {
        out.push(`<text x="${labelW + 4}" y="${by + barH - 4}" fill="#999">n/a</text>`);
        return;
      }
      const w = Math.max(1, scale(v));
      out.push(`<rect x="${labelW}" y="${by + 1}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${s.color}"/>`);
      out.push(`<text x="${(labelW + w + 4).toFixed(1)}" y="${by + barH - 4}" fill="#222">${esc(fmt(v))}</text>`);
    });
  });
  const plotBottom = y + o.labels.length * groupH - gap;
  out.push(`<line x1="${labelW}" y1="${plotTop - 2}" x2="${labelW}" y2="${plotBottom + 2}" stroke="#333"/>`);
  if (o.marker) {
    const mx = labelW + scale(o.marker.value);
    out.push(`<line x1="${mx.toFixed(1)}" y1="${plotTop - 4}" x2="${mx.toFixed(1)}" y2="${plotBottom + 4}" stroke="#c00" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${mx.toFixed(1)}" y="${plotBottom + 18}" text-anchor="middle" fill="#c00">${esc(o.marker.label)} ${esc(fmt(o.marker.value))}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

export const COLORS = ['#2f6fb3', '#e08a1e', '#3a9a4b', '#b5443a', '#7b5ea7', '#8c6d31', '#5f9ea0'];
