// Fetch (key 1) byte limits against a real broker: a consumer of many partitions with a backlog gets a response
// bounded by the request's MaxBytes (the smaller of it and each PartitionMaxBytes applies), made of whole batches,
// and still makes progress when the very first batch is larger than every limit (Kafka's rule).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import { readFetch } from '../../../../src/protocol/apis/01-fetch';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

const PARTITIONS = 8;
const BATCHES = 10;

describe('Fetch API byte limits', () => {
  let dir: string;
  let broker: Broker;
  /** Size in bytes of one stored batch (every batch of the backlog has the same size). */
  let batchSize: number;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-fetch-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('backlog', PARTITIONS);
    for (let p = 0; p < PARTITIONS; p++) {
      for (let b = 0; b < BATCHES; b++) {
        await broker.produce('backlog', [{ key: `k${b}`, value: 'x'.repeat(900), timestamp: 1000 + b }], {
          partition: p,
        });
      }
    }
    batchSize = broker.fetch('backlog', 0, 0, 1).records.length;
    assert.ok(batchSize > 900 && batchSize < 1100, `one batch is about 1 KB (${batchSize})`);
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A Fetch v11 request for every partition of "backlog" from offset 0. */
  const request = (maxBytes: number, partitionMaxBytes: number) => ({
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'backlog',
        partitions: Array.from({ length: PARTITIONS }, (_, p) => ({
          partition: p,
          currentLeaderEpoch: -1,
          fetchOffset: 0,
          logStartOffset: -1,
          partitionMaxBytes,
        })),
      },
    ],
  });

  /** Bytes and whole batches returned per partition. */
  const perPartition = (maxBytes: number, partitionMaxBytes: number) => {
    const { resp, bytes } = readFetch(broker, null, request(maxBytes, partitionMaxBytes));
    const parts = resp.responses[0].partitions.map((p) => {
      assert.strictEqual(p.errorCode, 0);
      const batches = decodeRecordBatches(p.records);
      const whole = batches.reduce((s, b) => s + b.records.length, 0);
      assert.strictEqual(whole * batchSize, p.records.length, `partition ${p.partitionIndex} holds whole batches`);
      return p.records.length;
    });
    assert.strictEqual(
      bytes,
      parts.reduce((a, b) => a + b, 0),
    );
    return parts;
  };

  it('a consumer of many partitions gets at most the request MaxBytes even when each partition allows 1 MiB', () => {
    const maxBytes = 5 * batchSize + 100;
    const parts = perPartition(maxBytes, 1024 * 1024);
    const total = parts.reduce((a, b) => a + b, 0);
    assert.ok(total <= maxBytes, `response of ${total} bytes exceeds the request MaxBytes ${maxBytes}`);
    assert.strictEqual(total, 5 * batchSize, 'the budget is used up with whole batches');
    assert.strictEqual(parts[0], 5 * batchSize, 'the partitions are served in request order');
  });

  it('each partition gets at most its PartitionMaxBytes when the request MaxBytes is larger', () => {
    const parts = perPartition(1024 * 1024, 2 * batchSize + 10);
    assert.deepStrictEqual(
      parts,
      Array.from({ length: PARTITIONS }, () => 2 * batchSize),
    );
  });

  it('the first batch is returned even when it is larger than MaxBytes, and nothing more', () => {
    const parts = perPartition(100, 100);
    assert.deepStrictEqual(parts, [batchSize, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('Fetch API v12 on the wire (flexible, names not topic ids)', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('f', 1);
    await wire.broker.produce('f', [{ key: 'k0', value: 'v0', timestamp: 1000 }]);
    await wire.broker.produce('f', [{ key: 'k1', value: 'v1', timestamp: 1001 }]);
  });
  afterEach(() => wire.close());

  /** FetchRequest v12: a ClusterId tagged field (tag 0) at the top, LastFetchedEpoch per partition. */
  const fetchV12 = (fetchOffset: number) =>
    wire.call(1, 12, true, (w) => {
      w.int32(-1)
        .int32(0)
        .int32(1)
        .int32(1 << 20)
        .int8(0)
        .int32(0)
        .int32(-1);
      w.compactArrayLength(1).compactString('f');
      w.compactArrayLength(1)
        .int32(0)
        .int32(-1)
        .int64(fetchOffset)
        .int32(-1)
        .int64(-1)
        .int32(1 << 20);
      w.emptyTaggedFields(); // partition
      w.emptyTaggedFields(); // topic
      w.compactArrayLength(0); // forgotten topics
      w.compactString('rack-a');
      // top-level tagged fields: ClusterId (tag 0) = "cluster-x"
      const id = Buffer.from('cluster-x');
      w.uvarint(1)
        .uvarint(0)
        .uvarint(id.length + 1)
        .uvarint(id.length + 1)
        .raw(id);
    });

  it('answers from the fetch offset with whole batches, high watermark and log start offset', async () => {
    const r = await fetchV12(1);
    assert.deepStrictEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0], 'throttle, error, session id 0');
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.compactString(), 'f');
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.deepStrictEqual(
      [r.int32(), r.int16(), r.int64(), r.int64(), r.int64()],
      [0, 0, 2, 2, 0],
      'partition, error, high watermark, last stable offset, log start offset',
    );
    assert.strictEqual(r.compactArrayLength(), -1, 'no aborted transactions (null)');
    assert.strictEqual(r.int32(), -1, 'no preferred read replica');
    const records = r.compactNullableBytes();
    assert.ok(records);
    const batches = decodeRecordBatches(records);
    assert.deepStrictEqual(
      batches.flatMap((b) => b.records.map((rec) => [rec.offset, rec.value?.toString()])),
      [[1, 'v1']],
    );
    r.skipTaggedFields(); // partition
    r.skipTaggedFields(); // topic
    r.skipTaggedFields(); // response
    assertConsumed(r);
  });

  it('a fetch offset past the log end is OFFSET_OUT_OF_RANGE with no records', async () => {
    const r = await fetchV12(5);
    r.int32();
    r.int16();
    r.int32();
    r.compactArrayLength();
    r.compactString();
    r.compactArrayLength();
    assert.deepStrictEqual([r.int32(), r.int16()], [0, 1]);
  });
});

