/**
 * Writer: encodes Kafka's primitive types into a list of Buffers. Small fields go into a growing scratch
 * buffer; large byte blobs (Fetch record sets) are appended BY REFERENCE as their own chunk, so a multi-megabyte
 * Fetch response is never copied: the server writes the chunks to the socket one after another.
 *
 * `reserve(4)` + `patchInt32` lets the server put the frame size in front once the body is known.
 * Called by src/protocol/codec/schema.ts and the server.
 */

const TWO_32 = 4294967296;
/** Blobs at least this big are kept by reference instead of being copied into the scratch buffer. */
const BY_REFERENCE = 512;

export class Writer {
  private chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private flushedBytes = 0;

  constructor(initialSize = 512) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.flushedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const size = Math.max(this.buf.length * 2, this.pos + n, 256);
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.pos);
    this.pos += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
    return this;
  }

  int64(v: number): this {
    this.ensure(8);
    const hi = Math.floor(v / TWO_32);
    const lo = v - hi * TWO_32;
    this.buf.writeInt32BE(hi, this.pos);
    this.buf.writeUInt32BE(lo, this.pos + 4);
    this.pos += 8;
    return this;
  }

  uvarint(v: number): this {
    if (v < 0 || !Number.isInteger(v)) throw new RangeError(`uvarint needs a non-negative integer, got ${v}`);
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
    return this;
  }

  /** Zig-zag signed varint (32-bit range). */
  varint(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  /** Zig-zag signed varlong (exact within +-2^53). */
  varlong(v: number): this {
    return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uuid(v: Buffer | null): this {
    this.ensure(16);
    if (v) v.copy(this.buf, this.pos, 0, 16);
    else this.buf.fill(0, this.pos, this.pos + 16);
    this.pos += 16;
    return this;
  }

  /** Raw bytes: copied when small, kept by reference when large. */
  raw(b: Buffer): this {
    if (b.length >= BY_REFERENCE) {
      this.flushScratch();
      this.chunks.push(b);
      this.flushedBytes += b.length;
      return this;
    }
    this.ensure(b.length);
    b.copy(this.buf, this.pos);
    this.pos += b.length;
    return this;
  }

  private rawString(s: string, len: number): void {
    this.ensure(len);
    this.buf.write(s, this.pos, len, 'utf8');
    this.pos += len;
  }

  nullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.int16(-1);
    const len = Buffer.byteLength(s, 'utf8');
    if (len > 0x7fff) throw new RangeError(`string of ${len} bytes exceeds the int16 length limit`);
    this.int16(len);
    this.rawString(s, len);
    return this;
  }

  string(s: string | null | undefined): this {
    return this.nullableString(s ?? '');
  }

  compactNullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.uvarint(0);
    const len = Buffer.byteLength(s, 'utf8');
    this.uvarint(len + 1);
    this.rawString(s, len);
    return this;
  }

  compactString(s: string | null | undefined): this {
    return this.compactNullableString(s ?? '');
  }

  nullableBytes(b: Buffer | null | undefined): this {
    if (b === null || b === undefined) return this.int32(-1);
    this.int32(b.length);
    return this.raw(b);
  }

  bytes(b: Buffer | null | undefined): this {
    return this.nullableBytes(b ?? Buffer.alloc(0));
  }

  compactNullableBytes(b: Buffer | null | undefined): this {
    if (b === null || b === undefined) return this.uvarint(0);
    this.uvarint(b.length + 1);
    return this.raw(b);
  }

  compactBytes(b: Buffer | null | undefined): this {
    return this.compactNullableBytes(b ?? Buffer.alloc(0));
  }

  arrayLength(n: number | null): this {
    return this.int32(n === null ? -1 : n);
  }

  compactArrayLength(n: number | null): this {
    return this.uvarint(n === null ? 0 : n + 1);
  }

  /** An empty tagged-field section (we never send tagged fields). */
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /** Overwrite an int32 at an absolute position inside the first chunk (the frame size prefix). */
  patchInt32(position: number, v: number): void {
    const first = this.chunks.length > 0 ? this.chunks[0] : this.buf;
    first.writeInt32BE(v, position);
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.flushedBytes += this.pos;
    this.buf = Buffer.allocUnsafe(256);
    this.pos = 0;
  }

  /** The encoded bytes as a list of chunks (large blobs by reference). The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The encoded bytes in one Buffer (tests, small messages). */
  toBuffer(): Buffer {
    return Buffer.concat(this.finish());
  }
}
