import type { ThroughputPoint } from 'errand';
import { num } from './format.js';
import { type Html, html } from './html.js';

/**
 * Server-drawn SVG bar charts (no script, no external library). Each bar stacks processed
 * (succeeded) under failed; every bar has a tooltip. Colours come from console.css classes.
 */
export interface Slot {
  start: Date;
  processed: number;
  failed: number;
}

/** Per-minute points folded into `count` slots of `slotMs` ending with the current slot. */
export function slots(points: ThroughputPoint[], slotMs: number, count: number, now = Date.now()): Slot[] {
  const end = Math.floor(now / slotMs) * slotMs;
  const first = end - (count - 1) * slotMs;
  const out: Slot[] = Array.from({ length: count }, (_, i) => ({ start: new Date(first + i * slotMs), processed: 0, failed: 0 }));
  for (const p of points) {
    const i = Math.floor((p.minute.getTime() - first) / slotMs);
    if (i < 0 || i >= count) continue;
    out[i].processed += Number(p.processed);
    out[i].failed += Number(p.failed);
  }
  return out;
}

function hhmm(d: Date): string {
  return d.toISOString().slice(11, 16);
}

export function barChart(data: Slot[], opts: { label: string; slotLabel: string; width?: number; height?: number }): Html {
  const width = opts.width ?? 720;
  const height = opts.height ?? 160;
  const top = 14;
  const bottom = 20;
  const plot = height - top - bottom;
  const max = Math.max(1, ...data.map((d) => d.processed + d.failed));
  const bw = width / data.length;
  const gap = bw > 4 ? 1 : 0;
  const total = data.reduce((s, d) => s + d.processed, 0);
  const failed = data.reduce((s, d) => s + d.failed, 0);
  const bars = data.map((d, i) => {
    const hp = (d.processed / max) * plot;
    const hf = (d.failed / max) * plot;
    const x = (i * bw).toFixed(1);
    const w = Math.max(0.5, bw - gap).toFixed(1);
    const tip = `${hhmm(d.start)} UTC (${opts.slotLabel}): ${num(d.processed)} processed, ${num(d.failed)} failed`;
    return html`<g><title>${tip}</title><rect class="hit" x="${x}" y="${top}" width="${w}" height="${plot}"></rect>${
      hp > 0 ? html`<rect class="ok" x="${x}" y="${(top + plot - hp).toFixed(1)}" width="${w}" height="${hp.toFixed(1)}"></rect>` : ''
    }${hf > 0 ? html`<rect class="fail" x="${x}" y="${(top + plot - hp - hf).toFixed(1)}" width="${w}" height="${hf.toFixed(1)}"></rect>` : ''}</g>`;
  });
  const ticks = [0, Math.floor(data.length / 2), data.length - 1].map(
    (i) => html`<text class="tick" x="${(i * bw + (i === data.length - 1 ? bw : 0)).toFixed(1)}" y="${height - 4}" text-anchor="${i === 0 ? 'start' : i === data.length - 1 ? 'end' : 'middle'}">${hhmm(data[i].start)}</text>`,
  );
  return html`<figure class="chart">
<figcaption><span>${opts.label}</span><span class="legend"><i class="sw ok"></i>${num(total)} processed <i class="sw fail"></i>${num(failed)} failed</span></figcaption>
<svg viewBox="0 0 ${width} ${height}" preserveAspectRatio="none" role="img" aria-label="${opts.label}: ${num(total)} processed, ${num(failed)} failed">
<line class="axis" x1="0" x2="${width}" y1="${top + plot}" y2="${top + plot}"></line>
<line class="grid" x1="0" x2="${width}" y1="${top}" y2="${top}"></line>
<text class="tick" x="2" y="${top - 3}">${num(max)} / ${opts.slotLabel}</text>
${bars}${ticks}
</svg>
</figure>`;
}
