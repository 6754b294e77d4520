#!/usr/bin/env node
/**
 * `npm run build` (and `npm ci`, through `prepare`): compile every package to dist/ with tsc, in
 * dependency order, then bundle the shop's browser script.
 *
 * @errand/web is private (never published): the console ships a copy of its compiled files in
 * dist/web/ and reaches it through the `#web` import map in its package.json, so its tarball
 * needs nothing that is not on npm. That copy has to exist before the console compiles.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (...args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' });

// tsc -b trusts its .tsbuildinfo (kept beside each package, out of the tarball): when dist/ was
// deleted, forget it, or tsc would call the package up to date and emit nothing.
for (const dir of ['packages/web', 'packages/engine', 'packages/gateway', 'packages/console', 'apps/shop']) {
  const entry = join(root, dir, 'dist', dir === 'apps/shop' ? 'main.js' : 'index.js');
  if (!existsSync(entry)) rmSync(join(root, dir, '.tsbuildinfo'), { force: true });
}

run(tsc, '-b', 'packages/web/tsconfig.build.json', 'packages/engine/tsconfig.build.json', 'packages/gateway/tsconfig.build.json');
const vendored = join(root, 'packages/console/dist/web');
rmSync(vendored, { recursive: true, force: true });
cpSync(join(root, 'packages/web/dist'), vendored, { recursive: true });
run(tsc, '-b', 'packages/console/tsconfig.build.json', 'apps/shop/tsconfig.build.json');
run(join(root, 'apps/shop/scripts/build-client.mjs'));
