/**
 * Turns the raw record batches of a Fetch answer (the embedded broker's or a remote cluster's) into the records a
 * person sees, the way a read_committed consumer does: control batches are skipped, and the batches of a
 * transaction the answer lists as aborted are dropped (from its first offset until that producer's abort marker).
 * Keys, values, headers (in order, duplicates kept) and timestamps are exactly those stored. vscode-free.
 */
import { decodeRecordBatches } from '../../broker/storage/record-batch';
import type { ClusterRecord } from './cluster';

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
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
      out.push({
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key ? Buffer.from(r.key) : null,
        value: r.value ? Buffer.from(r.value) : null,
        headers: r.headers.map((h) => ({ key: h.key, value: h.value ? Buffer.from(h.value) : null })),
      });
    }
    next = Math.max(next, batch.lastOffset + 1);
  }
  return { records: out, nextOffset: next };
}
