import type { Errand } from './client.js';
import type { Transaction } from './drivers/connections.js';
import { ErrandError } from './errors.js';
import { defineJob } from './job.js';
import type { EnqueuedJob, EnqueueOptions } from './types.js';

/**
 * Delayed Job's `delay` for registered classes. `delayable(Banana)` registers a class;
 * `errand.delay(new Banana('medium')).split()` enqueues an `errand.delay` job whose payload is
 * the class name, the object's own fields, the method and its arguments. The worker rebuilds an
 * object of that class from the fields (without calling the constructor, as Delayed Job's YAML
 * load does) and calls the method.
 */

type AnyClass = abstract new (...args: any[]) => object;
const classes = new Map<string, AnyClass>();

export interface DelayOptions extends EnqueueOptions {
  tx?: Transaction;
}

/** Methods of T become enqueuers: same arguments, a promise of the enqueued job. */
export type Delayed<T> = {
  [K in keyof T as T[K] extends (...args: any[]) => any ? K : never]: T[K] extends (...args: infer A) => any
    ? (...args: A) => Promise<EnqueuedJob>
    : never;
};

/** Register a class whose instances may be delayed, under `name` (default: the class name). */
export function delayable<C extends AnyClass>(cls: C, name: string = cls.name): C {
  const known = classes.get(name);
  if (known && known !== cls) throw new ErrandError('ERRAND_NOT_DELAYABLE', `another class is already delayable as ${name}`);
  classes.set(name, cls);
  return cls;
}

interface DelayPayload {
  class: string;
  fields: Record<string, unknown>;
  method: string;
  args: unknown[];
}

export const delayJob = defineJob<DelayPayload>({
  name: 'errand.delay',
  handler: async (p) => {
    const cls = classes.get(p.class);
    if (!cls) throw new ErrandError('ERRAND_NOT_DELAYABLE', `no delayable class registered as ${p.class}`);
    const target = Object.assign(Object.create(cls.prototype), p.fields);
    const method = target[p.method];
    if (typeof method !== 'function') throw new ErrandError('ERRAND_NOT_DELAYABLE', `${p.class} has no method ${p.method}`);
    return await method.apply(target, p.args);
  },
});

function className(target: object): string {
  for (const [name, cls] of classes) if (Object.getPrototypeOf(target) === cls.prototype) return name;
  const ctor = (target as { constructor?: { name?: string } }).constructor?.name ?? typeof target;
  throw new ErrandError('ERRAND_NOT_DELAYABLE', `${ctor} is not delayable: register it with delayable(${ctor})`);
}

export function makeDelayProxy<T extends object>(errand: Errand, target: T, options: DelayOptions = {}): Delayed<T> {
  const cls = className(target);
  const { tx, ...enqueueOptions } = options;
  return new Proxy({} as Delayed<T>, {
    get(_, method) {
      if (typeof method !== 'string') return undefined;
      if (typeof (target as Record<string, unknown>)[method] !== 'function') {
        throw new ErrandError('ERRAND_NOT_DELAYABLE', `${cls} has no method ${method}`);
      }
      return (...args: unknown[]) =>
        errand.enqueue(delayJob, { class: cls, fields: { ...target } as Record<string, unknown>, method, args }, { ...enqueueOptions, tx });
    },
  });
}
