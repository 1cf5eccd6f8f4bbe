/**
 * What the log cleaner must know about transactions before it compacts a partition, from one pass over its batch
 * headers (transactional data opens a producer's transaction, a control batch closes it):
 * - which data batches belong to an aborted transaction (their records are removed, and never count as a key's
 *   latest value);
 * - the first unstable offset (the first batch of the earliest transaction still open): nothing from there on
 *   counts yet, and cleaning stops before it, as in Kafka;
 * and, while a pass rewrites segments in order, whether a transaction still has data, so that a marker older than
 * delete.retention.ms whose transaction has no batch left can go.
 *
 * Callers: cleaner.ts only.
 */
import { CONTROL_TYPE_ABORT, readControlRecord } from './control-batch';
import { isControlBatch, isTransactionalBatch } from './record-batch';
import type { LogSegment } from './segment';

export class CleanerTxnView {
  /** producerId -> its aborted transactions: [first offset, marker offset), in order. */
  private readonly aborted = new Map<number, [number, number][]>();
  /** producerId -> first offset of its transaction still open at the end of the log. */
  private readonly open = new Map<number, number>();
  /** producerId -> a batch of its current transaction is kept by this pass (so far, in log order). */
  private readonly dataKept = new Map<number, boolean>();

  /** The first offset of the earliest open transaction (Infinity when none is open). */
  get firstUnstableOffset(): number {
    let first = Infinity;
    for (const f of this.open.values()) if (f < first) first = f;
    return first;
  }

  /** Learn the transactions of the segments (all of the partition, in order); `tick` paces the pass. */
  static async scan(
    segments: readonly LogSegment[],
    tick: (seg: LogSegment) => Promise<void>,
  ): Promise<CleanerTxnView> {
    const view = new CleanerTxnView();
    for (const seg of segments) {
      for (const h of seg.scanHeaders(0)) {
        await tick(seg);
        if (h.producerId < 0) continue;
        if (isControlBatch(h.attributes)) {
          const first = view.open.get(h.producerId);
          view.open.delete(h.producerId);
          if (first !== undefined && readControlRecord(seg.readAt(h.position, h.size))?.type === CONTROL_TYPE_ABORT) {
            let list = view.aborted.get(h.producerId);
            if (!list) view.aborted.set(h.producerId, (list = []));
            list.push([first, h.baseOffset]);
          }
        } else if (isTransactionalBatch(h.attributes) && !view.open.has(h.producerId)) {
          view.open.set(h.producerId, h.baseOffset);
        }
      }
    }
    return view;
  }

  /** The data batch at baseOffset from producerId belongs to an aborted transaction. */
  isAborted(producerId: number, baseOffset: number): boolean {
    for (const [first, marker] of this.aborted.get(producerId) ?? [])
      if (baseOffset >= first && baseOffset < marker) return true;
    return false;
  }

  /** The pass keeps (a header of) a transactional data batch of producerId. */
  keptData(producerId: number): void {
    this.dataKept.set(producerId, true);
  }

  /**
   * The pass reached producerId's marker: true when its transaction has no batch left (the marker may go once
   * older than delete.retention.ms). The next transaction of the producer starts with nothing kept.
   */
  markerEndsEmptyTxn(producerId: number): boolean {
    const kept = this.dataKept.get(producerId) === true;
    this.dataKept.delete(producerId);
    return !kept;
  }
}
