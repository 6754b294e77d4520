import type { JobRecord } from '../../types.js';
import type { JobPage } from '../driver.js';
import { ROW_WIDTH, toRecord } from './rows.js';

type Reply = (string | number | null)[];
/** Where a job sits in its state's order: its zset score, then its member (fixed width, so strings sort). */
type Key = { score: number; member: string };

/**
 * One admin page from each queue's walk.lua reply, merged in the state's order (`desc`: newest
 * first). A queue whose walk stopped early (its page full, or `walk` jobs read) has been seen only
 * up to where it stopped: the page keeps what comes before the earliest such stop, and when it is
 * not full, the next page continues from that stop. The cursor is `<score>:<member>`.
 */
export function mergeWalks(replies: Reply[], opts: { limit: number; walk: number; desc: boolean }): JobPage {
  const byMember = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const cmp = (a: Key, b: Key) =>
    opts.desc ? b.score - a.score || byMember(b.member, a.member) : a.score - b.score || byMember(a.member, b.member);
  const items: (Key & { job: JobRecord })[] = [];
  let bound: Key | null = null;
  for (const r of replies) {
    const n = Number(r[0]);
    let found = 0;
    for (let i = 3; i < r.length; i += ROW_WIDTH + 2) {
      const job = toRecord(r, i + 2, true);
      items.push({ score: Number(r[i]), member: String(r[i + 1]), job });
      found++;
    }
    if ((found >= opts.limit || n >= opts.walk) && r[2] !== null) {
      const stop = { score: Number(r[1]), member: String(r[2]) };
      if (!bound || cmp(stop, bound) < 0) bound = stop;
    }
  }
  items.sort(cmp);
  const b = bound;
  const page = (b ? items.filter((x) => cmp(x, b) <= 0) : items).slice(0, opts.limit);
  const last = page[page.length - 1];
  const jobs = page.map((x) => x.job);
  if (page.length === opts.limit && last) return { jobs, next: `${last.score}:${last.member}` };
  return { jobs, next: b ? `${b.score}:${b.member}` : null };
}
