/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum Kafka's record batch v2 carries over
 * attributes..end of batch. Not zlib's CRC-32.
 *
 * Pure JS, slicing-by-8 over one Int32Array of 8 x 256 tables: eight bytes per step, one table lookup per byte
 * but no loop-carried byte-by-byte dependency. It sits on the produce hot path (every batch is verified before
 * it is appended) and on recovery, so it is measured in bench/storage.ts.
 *
 * Callers: record-batch.ts (encode, validate), partition-log.ts (recovery scan).
 */

const POLY = 0x82f63b78;

/** T[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const T = new Int32Array(8 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[b] = c;
}
for (let b = 0; b < 256; b++) {
  let c = T[b];
  for (let k = 1; k < 8; k++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[k * 256 + b] = c;
  }
}

/** Continue a CRC-32C over buf[start, end). Start with crc = 0 for a fresh checksum. Returns an unsigned 32-bit value. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    c ^= buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
    c =
      T[1792 + (c & 0xff)] ^
      T[1536 + ((c >>> 8) & 0xff)] ^
      T[1280 + ((c >>> 16) & 0xff)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + buf[i + 4]] ^
      T[512 + buf[i + 5]] ^
      T[256 + buf[i + 6]] ^
      T[buf[i + 7]];
    i += 8;
  }
  while (i < end) {
    c = T[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

/** CRC-32C of buf[start, end). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}
