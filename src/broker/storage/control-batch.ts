/**
 * Transaction control batches: the COMMIT / ABORT markers that end a producer's transaction on a partition, as
 * Kafka writes them (record batch v2, see docs/LOG_FORMAT.md):
 *
 *   batch   attributes = isTransactional (0x10) | isControl (0x20), uncompressed, CreateTime; producerId and
 *           producerEpoch of the transaction; baseSequence -1; exactly one record
 *   record  key   = version int16 (0) | type int16 (0 ABORT, 1 COMMIT)
 *           value = version int16 (0) | coordinatorEpoch int32
 *
 * Guarantees: encodeControlBatch produces a batch validateRecordSet accepts and readControlRecord reads back;
 * readControlRecord returns null for anything that is not a well-formed control batch (it never throws).
 *
 * Callers: txn-markers.ts (writes markers), txn-index.ts (rebuilds the aborted-transaction index), cleaner.ts,
 * verify.ts, broker.ts (record reads for people).
 */
import type { BatchHeader } from './record-batch';
import {
  BATCH_HEADER_SIZE,
  computeBatchCrc,
  CONTROL_BIT,
  isControlBatch,
  LOG_OVERHEAD,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORD_COUNT,
  parseBatchHeader,
  TRANSACTIONAL_BIT,
  writeInt64,
} from './record-batch';
import { readVarint, sizeOfVarint, writeVarint } from './varint';

export const CONTROL_TYPE_ABORT = 0;
export const CONTROL_TYPE_COMMIT = 1;

export interface ControlMarker {
  producerId: number;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  timestamp: number;
}

/** The attributes bits of a control batch: transactional and control. */
export const CONTROL_BATCH_ATTRIBUTES = TRANSACTIONAL_BIT | CONTROL_BIT;

/** The batch (one whole v2 batch, as encoded for a produce) with the transactional bit set and its CRC updated. */
export function markTransactional(batch: Buffer): Buffer {
  const h = parseBatchHeader(batch, 0)!;
  batch.writeInt16BE(h.attributes | TRANSACTIONAL_BIT, OFFSET_ATTRIBUTES);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, h.size), OFFSET_CRC);
  return batch;
}

/** One control batch (base offset 0, stamped by the log on append) carrying the marker's single control record. */
export function encodeControlBatch(m: ControlMarker): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(m.commit ? CONTROL_TYPE_COMMIT : CONTROL_TYPE_ABORT, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(m.coordinatorEpoch, 2);
  // record: attributes, timestampDelta 0, offsetDelta 0, key, value, no headers
  const body = 1 + 1 + 1 + sizeOfVarint(key.length) + key.length + sizeOfVarint(value.length) + value.length + 1;
  const size = BATCH_HEADER_SIZE + sizeOfVarint(body) + body;
  const buf = Buffer.alloc(size);
  writeInt64(buf, 0, 0);
  buf.writeInt32BE(size - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  buf.writeInt32BE(-1, OFFSET_PARTITION_LEADER_EPOCH);
  buf.writeInt8(2, OFFSET_MAGIC);
  buf.writeInt16BE(CONTROL_BATCH_ATTRIBUTES, OFFSET_ATTRIBUTES);
  buf.writeInt32BE(0, OFFSET_LAST_OFFSET_DELTA);
  writeInt64(buf, OFFSET_BASE_TIMESTAMP, m.timestamp);
  writeInt64(buf, OFFSET_MAX_TIMESTAMP, m.timestamp);
  writeInt64(buf, OFFSET_PRODUCER_ID, m.producerId);
  buf.writeInt16BE(m.producerEpoch, OFFSET_PRODUCER_EPOCH);
  buf.writeInt32BE(-1, OFFSET_BASE_SEQUENCE);
  buf.writeInt32BE(1, OFFSET_RECORD_COUNT);
  let p = writeVarint(buf, BATCH_HEADER_SIZE, body);
  buf[p++] = 0; // record attributes
  p = writeVarint(buf, p, 0); // timestamp delta
  p = writeVarint(buf, p, 0); // offset delta
  p = writeVarint(buf, p, key.length);
  p += key.copy(buf, p);
  p = writeVarint(buf, p, value.length);
  p += value.copy(buf, p);
  p = writeVarint(buf, p, 0); // headers
  if (p !== size) throw new Error(`control batch encoder size mismatch: wrote ${p}, planned ${size}`);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, size), OFFSET_CRC);
  return buf;
}

/** The header of a batch encoded by encodeControlBatch (what LogManager.appendValidated needs). */
export function controlBatchHeader(batch: Buffer): BatchHeader {
  return parseBatchHeader(batch, 0)!;
}

export interface ControlRecord {
  /** 0 ABORT, 1 COMMIT (other values are unknown control types, which Kafka skips). */
  type: number;
  coordinatorEpoch: number;
}

/**
 * The control record of the whole batch at buf[pos..] (as stored: uncompressed, as every control batch is
 * written), or null when the batch is not a control batch or its record does not parse.
 */
export function readControlRecord(buf: Buffer, pos = 0): ControlRecord | null {
  const h = parseBatchHeader(buf, pos);
  if (!h || !isControlBatch(h.attributes) || h.recordCount < 1 || pos + h.size > buf.length) return null;
  if ((h.attributes & 0x07) !== 0) return null;
  try {
    const end = pos + h.size;
    const len = readVarint(buf, pos + BATCH_HEADER_SIZE, end);
    let p = len.pos + 1; // attributes
    p = readVarint(buf, p, end).pos; // timestamp delta
    p = readVarint(buf, p, end).pos; // offset delta
    const keyLen = readVarint(buf, p, end);
    p = keyLen.pos;
    if (keyLen.value < 4 || p + keyLen.value > end) return null;
    const type = buf.readInt16BE(p + 2);
    p += keyLen.value;
    const valLen = readVarint(buf, p, end);
    p = valLen.pos;
    const coordinatorEpoch = valLen.value >= 6 && p + valLen.value <= end ? buf.readInt32BE(p + 2) : -1;
    return { type, coordinatorEpoch };
  } catch {
    return null;
  }
}
