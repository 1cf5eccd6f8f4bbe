/**
 * The aborted-transaction index of a partition: one `<20-digit base offset>.txnindex` file per segment (Kafka's
 * TransactionIndex), listing the transactions whose ABORT marker lies in that segment, in marker order:
 *
 *   entry = version int16 (0) | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64
 *           (34 bytes, big-endian)
 *
 * firstOffset is the transaction's first batch on the partition (the marker's own offset when none is known),
 * lastOffset the ABORT marker's offset, lastStableOffset the partition's last stable offset once the transaction
 * ended (the first offset of the earliest other open transaction, else lastOffset + 1). A read_committed Fetch
 * returns the entries overlapping its range (collect), and may stop at the first entry whose lastStableOffset
 * reaches the end of the range: every aborted transaction that starts before it has ended by then.
 *
 * The index is derived data. Entries are appended (and fsynced) when an ABORT marker is written; on open every
 * segment's file is checked against the log: it must exist, hold whole version-0 entries in order inside the
 * segment, and its last entry must point at an ABORT control batch of that producer; after an unclean shutdown the
 * segments from the recovery point on are checked entry by entry against the ABORT markers they hold. Any doubt
 * and every segment's index is rebuilt from a scan of the partition's batch headers (transactional data opens a
 * producer's transaction, a control batch closes it), written to `<file>.tmp` and renamed over the file.
 *
 * Callers: partition-log.ts (open, roll, delete, read), txn-markers.ts (append), cleaner.ts (rebuild after a
 * cleaning), verify.ts (parseTxnIndex).
 */
import * as fs from 'fs';
import * as path from 'path';
import { CONTROL_TYPE_ABORT, readControlRecord } from './control-batch';
import { replaceFileDurably } from './checkpoints';
import { openBriefly } from './file-cache';
import {
  BATCH_HEADER_SIZE,
  isControlBatch,
  isTransactionalBatch,
  LOG_OVERHEAD,
  OFFSET_BATCH_LENGTH,
  OFFSET_PRODUCER_ID,
  readInt64,
  writeInt64,
} from './record-batch';
import type { LogSegment } from './segment';

export const TXN_INDEX_SUFFIX = '.txnindex';
export const TXN_ENTRY_SIZE = 34;

export interface AbortedTxn {
  producerId: number;
  firstOffset: number;
  lastOffset: number;
  lastStableOffset: number;
}

export function txnIndexFileName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0') + TXN_INDEX_SUFFIX;
}

export function encodeTxnEntry(e: AbortedTxn): Buffer {
  const b = Buffer.alloc(TXN_ENTRY_SIZE);
  b.writeInt16BE(0, 0);
  writeInt64(b, 2, e.producerId);
  writeInt64(b, 10, e.firstOffset);
  writeInt64(b, 18, e.lastOffset);
  writeInt64(b, 26, e.lastStableOffset);
  return b;
}

/**
 * Entries of a .txnindex file's bytes and the first problem found ('' when none): a partial entry, an unknown
 * version, first > last, or last offsets that do not increase; `range` adds that every lastOffset lies in it.
 */
export function parseTxnIndex(
  buf: Buffer,
  range?: { from: number; to: number },
): { entries: AbortedTxn[]; problem: string } {
  const entries: AbortedTxn[] = [];
  let problem = '';
  if (buf.length % TXN_ENTRY_SIZE !== 0)
    problem = `${buf.length} bytes is not a whole number of ${TXN_ENTRY_SIZE}-byte entries`;
  for (let p = 0; p + TXN_ENTRY_SIZE <= buf.length; p += TXN_ENTRY_SIZE) {
    const at = `entry ${p / TXN_ENTRY_SIZE}`;
    const version = buf.readInt16BE(p);
    const e: AbortedTxn = {
      producerId: readInt64(buf, p + 2),
      firstOffset: readInt64(buf, p + 10),
      lastOffset: readInt64(buf, p + 18),
      lastStableOffset: readInt64(buf, p + 26),
    };
    if (!problem) {
      if (version !== 0) problem = `${at} has version ${version} (only 0 is known)`;
      else if (e.firstOffset > e.lastOffset)
        problem = `${at}: first offset ${e.firstOffset} is after its last offset ${e.lastOffset}`;
      else if (entries.length > 0 && e.lastOffset <= entries[entries.length - 1].lastOffset)
        problem = `${at}: last offset ${e.lastOffset} does not follow ${entries[entries.length - 1].lastOffset}`;
      else if (range && (e.lastOffset < range.from || e.lastOffset >= range.to))
        problem = `${at}: its marker offset ${e.lastOffset} is outside the segment (${range.from}..${range.to - 1})`;
    }
    entries.push(e);
  }
  return { entries, problem };
}

