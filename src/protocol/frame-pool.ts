/**
 * FramePool: reusable buffers for assembling large request frames that arrive over several socket reads.
 *
 * Why: a produce frame of ~1 MB assembled into a fresh Buffer touches ~256 new pages, and on the virtual machines
 * this runs on a first-touch page fault costs tens of microseconds; measured with `perf record -e page-faults`
 * on the broker during a full-speed kcat produce, a third of all faults were this copy, and the event-loop gaps
 * were made of them. Reused buffers are already mapped.
 *
 * Contract: take() hands out a buffer of at least `size` bytes (a view of exactly `size` bytes); the caller gives
 * the parent back with give() once nothing can read the frame any more. The server does this only for Produce,
 * whose handler copies the record bytes into the log file and keeps no view of the request once it settles.
 * Anything not given back is simply garbage collected. The pool keeps at most `maxBuffers` buffers and
 * `maxBytes` bytes in all; larger frames are not pooled.
 */
export class FramePool {
  private free: Buffer[] = [];
  private pooledBytes = 0;

  constructor(
    private readonly maxBuffers = 64,
    private readonly maxBytes = 128 * 1024 * 1024,
    private readonly granule = 256 * 1024,
  ) {}

  /** A buffer for a frame of `size` bytes: `view` is what to fill, `parent` what to give back (null: do not). */
  take(size: number): { view: Buffer; parent: Buffer | null } {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      if (this.free[i].length >= size && (best < 0 || this.free[i].length < this.free[best].length)) best = i;
    }
    if (best >= 0) {
      const parent = this.free[best];
      this.free.splice(best, 1);
      this.pooledBytes -= parent.length;
      return { view: parent.subarray(0, size), parent };
    }
    const capacity = Math.ceil(size / this.granule) * this.granule;
    if (capacity > this.maxBytes / 4) return { view: Buffer.allocUnsafe(size), parent: null };
    const parent = Buffer.allocUnsafeSlow(capacity);
    return { view: parent.subarray(0, size), parent };
  }

  give(parent: Buffer): void {
    if (this.free.length >= this.maxBuffers || this.pooledBytes + parent.length > this.maxBytes) return;
    this.free.push(parent);
    this.pooledBytes += parent.length;
  }

  get size(): { buffers: number; bytes: number } {
    return { buffers: this.free.length, bytes: this.pooledBytes };
  }
}
