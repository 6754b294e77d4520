import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Redis driver's Lua scripts: one file per atomic operation in lua/ (shipped in the package
 * beside sql/), each with a header documenting its KEYS, ARGV and reply. lua/lib.lua holds the
 * helpers every script shares; it is put in front of each (a script cannot include another).
 * ioredis' defineCommand runs each by EVALSHA, loading it once per connection when the server
 * does not know it yet.
 */
export const SCRIPTS = [
  'insert', 'insert_relayed', 'claim', 'complete', 'fail', 'release', 'heartbeat', 'set_progress', 'rescue', 'promote',
  'cancel', 'retry', 'discard', 'delete', 'prune', 'walk', 'select', 'counts',
  'schedule_upsert', 'schedule_read', 'schedule_advance', 'schedule_pause', 'worker_register',
  'claim_limited', 'rate_set', 'rate_usage',
] as const;
export type ScriptName = (typeof SCRIPTS)[number];

const LUA_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'lua');

let cache: Record<ScriptName, string> | undefined;

/** Every script's full text (lib.lua + the script), by name. */
export function loadScripts(): Record<ScriptName, string> {
  if (cache) return cache;
  const lib = readFileSync(join(LUA_ROOT, 'lib.lua'), 'utf8');
  const out = {} as Record<ScriptName, string>;
  for (const name of SCRIPTS) out[name] = `${lib}\n${readFileSync(join(LUA_ROOT, `${name}.lua`), 'utf8')}`;
  cache = out;
  return out;
}
