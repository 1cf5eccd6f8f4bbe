// Fetch (key 1): what a partition answers is decided from the partition's bounds before the log is read. A
// fetch below the log start is OFFSET_OUT_OF_RANGE even if the engine would serve it; a consumer caught up at
// the log end (or, read_committed, at the last stable offset) is answered from the bounds without a read; once
// the response's MaxBytes are spent, later partitions are answered without a read. And a poll parked on a
// partition that is appended to while the broker closes is answered as at its deadline, not with a read of the
// closed broker.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import { fetch, readFetch } from '../../../../src/protocol/apis/01-fetch';
import { ctxOf } from './mutants-helpers';

describe('Fetch API: which partitions are read, and a poll woken while the broker closes', () => {
  let dir: string;
  let broker: Broker;
  /** Every engine read made: "topic-partition@offset". */
  let reads: string[];
  /** Size of one stored batch of `one()`. */
  let batchSize: number;
  const one = (partition: number) =>
    broker.produce('t', [{ key: 'k', value: 'v'.repeat(100), timestamp: 1000 }], { partition });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-fetch-mutants-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('t', 3);
    for (let p = 0; p < 3; p++) for (let i = 0; i < 3; i++) await one(p);
    batchSize = broker.fetch('t', 0, 0, 1).records.length;
    reads = [];
    const real = broker.fetch.bind(broker);
    broker.fetch = (...args: Parameters<Broker['fetch']>) => {
      reads.push(`${args[0]}-${args[1]}@${args[2]}`);
      return real(...args);
    };
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const request = (
    parts: { partition: number; fetchOffset: number }[],
    opts: { maxBytes?: number; isolationLevel?: number; maxWaitMs?: number; minBytes?: number } = {},
  ) => ({
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 1 << 20,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 't',
        partitions: parts.map((p) => ({
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: p.fetchOffset,
          logStartOffset: -1,
          partitionMaxBytes: 1 << 20,
        })),
      },
    ],
  });
  const summary = (resp: ReturnType<typeof readFetch>['resp']) =>
    resp.responses[0].partitions.map((p) => ({
      partition: p.partitionIndex,
      errorCode: p.errorCode,
      highWatermark: p.highWatermark,
      lastStableOffset: p.lastStableOffset,
      logStartOffset: p.logStartOffset,
      records: p.records ? decodeRecordBatches(p.records).flatMap((b) => b.records.map((r) => r.offset)) : [],
    }));

  it('a fetch below the log start is OFFSET_OUT_OF_RANGE from the partition bounds, even if the engine would serve it', async () => {
    await broker.deleteRecords('t', 0, 2);
    // a stand-in engine that serves any offset: the answer must not depend on the engine refusing
    const real = broker.fetch;
    broker.fetch = (...args: Parameters<Broker['fetch']>) => real(args[0], args[1], 2, args[3], args[4]);
    const ctx = ctxOf(broker, 11);
    const { resp, errors } = readFetch(broker, ctx, request([{ partition: 0, fetchOffset: 1 }]));
    assert.deepStrictEqual(summary(resp), [
      { partition: 0, errorCode: 1, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1, records: [] },
    ]);
    assert.strictEqual(errors, true);
    assert.deepStrictEqual(reads, [], 'the log is not read');
    assert.deepStrictEqual(ctx.logs, [], 'a refusal, not logged');
  });

  it('a consumer caught up at the log end is answered from the partition bounds without reading the log', () => {
    const { resp, bytes } = readFetch(
      broker,
      null,
      request([
        { partition: 0, fetchOffset: 3 },
        { partition: 1, fetchOffset: 2 },
      ]),
    );
    assert.deepStrictEqual(summary(resp), [
      { partition: 0, errorCode: 0, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0, records: [] },
      { partition: 1, errorCode: 0, highWatermark: 3, lastStableOffset: 3, logStartOffset: 0, records: [2] },
    ]);
    assert.strictEqual(bytes, batchSize);
    assert.deepStrictEqual(reads, ['t-1@2'], 'only the partition with data is read');
  });

  it('read_committed at or past the last stable offset is answered without a read; below it, the log is read', () => {
    // the partition reports an open transaction from offset 1 (its last stable offset)
    const info = broker.partitionInfo.bind(broker);
    broker.partitionInfo = ((topic: string, partition: number) => ({
      ...info(topic, partition),
      lastStableOffset: 1,
    })) as Broker['partitionInfo'];
    const committed = readFetch(
      broker,
      null,
      request(
        [
          { partition: 0, fetchOffset: 1 },
          { partition: 1, fetchOffset: 2 },
        ],
        { isolationLevel: 1 },
      ),
    );
    assert.deepStrictEqual(
      summary(committed.resp).map((p) => [p.errorCode, p.highWatermark, p.lastStableOffset, p.records.length]),
      [
        [0, 3, 1, 0],
        [0, 3, 1, 0],
      ],
    );
    assert.deepStrictEqual(reads, [], 'nothing at or past the last stable offset is read');
    readFetch(broker, null, request([{ partition: 0, fetchOffset: 0 }], { isolationLevel: 1 }));
    assert.deepStrictEqual(reads, ['t-0@0']);
    reads = [];
    // read_uncommitted is not held back by the last stable offset
    const uncommitted = readFetch(broker, null, request([{ partition: 0, fetchOffset: 1 }]));
    assert.deepStrictEqual(summary(uncommitted.resp)[0].records, [1, 2]);
    assert.deepStrictEqual(reads, ['t-0@1']);
  });

  it('once MaxBytes are spent by earlier partitions, the later ones are answered without a read', () => {
    const { resp, bytes } = readFetch(
      broker,
      null,
      request(
        [
          { partition: 0, fetchOffset: 2 },
          { partition: 1, fetchOffset: 0 },
          { partition: 2, fetchOffset: 0 },
        ],
        { maxBytes: batchSize },
      ),
    );
    assert.deepStrictEqual(
      summary(resp).map((p) => [p.partition, p.errorCode, p.highWatermark, p.logStartOffset, p.records]),
      [
        [0, 0, 3, 0, [2]],
        [1, 0, 3, 0, []],
        [2, 0, 3, 0, []],
      ],
    );
    assert.strictEqual(bytes, batchSize);
    assert.deepStrictEqual(reads, ['t-0@2'], 'the spent budget skips the reads');
  });

  it('a partition that still has budget left but less than a batch is read, and its too-large batch left out', () => {
    const { resp, bytes } = readFetch(
      broker,
      null,
      request(
        [
          { partition: 0, fetchOffset: 2 },
          { partition: 1, fetchOffset: 0 },
        ],
        { maxBytes: batchSize + 1 },
      ),
    );
    assert.deepStrictEqual(
      summary(resp).map((p) => p.records),
      [[2], []],
    );
    assert.strictEqual(bytes, batchSize);
    assert.deepStrictEqual(reads, ['t-0@2', 't-1@0']);
  });

  it('a poll woken by an append while the broker closes is answered as at its deadline, with no error', async () => {
    const ctx = ctxOf(broker, 11);
    const start = performance.now();
    const answer = fetch.handle(ctx, request([{ partition: 0, fetchOffset: 3 }], { maxWaitMs: 40 }));
    // the broker closes in the same turn as the append (right after the parking hears it)
    let closing: Promise<void> | undefined;
    broker.on('append', () => {
      closing ??= broker.close();
    });
    await one(0).catch(() => undefined);
    const resp = (await answer) as ReturnType<typeof readFetch>['resp'];
    await closing;
    assert.deepStrictEqual(
      summary(resp).map((p) => [p.errorCode, p.records.length]),
      [[0, 0]],
    );
    assert.ok(performance.now() - start >= 35, 'it waited for its deadline');
    assert.deepStrictEqual(ctx.logs, []);
  });
});
