/**
 * The page's static assets, built at start into memory: the checkout script (TypeScript bundled by
 * esbuild — no jQuery, no framework) and the stylesheet. Served by routes/assets.ts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  body: string;
  contentType: string;
  etag: string;
}

export interface Assets {
  'checkout.js': Asset;
  'shop.css': Asset;
}

const etag = (s: string) => `"${createHash('sha256').update(s).digest('base64url').slice(0, 16)}"`;

let building: Promise<Assets> | undefined;

/** Built once per process (tests build many apps). */
export function buildAssets(): Promise<Assets> {
  building ??= (async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./client/checkout.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      target: ['es2020'],
      minify: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const js = result.outputFiles[0].text;
    const css = readFileSync(new URL('./client/shop.css', import.meta.url), 'utf8');
    return {
      'checkout.js': { body: js, contentType: 'application/javascript; charset=utf-8', etag: etag(js) },
      'shop.css': { body: css, contentType: 'text/css; charset=utf-8', etag: etag(css) },
    };
  })();
  building.catch(() => {
    building = undefined;
  });
  return building;
}
