import { readFileSync } from 'node:fs';

/** The console's static files, read once and served from the plugin (nothing loads from outside). */
const dir = new URL('../assets/', import.meta.url);

const TYPES: Record<string, string> = {
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

export const ASSETS: ReadonlyMap<string, { type: string; body: Buffer }> = new Map(
  Object.entries(TYPES).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, dir)) }]),
);