/** The ABORT marker batch at `offset` of the segment, if there is one from `producerId`. */
function isAbortMarkerAt(seg: LogSegment, offset: number, producerId: number): boolean {
  const pos = seg.findBatchPosition(offset);
  if (pos < 0) return false;
  const head = seg.readAt(pos, BATCH_HEADER_SIZE);
  if (head.length < BATCH_HEADER_SIZE || readInt64(head, 0) !== offset) return false;
  if (readInt64(head, OFFSET_PRODUCER_ID) !== producerId) return false;
  const batch = seg.readAt(pos, LOG_OVERHEAD + head.readInt32BE(OFFSET_BATCH_LENGTH));
  return readControlRecord(batch)?.type === CONTROL_TYPE_ABORT;
}

/** The ABORT markers of a segment from byte `from` on, by scanning its headers: (producerId, offset) in order. */
function abortMarkersOf(seg: LogSegment, from: number): { producerId: number; offset: number }[] {
  const out: { producerId: number; offset: number }[] = [];
  for (const h of seg.scanHeaders(from)) {
    if (!isControlBatch(h.attributes)) continue;
    if (readControlRecord(seg.readAt(h.position, h.size))?.type === CONTROL_TYPE_ABORT)
      out.push({ producerId: h.producerId, offset: h.baseOffset });
  }
  return out;
}

/**
 * Derives aborted-transaction index entries from batches seen in log order (transactional data opens a
 * producer's transaction, a control batch closes it, an ABORT adds an entry). The history before the first batch
 * seen is unknown: a transaction whose first batch is not seen starts at the first of its batches that is, and a
 * marker with no batch seen covers only itself.
 */
export class AbortedTxnDeriver {
  /** producerId -> first offset of its open transaction. */
  readonly open = new Map<number, number>();
  private current: AbortedTxn[] = [];

  /** One batch; controlType is the control record's type for a control batch (null otherwise or unreadable). */
  batch(producerId: number, attributes: number, baseOffset: number, controlType: number | null): void {
    if (producerId < 0) return;
    if (isControlBatch(attributes)) {
      const first = this.open.get(producerId) ?? baseOffset;
      this.open.delete(producerId);
      if (controlType === CONTROL_TYPE_ABORT) {
        let lso = baseOffset + 1;
        for (const f of this.open.values()) if (f < lso) lso = f;
        this.current.push({ producerId, firstOffset: first, lastOffset: baseOffset, lastStableOffset: lso });
      }
    } else if (isTransactionalBatch(attributes) && !this.open.has(producerId)) {
      this.open.set(producerId, baseOffset);
    }
  }

  /** The entries of the segment just scanned (the next segment starts with none). */
  takeSegment(): AbortedTxn[] {
    const out = this.current;
    this.current = [];
    return out;
  }
}

/** What the aborted-transaction index of each segment must hold, from the segments' batch headers in order. */
export function deriveAbortedTxns(segments: readonly LogSegment[]): Map<number, AbortedTxn[]> {
  const deriver = new AbortedTxnDeriver();
  const bySegment = new Map<number, AbortedTxn[]>();
  for (const seg of segments) {
    for (const h of seg.scanHeaders(0)) {
      const type = isControlBatch(h.attributes)
        ? (readControlRecord(seg.readAt(h.position, h.size))?.type ?? null)
        : null;
      deriver.batch(h.producerId, h.attributes, h.baseOffset, type);
    }
    bySegment.set(seg.baseOffset, deriver.takeSegment());
  }
  return bySegment;
}

/**
 * Differences between a segment's .txnindex bytes (null: no file) and the entries its log says it must hold
 * (verify.ts): the same ABORT markers (producer, marker offset) in order, each first offset at or before the first
 * batch of the transaction still in the log (earlier is fine: the log may have lost its start to retention).
 */
