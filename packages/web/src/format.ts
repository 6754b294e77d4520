import { type Html, html } from './html.js';

/** Display helpers for admin pages (the console's, and the sections a host app adds to it): numbers, times, durations, state badges. */

export function num(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A capped count: "10,000+" when it reached the cap (the console counts up to 10,000). */
export function capped(n: number, cap: number): string {
  return n >= cap ? `${num(cap)}+` : num(n);
}

export function duration(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(a)} ms`;
  if (a < 60_000) return `${(a / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${Math.floor(a / 60_000)} min ${Math.floor((a % 60_000) / 1000)} s`;
  if (a < 86_400_000) return `${Math.floor(a / 3_600_000)} h ${Math.floor((a % 3_600_000) / 60_000)} min`;
  return `${Math.floor(a / 86_400_000)} d ${Math.floor((a % 86_400_000) / 3_600_000)} h`;
}

function short(ms: number): string {
  const a = Math.abs(ms);
  if (a < 5_000) return 'just now';
  if (a < 60_000) return `${Math.floor(a / 1000)} s`;
  if (a < 3_600_000) return `${Math.floor(a / 60_000)} min`;
  if (a < 86_400_000) return `${Math.floor(a / 3_600_000)} h`;
  return `${Math.floor(a / 86_400_000)} d`;
}

export function absolute(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** "3 min ago" / "in 5 s" with the absolute UTC time as tooltip (the console's client script keeps it fresh). */
export function when(d: Date | null | undefined, now = new Date()): Html {
  if (!d || Number.isNaN(d.getTime())) return html`<span class="muted">—</span>`;
  const diff = d.getTime() - now.getTime();
  const text = Math.abs(diff) < 5_000 ? 'just now' : diff > 0 ? `in ${short(diff)}` : `${short(diff)} ago`;
  return html`<time datetime="${d.toISOString()}" title="${absolute(d)}">${text}</time>`;
}

export function badge(state: string): Html {
  return html`<span class="badge badge-${state.replace(/[^a-z]/g, '')}">${state}</span>`;
}

export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
