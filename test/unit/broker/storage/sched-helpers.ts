/**
 * Helpers of the checkpoint, flush-policy and retention-scheduler tests: a recorder of the synchronous fs calls a
 * module makes (to see the durability points: which file is fsynced before which rename), a deferred promise, and
 * draining the event loop without sleeping.
 */
// The module object itself (not the import's read-only view), so the recorder can wrap its functions.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');

export type FsCall = { fn: string; args: unknown[] };

type SyncFn = 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'renameSync' | 'rmSync';

/**
 * Record every call of the named fs functions (still calling through, unless `replace` gives another body for
 * one). Call `restore()` in a finally block.
 */
export function recordFs(
  fns: SyncFn[],
  replace: Partial<Record<SyncFn, (...args: unknown[]) => unknown>> = {},
): { calls: FsCall[]; restore: () => void } {
  const calls: FsCall[] = [];
  const fsAny = rawFs as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = new Map<string, (...args: unknown[]) => unknown>();
  for (const fn of fns) {
    const original = fsAny[fn];
    saved.set(fn, original);
    fsAny[fn] = (...args: unknown[]) => {
      calls.push({ fn, args });
      const body = replace[fn];
      return body ? body(...args) : original.apply(rawFs, args);
    };
  }
  return {
    calls,
    restore: () => {
      for (const [fn, original] of saved) fsAny[fn] = original;
    },
  };
}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: Error) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Let every queued promise continuation and immediate run (a few turns of the event loop, no timers). */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

/** 'pending' when `p` has not settled after the event loop drained, else 'resolved' or 'rejected'. */
export async function stateOf(p: Promise<unknown>): Promise<'pending' | 'resolved' | 'rejected'> {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await settle();
  return state;
}
