/**
 * Shared helpers of the transaction tests: a Broker on a FakeClock whose TxnPartitionVerifier accepts every
 * transactional batch (or answers a chosen error code), transactional produce and markers in one line each, and a
 * simulated crash (the log manager forgets everything unflushed: no clean-shutdown marker, no producer snapshot).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { TxnPartitionVerifier } from '../../../../src/broker/api';
import { Broker } from '../../../../src/broker/broker';
import { FakeClock } from '../../../../src/broker/clock';
import type { StorageInternals } from '../../../../src/broker/storage/log-manager';

export function txnTempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-txn-test-'));
}

/** A verifier that accepts everything until `answer` is set to an error code; it records what it was asked. */
export class FakeVerifier implements TxnPartitionVerifier {
  answer = 0;
  calls: { transactionalId: string; producerId: number; producerEpoch: number; topic: string; partition: number }[] =
    [];
  verify(transactionalId: string, producerId: number, producerEpoch: number, tp: { topic: string; partition: number }) {
    this.calls.push({ transactionalId, producerId, producerEpoch, topic: tp.topic, partition: tp.partition });
    return this.answer;
  }
}

export interface TxnBroker {
  broker: Broker;
  verifier: FakeVerifier;
  clock: FakeClock;
  logs: string[];
}

export async function openTxnBroker(dir: string, clock = new FakeClock(1_000_000)): Promise<TxnBroker> {
  const logs: string[] = [];
  const broker = await Broker.open({
    dataDir: dir,
    clock,
    logger: (level, message) => logs.push(`${level}: ${message}`),
  });
  const verifier = new FakeVerifier();
  broker.useTxnPartitionVerifier(verifier);
  return { broker, verifier, clock, logs };
}

/** Per producer id: the next sequence of each partition (what a real producer keeps). */
const sequences = new WeakMap<Broker, Map<string, number>>();

/** Produce `values` as one transactional batch of producer `pid` (epoch `epoch`); returns the batch's base offset. */
export async function txnSend(
  broker: Broker,
  topic: string,
  partition: number,
  pid: number,
  epoch: number,
  values: string[],
): Promise<number> {
  let seqs = sequences.get(broker);
  if (!seqs) sequences.set(broker, (seqs = new Map()));
  const key = `${pid}/${epoch}/${topic}/${partition}`;
  const baseSequence = seqs.get(key) ?? 0;
  const r = await broker.produce(
    topic,
    values.map((v) => ({ key: `k-${v}`, value: v })),
    { partition, producer: { producerId: pid, producerEpoch: epoch, baseSequence }, transactionalId: `tx-${pid}` },
  );
  seqs.set(key, baseSequence + values.length);
  return r.baseOffset;
}

/** Write one marker to the given partitions; returns the error code of each. */
export async function mark(
  broker: Broker,
  pid: number,
  epoch: number,
  commit: boolean,
  partitions: { topic: string; partition: number }[],
): Promise<number[]> {
  const r = await broker.txnMarkers.writeTxnMarkers(
    { producerId: pid, producerEpoch: epoch, commit, coordinatorEpoch: 0 },
    partitions,
  );
  return r.map((x) => x.errorCode);
}

/** Stop the broker as a crash would: nothing flushed later, no clean-shutdown marker, no producer snapshot. */
export async function crash(broker: Broker): Promise<void> {
  (broker.logs as unknown as StorageInternals).crash();
  broker.groups.close();
  await broker.offsets.close();
}

/** The values a read_committed reader sees from offset 0 (through the engine's record read). */
export function committedValues(broker: Broker, topic: string, partition: number): string[] {
  const from = broker.partitionInfo(topic, partition).logStartOffset;
  return broker
    .readRecords(topic, partition, from, 1000, 1 << 20, { isolationLevel: 1 })
    .map((r) => r.value?.toString() ?? '');
}
