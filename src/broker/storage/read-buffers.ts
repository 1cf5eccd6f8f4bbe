/**
 * Read buffers: the memory log reads land in, recycled across Fetch responses. A consumer reading a partition
 * asks for about max.partition.fetch.bytes (1 MiB for librdkafka, the Java client and kafkajs) per Fetch; a fresh
 * 1 MiB Buffer per read is memory outside V8's heap that the kernel must map on first touch, and whose growth makes
 * V8 run full (mark-compact) collections for "external memory pressure" every few dozen megabytes consumed. A
 * read of a slab-sized range takes a slab from a small free list instead, and the wire server gives the slab
 * back once the response that carries it has been written to the socket.
 *
 * Contract:
 *  - takeReadBuffer(length) returns a Buffer of exactly `length` bytes (contents undefined). Lengths from
 *    SLAB_MIN to SLAB_BYTES come from a slab (a view at its start); other lengths are plain Buffer.allocUnsafe.
 *  - giveBackReadBuffer(buf) returns the slab behind `buf` (any view of it) to the free list; a Buffer that is
 *    not a slab, or a slab already free, is ignored. Only a holder that knows nothing else references the
 *    bytes may give them back (the wire server, after the socket write of a Fetch response completed).
 *  - A slab that is never given back (a read whose bytes are kept, decoded, or copied) is ordinary garbage.
 *  - At most MAX_FREE slabs are kept free (4 MiB); the rest are left to the garbage collector.
 * Callers: segment.ts (readAt), src/protocol/server.ts (after a response's socket write).
 */

/** The size of a slab: the per-partition fetch size of the common clients. */
export const SLAB_BYTES = 1 << 20;
/** Reads shorter than this are cheap to allocate (and mostly come from Node's own pool). */
const SLAB_MIN = 128 * 1024;
const MAX_FREE = 4;

const free: ArrayBuffer[] = [];
/** Every slab handed out and not yet collected; a WeakSet, so a slab nobody gives back costs nothing here. */
const slabs = new WeakSet<ArrayBufferLike>();

export function takeReadBuffer(length: number): Buffer {
  if (length < SLAB_MIN || length > SLAB_BYTES) return Buffer.allocUnsafe(length);
  const ab = free.pop();
  if (ab) return Buffer.from(ab, 0, length);
  const slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  slabs.add(slab.buffer);
  return slab.subarray(0, length);
}

export function giveBackReadBuffer(buf: Buffer): void {
  const ab = buf.buffer;
  if (!slabs.has(ab) || free.length >= MAX_FREE || free.includes(ab as ArrayBuffer)) return;
  free.push(ab as ArrayBuffer);
}

/** True when `buf` is a view of a read slab (the server gives such chunks back after writing them). */
export function isReadBuffer(buf: Buffer): boolean {
  return slabs.has(buf.buffer);
}