export function compareTxnIndex(
  buf: Buffer | null,
  expected: readonly AbortedTxn[],
  range: { from: number; to: number },
): { message: string; offset?: number }[] {
  if (buf === null)
    return expected.length > 0
      ? [
          {
            message: `the aborted-transaction index file is missing but the segment holds ${expected.length} ABORT marker(s) (the next open rebuilds it)`,
          },
        ]
      : [];
  const { entries: all, problem } = parseTxnIndex(buf);
  if (problem) return [{ message: problem }];
  const out: { message: string; offset?: number }[] = [];
  const entries = all.filter((e) => {
    if (e.lastOffset >= range.from && e.lastOffset < range.to) return true;
    out.push({
      message: `entry for producer ${e.producerId} at offset ${e.lastOffset} lies outside the segment's records (${range.from}..${range.to - 1})`,
      offset: e.lastOffset,
    });
    return false;
  });
  const byMarker = new Map(entries.map((e) => [e.lastOffset, e]));
  for (const x of expected) {
    const e = byMarker.get(x.lastOffset);
    byMarker.delete(x.lastOffset);
    if (!e || e.producerId !== x.producerId)
      out.push({
        message: `no entry for the ABORT marker of producer ${x.producerId} at offset ${x.lastOffset}`,
        offset: x.lastOffset,
      });
    else if (e.firstOffset > x.firstOffset)
      out.push({
        message: `the entry for producer ${x.producerId}'s ABORT at ${x.lastOffset} starts at ${e.firstOffset}, after the transaction's first batch at ${x.firstOffset}`,
        offset: x.lastOffset,
      });
  }
  for (const e of byMarker.values())
    out.push({
      message: `entry for producer ${e.producerId} at offset ${e.lastOffset} names no ABORT marker of the log`,
      offset: e.lastOffset,
    });
  return out;
}

