/**
 * Kafka's record batch v2 (magic 2): the on-disk and on-the-wire unit, and this module is its one home. It alone
 * knows the byte layout (see docs/LOG_FORMAT.md): the header field offsets, the magic byte, the attribute bits
 * (compression codec, timestamp type, isTransactional, isControl) and the one header type (BatchHeader) every
 * other module reads batches through. It owns the header parser the log uses to validate and index batches without
 * decoding records, the encoder the engine uses for its own produce path, and the decoder that turns stored bytes
 * into records for people (panels, tree counts, the in-process consumer). The codecs (gzip, snappy, lz4, zstd)
 * are beside it in compression.ts.
 *
 *   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
 *   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 | producerId int64 |
 *   producerEpoch int16 | baseSequence int32 | recordCount int32 | records...
 *
 * The CRC-32C covers attributes..end of the batch, so baseOffset, batchLength and partitionLeaderEpoch can be
 * stamped without touching it. Guarantees: encode(x) decodes back to x; validateRecordSet accepts exactly the
 * record sets the log may store and throws a KafkaError naming the problem otherwise; a partial trailing batch
 * in a buffer given to decodeRecordBatches is ignored.
 *
 * Imports nothing of the engine but errors, types, crc32c, varint and compression (so api.ts can name its types
 * without an import cycle). Callers: log-manager.ts / partition-log.ts / segment.ts (validate, index, recover),
 * cleaner.ts, verify.ts, broker.ts (encode, decode), the Produce API (the magic check).
 */
import { ErrorCode, KafkaError } from '../errors';
import type { RecordHeader } from '../types';
import { COMPRESSION_NAMES, compressRecords, decompressRecords } from './compression';
import { crc32c } from './crc32c';
import { readVarint, sizeOfVarint, writeVarint } from './varint';

/** Size of the fixed batch header (baseOffset .. recordCount). The smallest possible batch. */
export const BATCH_HEADER_SIZE = 61;
/** Bytes before batchLength's count starts: baseOffset (8) + batchLength (4). */
export const LOG_OVERHEAD = 12;

export const OFFSET_BASE_OFFSET = 0;
export const OFFSET_BATCH_LENGTH = 8;
export const OFFSET_PARTITION_LEADER_EPOCH = 12;
export const OFFSET_MAGIC = 16;
export const OFFSET_CRC = 17;
export const OFFSET_ATTRIBUTES = 21;
export const OFFSET_LAST_OFFSET_DELTA = 23;
export const OFFSET_BASE_TIMESTAMP = 27;
export const OFFSET_MAX_TIMESTAMP = 35;
export const OFFSET_PRODUCER_ID = 43;
export const OFFSET_PRODUCER_EPOCH = 51;
export const OFFSET_BASE_SEQUENCE = 53;
export const OFFSET_RECORD_COUNT = 57;

/** The magic byte of record batch v2, the only batch format stored. */
export const MAGIC_V2 = 2;

/** Attribute bits 0-2: the compression codec (ids in compression.ts). */
export const COMPRESSION_MASK = 0x07;
/** Attribute bit 3: 0 CreateTime, 1 LogAppendTime (the batch's maxTimestamp is then every record's timestamp). */
export const TIMESTAMP_TYPE_BIT = 0x08;
/** Attribute bit 4: the batch belongs to a transaction. */
export const TRANSACTIONAL_BIT = 0x10;
/** Attribute bit 5: the batch holds one control record (a transaction marker), not data. */
export const CONTROL_BIT = 0x20;

export function compressionOf(attributes: number): number {
  return attributes & COMPRESSION_MASK;
}

export function timestampTypeOf(attributes: number): 0 | 1 {
  return (attributes & TIMESTAMP_TYPE_BIT) !== 0 ? 1 : 0;
}

export function isTransactionalBatch(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_BIT) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_BIT) !== 0;
}

/** The attributes field of a batch with this codec, timestamp type and flags. */
export function batchAttributes(codec: number, timestampType: 0 | 1, transactional = false, control = false): number {
  return (
    (codec & COMPRESSION_MASK) |
    (timestampType === 1 ? TIMESTAMP_TYPE_BIT : 0) |
    (transactional ? TRANSACTIONAL_BIT : 0) |
    (control ? CONTROL_BIT : 0)
  );
}