describe('Fetch API: partition answers with an error, as Kafka sends them', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('e', 1);
    for (let i = 0; i < 3; i++) await wire.broker.produce('e', [{ key: `k${i}`, value: `v${i}` }]);
  });
  afterEach(() => wire.close());

  /** FetchRequest v12 for one partition; its answer up to the aborted transactions (null = -1 entries). */
  async function fetchOne(topic: string, partition: number, fetchOffset: number) {
    const r = await wire.call(1, 12, true, (w) => {
      w.int32(-1)
        .int32(0)
        .int32(1)
        .int32(1 << 20)
        .int8(0)
        .int32(0)
        .int32(-1);
      w.compactArrayLength(1).compactString(topic);
      w.compactArrayLength(1)
        .int32(partition)
        .int32(-1)
        .int64(fetchOffset)
        .int32(-1)
        .int64(-1)
        .int32(1 << 20);
      w.emptyTaggedFields(); // partition
      w.emptyTaggedFields(); // topic
      w.compactArrayLength(0); // forgotten topics
      w.compactString('');
      w.emptyTaggedFields();
    });
    assert.deepStrictEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0], 'throttle, error, session id 0');
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.compactString(), topic);
    assert.strictEqual(r.compactArrayLength(), 1);
    const answer = {
      partition: r.int32(),
      errorCode: r.int16(),
      highWatermark: r.int64(),
      lastStableOffset: r.int64(),
      logStartOffset: r.int64(),
      /** -1: null */
      abortedTransactions: r.compactArrayLength(),
    };
    assert.ok(answer.abortedTransactions <= 0, 'no aborted transaction entries');
    assert.strictEqual(r.int32(), -1, 'no preferred read replica');
    const records = r.compactNullableBytes();
    assert.ok(!records || records.length === 0, 'no records with an error');
    r.skipTaggedFields();
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    return answer;
  }

  it('OFFSET_OUT_OF_RANGE past the log end answers -1 for high watermark, last stable and log start offset', async () => {
    const a = await fetchOne('e', 0, 10);
    assert.deepStrictEqual(
      [a.errorCode, a.highWatermark, a.lastStableOffset, a.logStartOffset, a.abortedTransactions],
      [1, -1, -1, -1, -1],
      'error 1 with -1 offsets (the client asks ListOffsets), aborted transactions null',
    );
  });

  it('OFFSET_OUT_OF_RANGE below a moved log start answers -1 offsets too', async () => {
    wire.broker.deleteRecords('e', 0, 2);
    const a = await fetchOne('e', 0, 1);
    assert.deepStrictEqual([a.errorCode, a.highWatermark, a.lastStableOffset, a.logStartOffset], [1, -1, -1, -1]);
  });

  it('UNKNOWN_TOPIC_OR_PARTITION (no such topic, or no such partition) carries an empty aborted list, not null', async () => {
    for (const [topic, partition] of [
      ['nope', 0],
      ['e', 4],
    ] as const) {
      const a = await fetchOne(topic, partition, 0);
      assert.deepStrictEqual(
        [a.errorCode, a.highWatermark, a.lastStableOffset, a.logStartOffset, a.abortedTransactions],
        [3, -1, -1, -1, 0],
        `${topic}-${partition}`,
      );
    }
  });
});
