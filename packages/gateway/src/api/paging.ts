/** Stripe's list (`limit`, `starting_after`, `ending_before`) and search (`query`, `page`) pages, newest first. */
import { invalidRequest, resourceMissing } from '../errors.js';
import type { FormObject } from '../form.js';
import { limitParam, optString } from '../params.js';
import { compileQuery, type Searchable } from '../search.js';

interface Row<T> {
  json: T;
  /** Position in creation order. */
  seq: number;
}

/** Walks rows newest first from `startBefore` (a position in creation order). */
function newestFirst<T>(order: Row<T>[], startBefore: number, limit: number, keep: (v: T) => boolean) {
  const data: T[] = [];
  let i = startBefore - 1;
  for (; i >= 0 && data.length < limit; i--) if (keep(order[i].json)) data.push(order[i].json);
  let hasMore = false;
  for (; i >= 0; i--) {
    if (keep(order[i].json)) {
      hasMore = true;
      break;
    }
  }
  return { data, hasMore };
}

export function listPage<T>(p: FormObject, order: Row<T>[], find: (id: string) => Row<T> | undefined, kind: string) {
  const limit = limitParam(p);
  const after = optString(p, 'starting_after', 255);
  const before = optString(p, 'ending_before', 255);
  if (after && before) throw invalidRequest('You may only specify one of these parameters: starting_after, ending_before.', 'ending_before');
  const cursor = (param: string, id: string): Row<T> => {
    const row = find(id);
    if (!row) throw resourceMissing(kind, id, param, 400);
    return row;
  };
  if (before) {
    const from = cursor('ending_before', before).seq + 1;
    const to = Math.min(order.length, from + limit);
    return { object: 'list' as const, data: order.slice(from, to).reverse().map((r) => r.json), has_more: to < order.length };
  }
  const start = after ? cursor('starting_after', after).seq : order.length;
  const { data, hasMore } = newestFirst(order, start, limit, () => true);
  return { object: 'list' as const, data, has_more: hasMore };
}

export function searchPage<T extends Searchable>(p: FormObject, query: string, order: Row<T>[], find: (id: string) => Row<T> | undefined) {
  const predicate = compileQuery(query);
  const limit = limitParam(p);
  const page = optString(p, 'page', 300);
  let start = order.length;
  if (page) {
    const id = page.startsWith('page_') ? Buffer.from(page.slice(5), 'base64url').toString() : '';
    const row = find(id);
    if (!row) throw invalidRequest(`Invalid page: ${page}`, 'page');
    start = row.seq;
  }
  const { data, hasMore } = newestFirst(order, start, limit, predicate);
  const last = data.at(-1);
  return {
    object: 'search_result' as const,
    data,
    has_more: hasMore,
    next_page: hasMore && last ? `page_${Buffer.from(last.id).toString('base64url')}` : null,
  };
}
