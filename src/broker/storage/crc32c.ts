/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum Kafka's record batch v2 carries over
 * attributes..end of batch. Not zlib's CRC-32.
 *
 * Two implementations of the same slicing-by-16 algorithm (16 x 256-entry tables; per 16-byte step the running
 * CRC is xored into the first word and sixteen independent table lookups give the next CRC):
 * - a tiny WebAssembly module assembled below from its opcodes (no toolchain, no binary blob). Inputs are
 *   copied in chunks into its 128 KiB memory (tables at 0, the chunk after them) and folded there; wasm's
 *   unchecked 32-bit and byte loads make it ~1.5x faster than the JS loop on this machine, copy included;
 * - the pure JS loop over aligned Int32Array words, used for short inputs (call overhead) and when
 *   WebAssembly is unavailable.
 * It sits on the produce hot path (every batch is verified before it is appended) and on recovery;
 * bench/storage.ts measures it in context; test/unit/storage/codec.test.ts checks both paths against a
 * bit-by-bit reference.
 *
 * Callers: record-batch.ts (encode, validate), segment.ts (recovery scan, via checkBatch).
 */
import * as os from 'os';

const POLY = 0x82f63b78;
const LITTLE_ENDIAN = os.endianness() === 'LE';

/** T[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const T = new Int32Array(16 * 256);
for (let b = 0; b < 256; b++) {
  let c = b;
  for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[b] = c;
}
for (let b = 0; b < 256; b++) {
  let c = T[b];
  for (let k = 1; k < 16; k++) {
    c = T[c & 0xff] ^ (c >>> 8);
    T[k * 256 + b] = c;
  }
}

// ------------------------------------------------------------------ WebAssembly kernel

/** Inputs shorter than this go through JS (a wasm call plus a copy costs more than it saves). */
const WASM_MIN_BYTES = 256;
const TABLE_BYTES = 16 * 1024;
const WASM_PAGES = 2;
const CHUNK_BYTES = WASM_PAGES * 65536 - TABLE_BYTES;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/**
 * The module: memory "mem" (2 pages, the tables at 0) and func "crc"(c, p, n) -> c, where c is the running
 * CRC in its inverted form (~crc) and [p, p + n) the bytes in memory.
 */
function assembleModule(): Uint8Array<ArrayBuffer> {
  const LOCAL_GET = 0x20, LOCAL_SET = 0x21, I32_CONST = 0x41, I32_LOAD = 0x28, I32_LOAD8_U = 0x2d;
  const I32_AND = 0x71, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_U = 0x76, I32_ADD = 0x6a, I32_GE_U = 0x4f;
  const BLOCK = 0x02, LOOP = 0x03, VOID = 0x40, BR = 0x0c, BR_IF = 0x0d, END = 0x0b;
  const C = 0, P = 1, N = 2, STOP = 3; // params c, p, n; local stop
  const get = (i: number) => [LOCAL_GET, i];
  const set = (i: number) => [LOCAL_SET, i];
  const k32 = (v: number) => [I32_CONST, ...sleb(v)];
  const load = (offset: number) => [I32_LOAD, 2, ...uleb(offset)];
  /** pushes T[table * 256 + index] where index (0..255) is on the stack */
  const lookup = (table: number) => [...k32(2), I32_SHL, ...load(table * 1024)];
  const b: number[] = [];
  // 16-byte steps: stop = p + (n & ~15)
  b.push(...get(P), ...get(N), ...k32(-16), I32_AND, I32_ADD, ...set(STOP));
  b.push(BLOCK, VOID, LOOP, VOID);
  b.push(...get(P), ...get(STOP), I32_GE_U, BR_IF, 1);
  b.push(...get(C), ...get(P), ...load(0), I32_XOR, ...set(C));
  b.push(...get(C), ...k32(0xff), I32_AND, ...lookup(15));
  b.push(...get(C), ...k32(8), I32_SHR_U, ...k32(0xff), I32_AND, ...lookup(14), I32_XOR);
  b.push(...get(C), ...k32(16), I32_SHR_U, ...k32(0xff), I32_AND, ...lookup(13), I32_XOR);
  b.push(...get(C), ...k32(24), I32_SHR_U, ...lookup(12), I32_XOR);
  for (let j = 4; j < 16; j++) b.push(...get(P), I32_LOAD8_U, 0, ...uleb(j), ...lookup(15 - j), I32_XOR);
  b.push(...set(C));
  b.push(...get(P), ...k32(16), I32_ADD, ...set(P));
  b.push(BR, 0, END, END);
  // the remaining 0..15 bytes one at a time: stop += n & 15
  b.push(...get(STOP), ...get(N), ...k32(15), I32_AND, I32_ADD, ...set(STOP));
  b.push(BLOCK, VOID, LOOP, VOID);
  b.push(...get(P), ...get(STOP), I32_GE_U, BR_IF, 1);
  b.push(...get(C), ...get(P), I32_LOAD8_U, 0, 0, I32_XOR, ...k32(0xff), I32_AND, ...lookup(0));
  b.push(...get(C), ...k32(8), I32_SHR_U, I32_XOR, ...set(C));
  b.push(...get(P), ...k32(1), I32_ADD, ...set(P));
  b.push(BR, 0, END, END);
  b.push(...get(C), END);
  const I32 = 0x7f;
  const body = [1, 1, I32, ...b]; // one local declaration: 1 x i32
  const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
  const name = (s: string) => [s.length, ...Array.from(s, (ch) => ch.charCodeAt(0))];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 3, I32, I32, I32, 1, I32]), // type: (i32, i32, i32) -> i32
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0, WASM_PAGES]), // memory: min pages, no max
    ...section(7, [2, ...name('crc'), 0, 0, ...name('mem'), 2, 0]), // exports
    ...section(10, [1, ...uleb(body.length), ...body]),
  ]);
}