/** Index of the first entry whose marker (lastOffset) is at or after `offset` (entries are in marker order). */
function firstEndingAtOrAfter(entries: readonly AbortedTxn[], offset: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid].lastOffset < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function readIfExists(file: string): Buffer | null {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/** The aborted-transaction indexes of one partition's segments, in memory and in their files. */
export class PartitionTxnIndexes {
  private readonly bySegment = new Map<number, AbortedTxn[]>();
  /** Entries over every segment (a partition without aborted transactions answers lookups at once). */
  private entryCount = 0;

  constructor(readonly dir: string) {}

  private file(base: number): string {
    return path.join(this.dir, txnIndexFileName(base));
  }

  /** A new segment: its index starts empty (an empty file, so that a missing one means damage). */
  createFor(base: number): void {
    this.entryCount -= this.bySegment.get(base)?.length ?? 0;
    this.bySegment.set(base, []);
    fs.closeSync(openBriefly(this.file(base), 'w'));
  }

  /** Entries of one segment (a copy). */
  entries(base: number): AbortedTxn[] {
    return (this.bySegment.get(base) ?? []).map((e) => ({ ...e }));
  }

  /**
   * Record an aborted transaction in the index of the segment holding its marker, written and fsynced now.
   * A failed write removes the file (so the next open rebuilds it) and keeps the entry in memory; a later append
   * to a missing file writes every entry of the segment (never a file that misses an earlier one and is trusted).
   */
  append(base: number, entry: AbortedTxn): void {
    let list = this.bySegment.get(base);
    if (!list) this.bySegment.set(base, (list = []));
    list.push({ ...entry });
    this.entryCount++;
    const file = this.file(base);
    try {
      const exists = fs.existsSync(file);
      const fd = openBriefly(file, exists ? 'r+' : 'w+');
      try {
        const size = fs.fstatSync(fd).size;
        const at = size - (size % TXN_ENTRY_SIZE);
        const bytes = exists ? encodeTxnEntry(entry) : Buffer.concat(list.map(encodeTxnEntry));
        fs.writeSync(fd, bytes, 0, bytes.length, at);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      fs.rmSync(file, { force: true });
    }
  }

  /** The segment was removed (retention, DeleteRecords, truncation): its index goes with it. */
  drop(base: number): void {
    this.entryCount -= this.bySegment.get(base)?.length ?? 0;
    this.bySegment.delete(base);
    fs.rmSync(this.file(base), { force: true });
  }

  /**
   * Aborted transactions overlapping [from, upper): those whose marker is at or after `from` and whose first
   * offset is before `upper`, from the segment holding `from` (index `firstSegment` of segments) on, in marker
   * order.
   */
  collect(segments: readonly LogSegment[], from: number, upper: number, firstSegment = 0): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    if (this.entryCount === 0) return out;
    for (let i = firstSegment; i < segments.length; i++) {
      const seg = segments[i];
      if (seg.nextOffset <= from) continue;
      const entries = this.bySegment.get(seg.baseOffset);
      if (!entries) continue;
      for (let j = firstEndingAtOrAfter(entries, from); j < entries.length; j++) {
        const e = entries[j];
        if (e.firstOffset < upper) out.push({ ...e });
        if (e.lastStableOffset >= upper) return out;
      }
    }
    return out;
  }

  /**
   * Load every segment's index and check it against the log (see the file comment). `unflushedFrom` (after an
   * unclean shutdown; null after a clean one): from this segment and byte position on, the entries are checked
   * one by one against the ABORT markers the log holds there (an entry is fsynced when its marker is written, so
   * the flushed part before it needs only the cheap check). Rebuilds every index from the log when one is in
   * doubt; returns why ('' when nothing was rebuilt).
   */
  open(segments: readonly LogSegment[], unflushedFrom: { segmentBaseOffset: number; position: number } | null): string {
    let doubt = '';
    for (const seg of segments) {
      const buf = readIfExists(this.file(seg.baseOffset));
      if (buf === null) {
        doubt ||= `segment ${seg.baseOffset} has no ${TXN_INDEX_SUFFIX} file`;
        continue;
      }
      const { entries, problem } = parseTxnIndex(buf, { from: seg.baseOffset, to: seg.nextOffset });
      this.bySegment.set(seg.baseOffset, entries);
      if (problem) {
        doubt ||= `segment ${seg.baseOffset}: ${problem}`;
        continue;
      }
      if (doubt) continue;
      let flushed = entries;
      if (unflushedFrom !== null && seg.baseOffset >= unflushedFrom.segmentBaseOffset) {
        const pos = Math.min(seg.baseOffset === unflushedFrom.segmentBaseOffset ? unflushedFrom.position : 0, seg.size);
        const tailStart = pos === 0 ? seg.baseOffset : pos >= seg.size ? seg.nextOffset : seg.baseOffsetAt(pos);
        const markers = abortMarkersOf(seg, pos);
        const tail = entries.filter((e) => e.lastOffset >= tailStart);
        flushed = entries.filter((e) => e.lastOffset < tailStart);
        const same =
          markers.length === tail.length &&
          markers.every((m, i) => m.producerId === tail[i].producerId && m.offset === tail[i].lastOffset);
        if (!same)
          doubt = `segment ${seg.baseOffset} holds ${markers.length} unflushed ABORT marker(s) from offset ${tailStart} on but its index lists ${tail.length} different or other ones`;
      }
      if (!doubt && flushed.length > 0) {
        const last = flushed[flushed.length - 1];
        if (!isAbortMarkerAt(seg, last.lastOffset, last.producerId))
          doubt = `segment ${seg.baseOffset}: its entry for offset ${last.lastOffset} names no ABORT marker of producer ${last.producerId}`;
      }
    }
    if (doubt) this.rebuild(segments);
    this.recount();
    return doubt;
  }

  /** Derive every segment's index from the log and write the files (tmp + rename, fsynced). */
  rebuild(segments: readonly LogSegment[]): void {
    const bySegment = deriveAbortedTxns(segments);
    this.bySegment.clear();
    this.entryCount = 0;
    for (const seg of segments) {
      const list = bySegment.get(seg.baseOffset) ?? [];
      this.bySegment.set(seg.baseOffset, list);
      this.entryCount += list.length;
      replaceFileDurably(this.file(seg.baseOffset), Buffer.concat(list.map(encodeTxnEntry)));
    }
  }

  private recount(): void {
    this.entryCount = 0;
    for (const list of this.bySegment.values()) this.entryCount += list.length;
  }
}
