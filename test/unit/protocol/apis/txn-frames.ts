/**
 * Hand-built requests and field-by-field answers for the transaction APIs (InitProducerId 22, AddPartitionsToTxn
 * 24, AddOffsetsToTxn 25, EndTxn 26, TxnOffsetCommit 28, DescribeProducers 61, DescribeTransactions 65,
 * ListTransactions 66), per version, from Kafka's message specs, over a GroupWire whose broker writes markers
 * through a recording fake. Each reader checks that nothing is left after the last field of its version.
 */
import { FakeClock } from '../../../../src/broker/clock';
import type { BrokerOptions } from '../../../../src/broker/broker';
import { RecordingMarkers } from '../../broker/transactions/helpers';
import { GroupWire } from './group-wire';

export interface TxnWire {
  wire: GroupWire;
  markers: RecordingMarkers;
  clock: FakeClock;
}

export async function openTxnWire(opts: Partial<BrokerOptions> = {}): Promise<TxnWire> {
  const markers = new RecordingMarkers();
  const clock = new FakeClock();
  const wire = await GroupWire.open({ clock, txnMarkers: () => markers, ...opts });
  return { wire, markers, clock };
}

export async function initProducerId(
  wire: GroupWire,
  version: number,
  transactionalId: string | null,
  opts: { timeoutMs?: number; producerId?: number; producerEpoch?: number } = {},
): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
  const flexible = version >= 2;
  const d = await wire.call(22, version, flexible, (e) => {
    e.nstr(transactionalId).i32(opts.timeoutMs ?? 60000);
    if (version >= 3) e.i64(opts.producerId ?? -1).i16(opts.producerEpoch ?? -1);
    e.tags();
  });
  d.i32();
  const out = { errorCode: d.i16(), producerId: d.i64(), producerEpoch: d.i16() };
  d.tags();
  d.end();
  return out;
}