interface WasmCrc {
  crc(c: number, p: number, n: number): number;
  mem: Uint8Array;
}

function instantiate(): WasmCrc | null {
  if (!LITTLE_ENDIAN || typeof WebAssembly !== 'object') return null;
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(assembleModule()), {});
    const exports = instance.exports as { crc: (c: number, p: number, n: number) => number; mem: WebAssembly.Memory };
    new Int32Array(exports.mem.buffer, 0, T.length).set(T);
    const w: WasmCrc = { crc: exports.crc, mem: new Uint8Array(exports.mem.buffer) };
    // self-check against the JS path before trusting it
    const probe = new Uint8Array(1000);
    for (let i = 0; i < probe.length; i++) probe[i] = (i * 131 + 7) & 0xff;
    if (updateWasm(w, 0, probe, 3, 997) !== updateJs(0, probe, 3, 997)) return null;
    return w;
  } catch {
    return null;
  }
}

function updateWasm(w: WasmCrc, crc: number, buf: Uint8Array, start: number, end: number): number {
  let c = ~crc;
  const mem = w.mem;
  for (let i = start; i < end; i += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, end - i);
    mem.set(buf.subarray(i, i + n), TABLE_BYTES);
    c = w.crc(c, TABLE_BYTES, n);
  }
  return ~c >>> 0;
}

// ------------------------------------------------------------------ JS kernel

function updateJs(crc: number, buf: Uint8Array, start: number, end: number): number {
  const t = T;
  let c = ~crc;
  let i = start;
  if (LITTLE_ENDIAN) {
    while (i < end && ((buf.byteOffset + i) & 3) !== 0) {
      c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
      i++;
    }
    const steps = (end - i) >>> 4;
    if (steps > 0) {
      const w = new Int32Array(buf.buffer, buf.byteOffset + i, steps * 4);
      for (let k = 0; k < w.length; k += 4) {
        c ^= w[k];
        const d = w[k + 1];
        const e = w[k + 2];
        const f = w[k + 3];
        c =
          t[3840 + (c & 0xff)] ^
          t[3584 + ((c >>> 8) & 0xff)] ^
          t[3328 + ((c >>> 16) & 0xff)] ^
          t[3072 + (c >>> 24)] ^
          t[2816 + (d & 0xff)] ^
          t[2560 + ((d >>> 8) & 0xff)] ^
          t[2304 + ((d >>> 16) & 0xff)] ^
          t[2048 + (d >>> 24)] ^
          t[1792 + (e & 0xff)] ^
          t[1536 + ((e >>> 8) & 0xff)] ^
          t[1280 + ((e >>> 16) & 0xff)] ^
          t[1024 + (e >>> 24)] ^
          t[768 + (f & 0xff)] ^
          t[512 + ((f >>> 8) & 0xff)] ^
          t[256 + ((f >>> 16) & 0xff)] ^
          t[f >>> 24];
      }
      i += steps * 16;
    }
  }
  while (i < end) {
    c = t[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}

const wasm = instantiate();

/** Which kernel long inputs use ('wasm' unless WebAssembly is unavailable); for tests and benchmarks. */
export const crc32cKernel: 'wasm' | 'js' = wasm ? 'wasm' : 'js';

/** Continue a CRC-32C over buf[start, end) with the pure JS kernel only (tests compare the two kernels). */
export function crc32cUpdateJs(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  return updateJs(crc, buf, start, end);
}

/** Continue a CRC-32C over buf[start, end). Start with crc = 0 for a fresh checksum. Returns an unsigned 32-bit value. */
export function crc32cUpdate(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  if (wasm !== null && end - start >= WASM_MIN_BYTES) return updateWasm(wasm, crc, buf, start, end);
  return updateJs(crc, buf, start, end);
}

/** CRC-32C of buf[start, end). */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length): number {
  return crc32cUpdate(0, buf, start, end);
}
