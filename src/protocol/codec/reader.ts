/**
 * Reader: decodes Kafka's primitive types from one request frame. Every read is bounds-checked; running past
 * the end throws a ProtocolError naming what was being read and where, so a truncated or garbled request is
 * reported in one clear line and never reads another request's bytes. Buffers returned by bytes()/records are
 * views into the frame (no copy): the produce path hands them to the engine as they are.
 *
 * Classic (non-flexible) encodings use fixed-width lengths; "compact" ones (flexible versions) carry length+1
 * as an unsigned varint, 0 meaning null. Zig-zag varints (record fields) are a separate family: keep them apart.
 * Called by src/protocol/codec/schema.ts and the server's header parser.
 */

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

const TWO_32 = 4294967296;

export class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    this.pos = offset;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.end) {
      throw new ProtocolError(
        `truncated request: needed ${n} byte(s) for ${what} at byte ${this.pos}, only ${this.end - this.pos} left`,
      );
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buf.readInt8(this.pos++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a JS number (exact within +-2^53, which covers every offset and timestamp a local broker sees). */
  int64(): number {
    this.need(8, 'int64');
    const hi = this.buf.readInt32BE(this.pos);
    const lo = this.buf.readUInt32BE(this.pos + 4);
    this.pos += 8;
    return hi * TWO_32 + lo;
  }

  /** Unsigned varint (protobuf style), up to 35 bits. */
  uvarint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 5; i++) {
      this.need(1, 'varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new ProtocolError(`malformed varint at byte ${this.pos}: more than 5 bytes`);
  }

  /** Zig-zag signed varint (32-bit range), as record fields use. */
  varint(): number {
    const u = this.uvarint();
    if (u > 0xffffffff) throw new ProtocolError(`varint out of 32-bit range at byte ${this.pos}`);
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zig-zag signed varlong, exact within +-2^53. */
  varlong(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1, 'varlong');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      mul *= 128;
    }
    throw new ProtocolError(`malformed varlong at byte ${this.pos}: more than 10 bytes`);
  }

  uuid(): Buffer {
    this.need(16, 'uuid');
    const v = this.buf.subarray(this.pos, this.pos + 16);
    this.pos += 16;
    return v;
  }

  private utf8(len: number, what: string): string {
    this.need(len, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  /** Classic string: int16 length, -1 = null. */
  nullableString(): string | null {
    const len = this.int16();
    if (len === -1) return null;
    if (len < -1) throw new ProtocolError(`invalid string length ${len} at byte ${this.pos - 2}`);
    return this.utf8(len, 'string');
  }

  string(): string {
    return this.nullableString() ?? '';
  }

  /** Compact string: uvarint length+1, 0 = null. */
  compactNullableString(): string | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.utf8(n - 1, 'compact string');
  }

  compactString(): string {
    return this.compactNullableString() ?? '';
  }

  /** Skip `len` bytes (an unknown tagged field). */
  skip(len: number, what: string): void {
    this.need(len, what);
    this.pos += len;
  }

  private slice(len: number, what: string): Buffer {
    this.need(len, what);
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** Classic bytes: int32 length, -1 = null. A view into the frame. */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len === -1) return null;
    if (len < -1) throw new ProtocolError(`invalid bytes length ${len} at byte ${this.pos - 4}`);
    return this.slice(len, 'bytes');
  }

  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }

  compactNullableBytes(): Buffer | null {
    const n = this.uvarint();
    if (n === 0) return null;
    return this.slice(n - 1, 'compact bytes');
  }

  compactBytes(): Buffer {
    return this.compactNullableBytes() ?? Buffer.alloc(0);
  }

  /** Classic array length: int32, -1 = null. Checked against the bytes left so garbage can't make us allocate. */
  arrayLength(): number {
    const n = this.int32();
    if (n < -1) throw new ProtocolError(`invalid array length ${n} at byte ${this.pos - 4}`);
    if (n > this.remaining)
      throw new ProtocolError(`array length ${n} at byte ${this.pos - 4} exceeds the ${this.remaining} byte(s) left`);
    return n;
  }

  /** Compact array length (uvarint N+1, 0 = null), returned as N (-1 = null). */
  compactArrayLength(): number {
    const n = this.uvarint() - 1;
    if (n > this.remaining)
      throw new ProtocolError(`array length ${n} at byte ${this.pos} exceeds the ${this.remaining} byte(s) left`);
    return n;
  }

  /** Skip a tagged-field section (flexible versions); none of the tags we accept change behaviour. */
  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint(); // tag
      const size = this.uvarint();
      this.slice(size, 'tagged field');
    }
  }
}