export interface EncodableRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  timestamp: number;
}

export interface EncodeOptions {
  baseOffset?: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  compression: 0 | 1;
  timestampType?: 0 | 1;
  partitionLeaderEpoch?: number;
}

export interface DecodedRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

export interface DecodedBatch {
  baseOffset: number;
  lastOffset: number;
  partitionLeaderEpoch: number;
  timestampType: 0 | 1;
  compression: number;
  isTransactional: boolean;
  isControl: boolean;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  records: DecodedRecord[];
}

/**
 * The fixed header of one stored or produced batch, as parseBatchHeader reads it (plus where the batch is): the
 * one header type of the engine. The log validates, indexes and recovers with it; the producer state checks
 * sequences with it; api.ts hands it across the LogManager and ProducerStateManager contracts.
 */
export interface BatchHeader {
  /** Byte position of the batch inside the record set it was parsed from. */
  position: number;
  /** Total size of the batch in bytes (12 + batchLength). */
  size: number;
  baseOffset: number;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

// ------------------------------------------------------------------ int64 helpers (numbers, exact to 2^53)

export function readInt64(buf: Buffer, pos: number): number {
  return buf.readInt32BE(pos) * 4294967296 + buf.readUInt32BE(pos + 4);
}

export function writeInt64(buf: Buffer, pos: number, value: number): void {
  const hi = Math.floor(value / 4294967296);
  buf.writeInt32BE(hi, pos);
  buf.writeUInt32BE(value - hi * 4294967296, pos + 4);
}

// ------------------------------------------------------------------ header

/** Parse the fixed header of the batch at pos; null when fewer than 61 bytes remain. Does not check the CRC. */
export function parseBatchHeader(buf: Buffer, pos: number): BatchHeader | null {
  if (buf.length - pos < BATCH_HEADER_SIZE) return null;
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
  return {
    position: pos,
    size: LOG_OVERHEAD + batchLength,
    batchLength,
    baseOffset: readInt64(buf, pos),
    partitionLeaderEpoch: buf.readInt32BE(pos + OFFSET_PARTITION_LEADER_EPOCH),
    magic: buf.readInt8(pos + OFFSET_MAGIC),
    crc: buf.readUInt32BE(pos + OFFSET_CRC),
    attributes: buf.readInt16BE(pos + OFFSET_ATTRIBUTES),
    lastOffsetDelta,
    firstTimestamp: readInt64(buf, pos + OFFSET_BASE_TIMESTAMP),
    maxTimestamp: readInt64(buf, pos + OFFSET_MAX_TIMESTAMP),
    producerId: readInt64(buf, pos + OFFSET_PRODUCER_ID),
    producerEpoch: buf.readInt16BE(pos + OFFSET_PRODUCER_EPOCH),
    baseSequence: buf.readInt32BE(pos + OFFSET_BASE_SEQUENCE),
    recordCount: buf.readInt32BE(pos + OFFSET_RECORD_COUNT),
  };
}

/** The size the batch at pos says it has (12 + batchLength); the caller checks it against the bytes there. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  return LOG_OVERHEAD + buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
}

/** The base offset of the batch at pos. */
export function baseOffsetAt(buf: Buffer, pos: number): number {
  return readInt64(buf, pos + OFFSET_BASE_OFFSET);
}

/** Give the batch at pos its base offset in the log (outside the CRC: nothing else changes). */
export function stampBaseOffset(buf: Buffer, pos: number, baseOffset: number): void {
  writeInt64(buf, pos + OFFSET_BASE_OFFSET, baseOffset);
}

/** Make the batch at pos (of `size` bytes) LogAppendTime with `now` as its maxTimestamp; its CRC is recomputed. */
export function stampLogAppendTime(buf: Buffer, pos: number, size: number, now: number): void {
  buf.writeInt16BE(buf.readInt16BE(pos + OFFSET_ATTRIBUTES) | TIMESTAMP_TYPE_BIT, pos + OFFSET_ATTRIBUTES);
  writeInt64(buf, pos + OFFSET_MAX_TIMESTAMP, now);
  buf.writeUInt32BE(computeBatchCrc(buf, pos, size), pos + OFFSET_CRC);
}

/** The CRC-32C a batch should carry: over attributes..end. */
export function computeBatchCrc(buf: Buffer, pos: number, size: number): number {
  return crc32c(buf, pos + OFFSET_ATTRIBUTES, pos + size);
}

/**
 * Why the batch at pos cannot be stored, or null when it is sound: framing (size, batchLength), magic, CRC,
 * record count vs lastOffsetDelta. `limit` is the end of the bytes that belong to the record set. `cleaned`: the
 * batch is stored in a segment the log cleaner rewrote, where a batch may hold fewer records than its offset span
 * (none at all when only its header is kept; see cleaner.ts).
 */
export function checkBatch(
  buf: Buffer,
  pos: number,
  limit: number,
  cleaned = false,
): { code: ErrorCode; reason: string } | null {
  const remaining = limit - pos;
  // A batch cut short (fewer bytes than its header or its batchLength) and one whose lastOffsetDelta disagrees
  // with its record count are INVALID_RECORD, as in Kafka (which then reports the partition's log start offset);
  // a batch whose bytes are unreadable (length below a header, magic, CRC) is CORRUPT_MESSAGE.
  if (remaining < BATCH_HEADER_SIZE) {
    return {
      code: ErrorCode.INVALID_RECORD,
      reason: `truncated batch: ${remaining} bytes left, a batch header needs ${BATCH_HEADER_SIZE}`,
    };
  }
  const batchLength = buf.readInt32BE(pos + OFFSET_BATCH_LENGTH);
  const size = LOG_OVERHEAD + batchLength;
  if (size < BATCH_HEADER_SIZE) {
    return {
      code: ErrorCode.CORRUPT_MESSAGE,
      reason: `batchLength ${batchLength} is smaller than a batch header (${BATCH_HEADER_SIZE - LOG_OVERHEAD})`,
    };
  }
  if (size > remaining) {
    return {
      code: ErrorCode.INVALID_RECORD,
      reason: `truncated batch: batchLength ${batchLength} says ${size} bytes but only ${remaining} remain`,
    };
  }
  const magic = buf.readInt8(pos + OFFSET_MAGIC);
  if (magic !== MAGIC_V2) {
    return {
      code: ErrorCode.CORRUPT_MESSAGE,
      reason: `unsupported record batch magic ${magic} (only magic 2, record batch v2, is accepted)`,
    };
  }
  const expected = buf.readUInt32BE(pos + OFFSET_CRC);
  const actual = computeBatchCrc(buf, pos, size);
  if (expected !== actual) {
    return {
      code: ErrorCode.CORRUPT_MESSAGE,
      reason: `CRC-32C mismatch: the batch says 0x${hex32(expected)} but its bytes give 0x${hex32(actual)}`,
    };
  }
  const count = buf.readInt32BE(pos + OFFSET_RECORD_COUNT);
  const lastOffsetDelta = buf.readInt32BE(pos + OFFSET_LAST_OFFSET_DELTA);
  if (cleaned) {
    if (count < 0 || lastOffsetDelta < 0 || count > lastOffsetDelta + 1) {
      return {
        code: ErrorCode.CORRUPT_MESSAGE,
        reason: `record count ${count} does not fit the offset span of lastOffsetDelta ${lastOffsetDelta}`,
      };
    }
    return null;
  }
  if (count < 1)
    return { code: ErrorCode.INVALID_RECORD, reason: `a batch must hold at least one record; this one says ${count}` };
  if (lastOffsetDelta !== count - 1) {
    return {
      code: ErrorCode.INVALID_RECORD,
      reason: `lastOffsetDelta ${lastOffsetDelta} does not match the record count ${count} (expected ${count - 1})`,
    };
  }
  return null;
}

/**
 * Validate a produced record set (one or more v2 batches, nothing else): every batch sound and at most
 * maxMessageBytes. Returns the headers; throws KafkaError (CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE).
 */
export function validateRecordSet(buf: Buffer, maxMessageBytes: number): BatchHeader[] {
  if (buf.length === 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'the record set is empty');
  const out: BatchHeader[] = [];
  let pos = 0;
  let i = 0;
  while (pos < buf.length) {
    const problem = checkBatch(buf, pos, buf.length);
    if (problem) throw new KafkaError(problem.code, `batch ${i} at byte ${pos}: ${problem.reason}`);
    const h = parseBatchHeader(buf, pos)!;
    if (h.size > maxMessageBytes) {
      throw new KafkaError(
        ErrorCode.MESSAGE_TOO_LARGE,
        `batch ${i} is ${h.size} bytes, larger than the topic's max.message.bytes (${maxMessageBytes})`,
      );
    }
    out.push(h);
    pos += h.size;
    i++;
  }
  return out;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// ------------------------------------------------------------------ encode

function recordBodySize(r: EncodableRecord, timestampDelta: number, offsetDelta: number): number {
  let n = 1 + sizeOfVarint(timestampDelta) + sizeOfVarint(offsetDelta);
  n += r.key === null ? sizeOfVarint(-1) : sizeOfVarint(r.key.length) + r.key.length;
  n += r.value === null ? sizeOfVarint(-1) : sizeOfVarint(r.value.length) + r.value.length;
  n += sizeOfVarint(r.headers.length);
  for (const h of r.headers) {
    const k = Buffer.byteLength(h.key, 'utf8');
    n += sizeOfVarint(k) + k;
    n += h.value === null ? sizeOfVarint(-1) : sizeOfVarint(h.value.length) + h.value.length;
  }
  return n;
}

function encodeRecords(records: EncodableRecord[], baseTimestamp: number): Buffer {
  const sizes = new Array<number>(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const body = recordBodySize(records[i], records[i].timestamp - baseTimestamp, i);
    sizes[i] = body;
    total += sizeOfVarint(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    p = writeVarint(buf, p, sizes[i]);
    buf[p++] = 0; // record attributes (unused)
    p = writeVarint(buf, p, r.timestamp - baseTimestamp);
    p = writeVarint(buf, p, i);
    if (r.key === null) p = writeVarint(buf, p, -1);
    else {
      p = writeVarint(buf, p, r.key.length);
      p += r.key.copy(buf, p);
    }
    if (r.value === null) p = writeVarint(buf, p, -1);
    else {
      p = writeVarint(buf, p, r.value.length);
      p += r.value.copy(buf, p);
    }
    p = writeVarint(buf, p, r.headers.length);
    for (const h of r.headers) {
      const k = Buffer.from(h.key, 'utf8');
      p = writeVarint(buf, p, k.length);
      p += k.copy(buf, p);
      if (h.value === null) p = writeVarint(buf, p, -1);
      else {
        p = writeVarint(buf, p, h.value.length);
        p += h.value.copy(buf, p);
      }
    }
  }
  if (p !== total) throw new Error(`record encoder size mismatch: wrote ${p}, planned ${total}`);
  return buf;
}

/** Encode one v2 batch (uncompressed or gzip). baseTimestamp is the first record's timestamp. */
export function encodeRecordBatch(records: EncodableRecord[], opts: EncodeOptions): Buffer {
  if (records.length === 0) throw new KafkaError(ErrorCode.INVALID_RECORD, 'a record batch needs at least one record');
  const baseTimestamp = records[0].timestamp;
  let maxTimestamp = baseTimestamp;
  for (const r of records) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  let body = encodeRecords(records, baseTimestamp);
  body = compressRecords(opts.compression, body);
  const size = BATCH_HEADER_SIZE + body.length;
  const buf = Buffer.allocUnsafe(size);
  writeInt64(buf, OFFSET_BASE_OFFSET, opts.baseOffset ?? 0);
  buf.writeInt32BE(size - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  buf.writeInt32BE(opts.partitionLeaderEpoch ?? -1, OFFSET_PARTITION_LEADER_EPOCH);
  buf.writeInt8(MAGIC_V2, OFFSET_MAGIC);
  buf.writeInt16BE(batchAttributes(opts.compression, opts.timestampType ?? 0), OFFSET_ATTRIBUTES);
  buf.writeInt32BE(records.length - 1, OFFSET_LAST_OFFSET_DELTA);
  writeInt64(buf, OFFSET_BASE_TIMESTAMP, baseTimestamp);
  writeInt64(buf, OFFSET_MAX_TIMESTAMP, maxTimestamp);
  writeInt64(buf, OFFSET_PRODUCER_ID, opts.producerId);
  buf.writeInt16BE(opts.producerEpoch, OFFSET_PRODUCER_EPOCH);
  buf.writeInt32BE(opts.baseSequence, OFFSET_BASE_SEQUENCE);
  buf.writeInt32BE(records.length, OFFSET_RECORD_COUNT);
  body.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, size), OFFSET_CRC);
  return buf;
}

// ------------------------------------------------------------------ decode

/** Decode `count` records; `spans`, when given, receives each record's [start, end) byte range in data. */
function decodeRecords(
  data: Buffer,
  count: number,
  baseOffset: number,
  baseTimestamp: number,
  spans?: number[],
): DecodedRecord[] {
  const out: DecodedRecord[] = [];
  let p = 0;
  const end = data.length;
  for (let i = 0; i < count; i++) {
    const len = readVarint(data, p, end);
    spans?.push(p, len.pos + len.value);
    const recEnd = len.pos + len.value;
    if (len.value < 0 || recEnd > end) throw new RangeError(`record ${i} of ${len.value} bytes runs past the end`);
    p = len.pos + 1; // attributes
    const tsDelta = readVarint(data, p, recEnd);
    const offDelta = readVarint(data, tsDelta.pos, recEnd);
    p = offDelta.pos;
    const keyLen = readVarint(data, p, recEnd);
    p = keyLen.pos;
    let key: Buffer | null = null;
    if (keyLen.value >= 0) {
      if (p + keyLen.value > recEnd) throw new RangeError('record key runs past the record');
      key = data.subarray(p, p + keyLen.value);
      p += keyLen.value;
    }
    const valLen = readVarint(data, p, recEnd);
    p = valLen.pos;
    let value: Buffer | null = null;
    if (valLen.value >= 0) {
      if (p + valLen.value > recEnd) throw new RangeError('record value runs past the record');
      value = data.subarray(p, p + valLen.value);
      p += valLen.value;
    }
    const hc = readVarint(data, p, recEnd);
    p = hc.pos;
    const headers: RecordHeader[] = [];
    for (let h = 0; h < hc.value; h++) {
      const kl = readVarint(data, p, recEnd);
      p = kl.pos;
      if (kl.value < 0 || p + kl.value > recEnd) throw new RangeError('header key runs past the record');
      const hk = data.toString('utf8', p, p + kl.value);
      p += kl.value;
      const vl = readVarint(data, p, recEnd);
      p = vl.pos;
      let hv: Buffer | null = null;
      if (vl.value >= 0) {
        if (p + vl.value > recEnd) throw new RangeError('header value runs past the record');
        hv = data.subarray(p, p + vl.value);
        p += vl.value;
      }
      headers.push({ key: hk, value: hv });
    }
    out.push({ offset: baseOffset + offDelta.value, timestamp: baseTimestamp + tsDelta.value, key, value, headers });
    p = recEnd;
  }
  return out;
}

/**
 * Decode every whole batch in buf (a Fetch response's records or a log range). A partial trailing batch is
 * ignored. Throws KafkaError CORRUPT_MESSAGE for a batch that is not v2 or whose records do not parse.
 */
export function decodeRecordBatches(buf: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let pos = 0;
  while (buf.length - pos >= LOG_OVERHEAD) {
    const size = batchSizeAt(buf, pos);
    if (size < BATCH_HEADER_SIZE || pos + size > buf.length) break;
    const h = parseBatchHeader(buf, pos)!;
    if (h.magic !== MAGIC_V2) {
      throw new KafkaError(
        ErrorCode.CORRUPT_MESSAGE,
        `batch at byte ${pos}: magic ${h.magic} is not supported (record batch v2 only)`,
      );
    }
    const codec = compressionOf(h.attributes);
    const isControl = isControlBatch(h.attributes);
    const timestampType = timestampTypeOf(h.attributes);
    let records: DecodedRecord[];
    try {
      const data = decompressRecords(codec, buf.subarray(pos + BATCH_HEADER_SIZE, pos + size));
      records = decodeRecords(data, h.recordCount, h.baseOffset, h.firstTimestamp);
    } catch (e) {
      if (e instanceof KafkaError) throw e;
      throw new KafkaError(
        ErrorCode.CORRUPT_MESSAGE,
        `batch at offset ${h.baseOffset} (${COMPRESSION_NAMES[codec] ?? codec}) does not decode: ${(e as Error).message}`,
      );
    }
    if (timestampType === 1) for (const r of records) r.timestamp = h.maxTimestamp;
    out.push({
      baseOffset: h.baseOffset,
      lastOffset: h.baseOffset + h.lastOffsetDelta,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      timestampType,
      compression: codec,
      isTransactional: isTransactionalBatch(h.attributes),
      isControl,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      records,
    });
    pos += size;
  }
  return out;
}

// ------------------------------------------------------------------ log cleaner support

/** One stored batch taken apart for the log cleaner: its header, records, and each record's bytes in `data`. */
export interface SplitBatch {
  header: BatchHeader;
  records: DecodedRecord[];
  /** The records section, decompressed. */
  data: Buffer;
  /** [start, end) of record i in data at spans[2i], spans[2i + 1]. */
  spans: number[];
}

/** Take apart the single whole batch in buf (as stored: real base offset). Throws KafkaError CORRUPT_MESSAGE. */
export function splitBatch(buf: Buffer): SplitBatch {
  const header = parseBatchHeader(buf, 0);
  if (!header || header.size !== buf.length)
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'splitBatch needs exactly one whole batch');
  const codec = compressionOf(header.attributes);
  const spans: number[] = [];
  try {
    const data = decompressRecords(codec, buf.subarray(BATCH_HEADER_SIZE));
    const records = decodeRecords(data, header.recordCount, header.baseOffset, header.firstTimestamp, spans);
    if (timestampTypeOf(header.attributes) === 1) for (const r of records) r.timestamp = header.maxTimestamp;
    return { header, records, data, spans };
  } catch (e) {
    if (e instanceof KafkaError) throw e;
    throw new KafkaError(
      ErrorCode.CORRUPT_MESSAGE,
      `batch at offset ${header.baseOffset} does not decode: ${(e as Error).message}`,
    );
  }
}

/**
 * The batch with only the records whose indexes are in `keep` (ascending), uncompressed. Everything else of the
 * header stays: base offset, lastOffsetDelta (the batch still spans its original offsets), timestamps, producer
 * id, epoch and base sequence; each kept record keeps its offset and timestamp deltas, so its offset is unchanged.
 */
export function rebuildBatch(split: SplitBatch, original: Buffer, keep: number[]): Buffer {
  let bodySize = 0;
  for (const i of keep) bodySize += split.spans[2 * i + 1] - split.spans[2 * i];
  const size = BATCH_HEADER_SIZE + bodySize;
  const out = Buffer.allocUnsafe(size);
  original.copy(out, 0, 0, BATCH_HEADER_SIZE);
  let p = BATCH_HEADER_SIZE;
  for (const i of keep) p += split.data.copy(out, p, split.spans[2 * i], split.spans[2 * i + 1]);
  out.writeInt32BE(size - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  out.writeInt16BE(original.readInt16BE(OFFSET_ATTRIBUTES) & ~COMPRESSION_MASK, OFFSET_ATTRIBUTES);
  out.writeInt32BE(keep.length, OFFSET_RECORD_COUNT);
  out.writeUInt32BE(computeBatchCrc(out, 0, size), OFFSET_CRC);
  return out;
}

/**
 * Every record without a key in a validated record set (control records aside): its position across the set
 * (batchIndex, the index within its batch for the usual single batch) and where it is ("batch 0, record 3").
 */
export function recordsWithoutKey(recordSet: Buffer): { batchIndex: number; where: string }[] {
  const out: { batchIndex: number; where: string }[] = [];
  const batches = decodeRecordBatches(recordSet);
  let index = 0;
  for (let b = 0; b < batches.length; b++) {
    const records = batches[b].records;
    if (!batches[b].isControl) {
      for (let i = 0; i < records.length; i++) {
        if (records[i].key === null) out.push({ batchIndex: index + i, where: `batch ${b}, record ${i}` });
      }
    }
    index += records.length;
  }
  return out;
}
