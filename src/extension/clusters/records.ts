/**
 * Turns the raw record batches of a Fetch answer (the embedded broker's or a remote cluster's) into the records a
 * person sees. committedRecords reads the way a read_committed consumer does: control batches are skipped, and the
 * batches of a transaction the answer lists as aborted are dropped (from its first offset until that producer's
 * abort marker). uncommittedRecords reads the way a read_uncommitted consumer does, keeping what a person browsing
 * needs to tell them apart: a transaction marker is a record of its own (`control` COMMIT / ABORT), and a record of a
 * transaction that was aborted says so (`aborted`), known from the producer's next marker in the answer or, when
 * the answer ends before it, from the aborted-transactions list of a read_committed Fetch of the same range.
 * Keys, values, headers (in order, duplicates kept) and timestamps are exactly those stored. vscode-free.
 */
import type { DecodedBatch } from '../../broker/storage/record-batch';
import { decodeRecordBatches } from '../../broker/storage/record-batch';
import { CONTROL_TYPE_ABORT, CONTROL_TYPE_COMMIT } from '../../broker/storage/control-batch';
import type { ClusterRecord } from './cluster';

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
}

function recordsOf(partition: number, batch: DecodedBatch, r: DecodedBatch['records'][number]): ClusterRecord {
  return {
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key ? Buffer.from(r.key) : null,
    value: r.value ? Buffer.from(r.value) : null,
    headers: r.headers.map((h) => ({ key: h.key, value: h.value ? Buffer.from(h.value) : null })),
    timestampType: batch.timestampType,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    isTransactional: batch.isTransactional,
    compression: batch.compression,
  };
}

/** Records at or after `from`, at most `max`, from whole batches `bytes` of one partition. */
export function committedRecords(
  partition: number,
  bytes: Buffer,
  from: number,
  max: number,
  aborted: readonly AbortedTxn[] | null | undefined,
): { records: ClusterRecord[]; nextOffset: number } {
  const pending = [...(aborted ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
  const open = new Set<number>();
  const out: ClusterRecord[] = [];
  let next = from;
  for (const batch of decodeRecordBatches(bytes)) {
    while (pending.length > 0 && pending[0].firstOffset <= batch.lastOffset) open.add(pending.shift()!.producerId);
    if (batch.isControl) {
      open.delete(batch.producerId);
      next = Math.max(next, batch.lastOffset + 1);
      continue;
    }
    const drop = batch.isTransactional && open.has(batch.producerId);
    for (const r of batch.records) {
      if (r.offset < from) continue;
      if (out.length >= max) return { records: out, nextOffset: next };
      next = r.offset + 1;
      if (drop) continue;
      out.push(recordsOf(partition, batch, r));
    }
    next = Math.max(next, batch.lastOffset + 1);
  }
  return { records: out, nextOffset: next };
}

/** The transaction marker type of a control batch (from its control record's key). */
function markerType(batch: DecodedBatch): 'COMMIT' | 'ABORT' | 'UNKNOWN' {
  const key = batch.records[0]?.key;
  const type = key && key.length >= 4 ? key.readInt16BE(2) : -1;
  return type === CONTROL_TYPE_COMMIT ? 'COMMIT' : type === CONTROL_TYPE_ABORT ? 'ABORT' : 'UNKNOWN';
}

/**
 * Every record at or after `from` (at most `max`) of whole batches `bytes`, markers included, each transactional
 * record flagged `aborted` true / false. `aborted` is a read_committed Fetch's list for the same range, or null when
 * not fetched: then `unresolved` says whether a transactional batch below `stableOffset` (the answer's last stable
 * offset) ends without its marker in `bytes` (its outcome needs that list). A batch at or after the last stable
 * offset without a marker in the answer is in an open transaction (`aborted` false, not yet decided).
 */
export function uncommittedRecords(
  partition: number,
  bytes: Buffer,
  from: number,
  max: number,
  aborted: readonly AbortedTxn[] | null,
  stableOffset: number,
): { records: ClusterRecord[]; nextOffset: number; unresolved: boolean } {
  const batches = decodeRecordBatches(bytes);
  // The outcome of each data batch as its producer's next marker in the answer tells it (walking backwards).
  const outcome: ('COMMIT' | 'ABORT' | 'UNKNOWN' | undefined)[] = new Array(batches.length);
  const following = new Map<number, 'COMMIT' | 'ABORT' | 'UNKNOWN'>();
  for (let i = batches.length - 1; i >= 0; i--) {
    const b = batches[i];
    if (b.isControl) following.set(b.producerId, markerType(b));
    else if (b.isTransactional) outcome[i] = following.get(b.producerId);
  }
  // Kafka's way with the list: a producer is aborting from the list's first offset until its next marker.
  const pending = [...(aborted ?? [])].sort((a, b) => a.firstOffset - b.firstOffset);
  const aborting = new Set<number>();
  const out: ClusterRecord[] = [];
  let unresolved = false;
  let next = from;
  for (let i = 0; i < batches.length; i++) {
    const batch = batches[i];
    while (pending.length > 0 && pending[0].firstOffset <= batch.lastOffset) aborting.add(pending.shift()!.producerId);
    let control: ClusterRecord['control'];
    let isAborted: boolean | undefined;
    if (batch.isControl) {
      aborting.delete(batch.producerId);
      control = markerType(batch);
    } else if (batch.isTransactional) {
      const known = outcome[i];
      if (known !== undefined) isAborted = known === 'ABORT';
      else if (batch.baseOffset >= stableOffset) isAborted = false;
      else if (aborted) isAborted = aborting.has(batch.producerId);
      else {
        unresolved = true;
        isAborted = false;
      }
    }
    for (const r of batch.records) {
      if (r.offset < from) continue;
      if (out.length >= max) return { records: out, nextOffset: next, unresolved };
      next = r.offset + 1;
      const rec = recordsOf(partition, batch, r);
      if (control !== undefined) rec.control = control;
      if (isAborted !== undefined) rec.aborted = isAborted;
      out.push(rec);
    }
    next = Math.max(next, batch.lastOffset + 1);
  }
  return { records: out, nextOffset: next, unresolved };
}