export async function addPartitions(
  wire: GroupWire,
  version: number,
  id: string,
  producerId: number,
  producerEpoch: number,
  topics: [string, number[]][],
): Promise<[string, [number, number][]][]> {
  const flexible = version >= 3;
  const d = await wire.call(24, version, flexible, (e) => {
    e.str(id).i64(producerId).i16(producerEpoch).len(topics.length);
    for (const [name, partitions] of topics) {
      e.str(name).len(partitions.length);
      for (const p of partitions) e.i32(p);
      e.tags();
    }
    e.tags();
  });
  d.i32();
  const out = d.many(() => {
    const name = d.str();
    const results = d.many((): [number, number] => {
      const r: [number, number] = [d.i32(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    return [name, results] as [string, [number, number][]];
  });
  d.tags();
  d.end();
  return out;
}

export async function addOffsets(
  wire: GroupWire,
  version: number,
  id: string,
  producerId: number,
  producerEpoch: number,
  groupId: string,
): Promise<number> {
  const d = await wire.call(25, version, version >= 3, (e) =>
    e.str(id).i64(producerId).i16(producerEpoch).str(groupId).tags(),
  );
  d.i32();
  const code = d.i16();
  d.tags();
  d.end();
  return code;
}

export async function endTxn(
  wire: GroupWire,
  version: number,
  id: string,
  producerId: number,
  producerEpoch: number,
  commit: boolean,
): Promise<number> {
  const d = await wire.call(26, version, version >= 3, (e) =>
    e.str(id).i64(producerId).i16(producerEpoch).bool(commit).tags(),
  );
  d.i32();
  const code = d.i16();
  d.tags();
  d.end();
  return code;
}

export interface TxnOffsets {
  id: string;
  groupId: string;
  producerId: number;
  producerEpoch: number;
  generationId?: number;
  memberId?: string;
  groupInstanceId?: string | null;
  /** [topic, partition, offset, metadata] */
  offsets: [string, number, number, string | null][];
}

export async function txnOffsetCommit(
  wire: GroupWire,
  version: number,
  req: TxnOffsets,
): Promise<[string, [number, number][]][]> {
  const flexible = version >= 3;
  const byTopic = new Map<string, [number, number, string | null][]>();
  for (const [t, p, o, m] of req.offsets) {
    if (!byTopic.has(t)) byTopic.set(t, []);
    byTopic.get(t)!.push([p, o, m]);
  }
  const d = await wire.call(28, version, flexible, (e) => {
    e.str(req.id).str(req.groupId).i64(req.producerId).i16(req.producerEpoch);
    if (version >= 3)
      e.i32(req.generationId ?? -1)
        .str(req.memberId ?? '')
        .nstr(req.groupInstanceId ?? null);
    e.len(byTopic.size);
    for (const [t, parts] of byTopic) {
      e.str(t).len(parts.length);
      for (const [p, o, m] of parts) {
        e.i32(p).i64(o);
        if (version >= 2) e.i32(-1);
        e.nstr(m).tags();
      }
      e.tags();
    }
    e.tags();
  });
  d.i32();
  const out = d.many(() => {
    const name = d.str();
    const parts = d.many((): [number, number] => {
      const r: [number, number] = [d.i32(), d.i16()];
      d.tags();
      return r;
    });
    d.tags();
    return [name, parts] as [string, [number, number][]];
  });
  d.tags();
  d.end();
  return out;
}

export interface DescribedTxn {
  errorCode: number;
  transactionalId: string;
  state: string;
  timeoutMs: number;
  startTimeMs: number;
  producerId: number;
  producerEpoch: number;
  topics: [string, number[]][];
}

export async function describeTransactions(wire: GroupWire, ids: string[]): Promise<DescribedTxn[]> {
  const d = await wire.call(65, 0, true, (e) => {
    e.len(ids.length);
    for (const id of ids) e.str(id);
    e.tags();
  });
  d.i32();
  const out = d.many((): DescribedTxn => {
    const r: DescribedTxn = {
      errorCode: d.i16(),
      transactionalId: d.str(),
      state: d.str(),
      timeoutMs: d.i32(),
      startTimeMs: d.i64(),
      producerId: d.i64(),
      producerEpoch: d.i16(),
      topics: d.many(() => {
        const t: [string, number[]] = [d.str(), d.many(() => d.i32())];
        d.tags();
        return t;
      }),
    };
    d.tags();
    return r;
  });
  d.tags();
  d.end();
  return out;
}

export async function listTransactions(
  wire: GroupWire,
  version: number,
  states: string[],
  producerIds: number[],
  durationMs = -1,
  idPattern: string | null = null,
): Promise<{ errorCode: number; unknown: string[]; txns: [string, number, string][] }> {
  const d = await wire.call(66, version, true, (e) => {
    e.len(states.length);
    for (const s of states) e.str(s);
    e.len(producerIds.length);
    for (const p of producerIds) e.i64(p);
    if (version >= 1) e.i64(durationMs);
    if (version >= 2) e.nstr(idPattern);
    e.tags();
  });
  d.i32();
  const errorCode = d.i16();
  const unknown = d.many(() => d.str());
  const txns = d.many((): [string, number, string] => {
    const r: [string, number, string] = [d.str(), d.i64(), d.str()];
    d.tags();
    return r;
  });
  d.tags();
  d.end();
  return { errorCode, unknown, txns };
}

export interface DescribedPartition {
  partition: number;
  errorCode: number;
  message: string | null;
  producers: {
    producerId: number;
    producerEpoch: number;
    lastSequence: number;
    lastTimestamp: number;
    coordinatorEpoch: number;
    currentTxnStartOffset: number;
  }[];
}

export async function describeProducers(
  wire: GroupWire,
  topics: [string, number[]][],
): Promise<[string, DescribedPartition[]][]> {
  const d = await wire.call(61, 0, true, (e) => {
    e.len(topics.length);
    for (const [t, ps] of topics) {
      e.str(t).len(ps.length);
      for (const p of ps) e.i32(p);
      e.tags();
    }
    e.tags();
  });
  d.i32();
  const out = d.many(() => {
    const name = d.str();
    const parts = d.many((): DescribedPartition => {
      const r: DescribedPartition = {
        partition: d.i32(),
        errorCode: d.i16(),
        message: d.nstr(),
        producers: d.many(() => {
          const p = {
            producerId: d.i64(),
            producerEpoch: d.i32(),
            lastSequence: d.i32(),
            lastTimestamp: d.i64(),
            coordinatorEpoch: d.i32(),
            currentTxnStartOffset: d.i64(),
          };
          d.tags();
          return p;
        }),
      };
      d.tags();
      return r;
    });
    d.tags();
    return [name, parts] as [string, DescribedPartition[]];
  });
  d.tags();
  d.end();
  return out;
}

/** OffsetFetch v7 (flexible, one group, requireStable): [partition, offset, errorCode] per asked partition. */
export async function offsetFetchV7(
  wire: GroupWire,
  groupId: string,
  topic: string,
  partitions: number[],
  requireStable: boolean,
): Promise<{ errorCode: number; partitions: [number, number, number][] }> {
  const d = await wire.call(9, 7, true, (e) => {
    e.str(groupId).len(1).str(topic).len(partitions.length);
    for (const p of partitions) e.i32(p);
    e.tags().bool(requireStable).tags();
  });
  d.i32();
  const topics = d.many(() => {
    d.str();
    const parts = d.many((): [number, number, number] => {
      const idx = d.i32();
      const offset = d.i64();
      d.i32();
      d.nstr();
      const code = d.i16();
      d.tags();
      return [idx, offset, code];
    });
    d.tags();
    return parts;
  });
  const errorCode = d.i16();
  d.tags();
  d.end();
  return { errorCode, partitions: topics.flat() };
}

/** OffsetFetch v8 (one group in the batch form, requireStable). */
export async function offsetFetchV8(
  wire: GroupWire,
  groupId: string,
  topic: string,
  partitions: number[],
  requireStable: boolean,
): Promise<{ groupError: number; partitions: [number, number, number][] }> {
  const d = await wire.call(9, 8, true, (e) => {
    e.len(1).str(groupId).len(1).str(topic).len(partitions.length);
    for (const p of partitions) e.i32(p);
    e.tags().tags().bool(requireStable).tags();
  });
  d.i32();
  const groups = d.many(() => {
    d.str();
    const topics = d.many(() => {
      d.str();
      const parts = d.many((): [number, number, number] => {
        const idx = d.i32();
        const offset = d.i64();
        d.i32();
        d.nstr();
        const code = d.i16();
        d.tags();
        return [idx, offset, code];
      });
      d.tags();
      return parts;
    });
    const groupError = d.i16();
    d.tags();
    return { groupError, partitions: topics.flat() };
  });
  d.tags();
  d.end();
  return groups[0];
}

/** WriteTxnMarkers v1 (flexible): one marker; [partition, errorCode] per partition of the one topic. */
export async function writeTxnMarkers(
  wire: GroupWire,
  producerId: number,
  producerEpoch: number,
  commit: boolean,
  topic: string,
  partitions: number[],
): Promise<[number, number][]> {
  const d = await wire.call(27, 1, true, (e) => {
    e.len(1).i64(producerId).i16(producerEpoch).bool(commit).len(1).str(topic).len(partitions.length);
    for (const p of partitions) e.i32(p);
    e.tags().i32(0).tags().tags();
  });
  const out = d.many(() => {
    d.i64();
    const topics = d.many(() => {
      d.str();
      const parts = d.many((): [number, number] => {
        const r: [number, number] = [d.i32(), d.i16()];
        d.tags();
        return r;
      });
      d.tags();
      return parts;
    });
    d.tags();
    return topics.flat();
  });
  d.tags();
  d.end();
  return out.flat();
}
