/**
 * Time, injected. The engine never calls Date.now() or setTimeout directly: group session timeouts, segment.ms,
 * retention.ms and the flush timer all go through a Clock so tests move a FakeClock instead of sleeping.
 */
export type TimerHandle = { readonly id: number };

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

let nextId = 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    const handle = { id: nextId++, t };
    return handle;
  },
  clearTimeout(handle) {
    if (handle) clearTimeout((handle as unknown as { t: NodeJS.Timeout }).t);
  },
};

/**
 * A clock that only moves when told to. Timers fire in due order during advance(); timers due at the same time
 * fire in the order they were set (the map keeps insertion order, and the scan keeps the first of equal ones).
 */
export class FakeClock implements Clock {
  private timers = new Map<number, { due: number; fn: () => void }>();
  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextId++;
    this.timers.set(id, { due: this.current + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (handle) this.timers.delete(handle.id);
  }

  /** Move time forward by ms, firing every timer that falls due, in order (timers set while firing included). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      let nextIdKey: number | undefined;
      let next: { due: number; fn: () => void } | undefined;
      for (const [id, t] of this.timers) {
        if (t.due <= target && (!next || t.due < next.due)) {
          next = t;
          nextIdKey = id;
        }
      }
      if (!next || nextIdKey === undefined) break;
      this.timers.delete(nextIdKey);
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = target;
  }

  pendingTimers(): number {
    return this.timers.size;
  }
}
