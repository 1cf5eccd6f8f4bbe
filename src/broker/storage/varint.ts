/**
 * Variable-length integers as Kafka's record v2 format uses them: unsigned LEB128 varints and zig-zag signed
 * varints/varlongs (record length, timestamp delta, offset delta, key/value/header lengths).
 *
 * Values are JS numbers; varlongs are exact up to 2^53 (timestamps and deltas stay far below that). Decoders
 * return the value and the position after it; they throw RangeError on a varint running past the buffer or
 * longer than 10 bytes, which record-batch.ts turns into CORRUPT_MESSAGE.
 *
 * Callers: record-batch.ts (and the protocol layer for compact/flexible types, if it wants them).
 */

/** Bytes needed for an unsigned varint. */
export function sizeOfUnsignedVarint(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    n++;
  }
  return n;
}

export function zigzagEncode(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}

export function zigzagDecode(value: number): number {
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

/** Bytes needed for a zig-zag signed varint/varlong. */
export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(zigzagEncode(value));
}

/** Write an unsigned varint at pos; returns the position after it. */
export function writeUnsignedVarint(buf: Uint8Array, pos: number, value: number): number {
  if (value < 0 || !Number.isInteger(value)) throw new RangeError(`unsigned varint out of range: ${value}`);
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
  return pos;
}

/** Write a zig-zag signed varint (or varlong; the encoding is the same) at pos; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  return writeUnsignedVarint(buf, pos, zigzagEncode(value));
}

export interface VarintRead {
  value: number;
  pos: number;
}

/** Read an unsigned varint at pos. */
export function readUnsignedVarint(buf: Uint8Array, pos: number, end = buf.length): VarintRead {
  let value = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new RangeError('varint runs past the end of the buffer');
    const b = buf[pos++];
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return { value, pos };
    mul *= 128;
  }
  throw new RangeError('varint longer than 10 bytes');
}

/** Read a zig-zag signed varint/varlong at pos. */
export function readVarint(buf: Uint8Array, pos: number, end = buf.length): VarintRead {
  const r = readUnsignedVarint(buf, pos, end);
  r.value = zigzagDecode(r.value);
  return r;
}
