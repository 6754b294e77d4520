#!/usr/bin/env node
/**
 * The page's static assets, built once (by `npm run build`, which `npm ci` runs) into
 * public/build/: the checkout script (TypeScript bundled and minified by esbuild — no jQuery, no
 * framework) and the stylesheet. The server reads them at start (src/assets.ts).
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const out = here('../public/build/');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [here('../src/client/checkout.ts')],
  outfile: `${out}checkout.js`,
  bundle: true,
  format: 'iife',
  target: ['es2020'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(here('../src/client/shop.css'), `${out}shop.css`);
