/**
 * The page's static assets, read at start from public/build/ (built by scripts/build-client.mjs
 * during `npm ci` / `npm run build`, never at start): the checkout script and the stylesheet.
 * Served by routes/assets.ts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

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

// From src/ and from dist/ alike, the build output is ../public/build/.
const BUILD_DIR = new URL('../public/build/', import.meta.url);

let loading: Promise<Assets> | undefined;

async function read(name: string): Promise<string> {
  try {
    return await readFile(new URL(name, BUILD_DIR), 'utf8');
  } catch (err) {
    throw new Error(`the shop's ${name} is not built (${(err as Error).message}): run npm run build`, { cause: err });
  }
}

/** Read once per process (tests build many apps). */
export function buildAssets(): Promise<Assets> {
  loading ??= (async () => {
    const [js, css] = await Promise.all([read('checkout.js'), read('shop.css')]);
    return {
      'checkout.js': { body: js, contentType: 'application/javascript; charset=utf-8', etag: etag(js) },
      'shop.css': { body: css, contentType: 'text/css; charset=utf-8', etag: etag(css) },
    };
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
