// Fetch (key 1) byte limits against a real broker: a consumer of many partitions with a backlog gets a response
// bounded by the request's MaxBytes (the smaller of it and each PartitionMaxBytes applies), made of whole batches,
// and still makes progress when the very first batch is larger than every limit (Kafka's rule).
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Broker } from '../../../../src/broker/broker';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { fetch, readFetch } from '../../../../src/protocol/apis/01-fetch';
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

  it('a PartitionMaxBytes that exactly fits one batch gets that batch on every partition', () => {
    assert.deepStrictEqual(
      perPartition(1024 * 1024, batchSize),
      Array.from({ length: PARTITIONS }, () => batchSize),
    );
  });

  it('a MaxBytes and PartitionMaxBytes of 0 set no limit: every partition answers its whole backlog', () => {
    assert.deepStrictEqual(
      perPartition(0, 0),
      Array.from({ length: PARTITIONS }, () => BATCHES * batchSize),
    );
  });
});

/** Fetch's long poll (MinBytes, MaxWaitMs): what a consumer waiting for new records sees, through the handler. */
describe('Fetch API long polls', () => {
  let dir: string;
  let broker: Broker;
  /** 'append' listeners the broker holds now (the parking subscribes while a fetch is parked). */
  let appendListeners: number;
  /** The size of one batch of `one()` (every such batch has the same size). */
  let batchSize: number;
  const one = (topic: string, partition: number) =>
    broker.produce(topic, [{ key: 'k', value: 'v'.repeat(50), timestamp: 1000 }], { partition });

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-fetch-poll-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    appendListeners = 0;
    const on = broker.on.bind(broker);
    broker.on = ((event: Parameters<Broker['on']>[0], listener: never) => {
      const off = on(event, listener);
      if (event !== 'append') return off;
      appendListeners++;
      let live = true;
      return () => {
        if (live) appendListeners--;
        live = false;
        off();
      };
    }) as Broker['on'];
    await broker.createTopic('w', 2);
    await broker.createTopic('q', 1);
    await one('w', 0);
    batchSize = broker.fetch('w', 0, 0, 1 << 20).records.length;
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A connection's context; `closers` receives its close callbacks (call them to close the connection). */
  const ctxOf = (closers: (() => void)[] = []): RequestContext => ({
    broker,
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion: 11,
    clientId: 'long-poll-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: () => undefined,
    onClose: (cb) => {
      closers.push(cb);
      return () => closers.splice(closers.indexOf(cb), 1);
    },
  });
  const request = (
    parts: { topic: string; partition: number; fetchOffset?: number }[],
    maxWaitMs: number,
    minBytes: number,
  ) => ({
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: parts.map((p) => ({
      topic: p.topic,
      partitions: [
        {
          partition: p.partition,
          currentLeaderEpoch: -1,
          fetchOffset: p.fetchOffset ?? 0,
          logStartOffset: -1,
          partitionMaxBytes: 1 << 20,
        },
      ],
    })),
  });
  type Answer = NonNullable<Awaited<ReturnType<typeof fetch.handle>>>;
  /** The answer, and how long after the call it came. */
  const poll = async (req: ReturnType<typeof request>, ctx = ctxOf()) => {
    const start = performance.now();
    const resp = (await fetch.handle(ctx, req)) as Answer;
    return { resp, ms: performance.now() - start };
  };
  /** Record values of the first partition of an answer, and its error code. */
  const valuesOf = (resp: Answer) => {
    const p = resp.responses[0].partitions[0];
    return { errorCode: p.errorCode, records: decodeRecordBatches(p.records).flatMap((b) => b.records).length };
  };
  /** Resolves 'pending' after ms unless the promise settles first. */
  const within = <T>(promise: Promise<T>, ms: number) =>
    Promise.race([promise, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);

  it('is answered at once when MinBytes are there already (exactly), a partition has an error, or nothing is asked', async () => {
    const exact = await poll(request([{ topic: 'w', partition: 0 }], 10_000, batchSize));
    assert.deepStrictEqual(valuesOf(exact.resp), { errorCode: 0, records: 1 });
    const unknown = await poll(request([{ topic: 'nope', partition: 0 }], 10_000, 1));
    assert.strictEqual(valuesOf(unknown.resp).errorCode, 3);
    const noPartition = await poll(request([{ topic: 'w', partition: -1 }], 10_000, 1));
    assert.strictEqual(valuesOf(noPartition.resp).errorCode, 3);
    const outOfRange = await poll(request([{ topic: 'w', partition: 0, fetchOffset: 9 }], 10_000, 1));
    assert.strictEqual(valuesOf(outOfRange.resp).errorCode, 1);
    const nothing = await poll(request([], 10_000, 1));
    assert.deepStrictEqual(nothing.resp.responses, []);
    for (const [what, r] of Object.entries({ exact, unknown, noPartition, outOfRange, nothing }))
      assert.ok(r.ms < 5000, `${what} answered after ${Math.round(r.ms)} ms, not at once`);
    assert.strictEqual(appendListeners, 0, 'nothing was parked');
  });

  it('with less than MinBytes waits MaxWaitMs, then answers what there is', async () => {
    const { resp, ms } = await poll(request([{ topic: 'w', partition: 0 }], 150, 10 * batchSize));
    assert.deepStrictEqual(valuesOf(resp), { errorCode: 0, records: 1 });
    assert.ok(ms >= 140, `answered after ${Math.round(ms)} ms, before MaxWaitMs`);
  });

  it('waits until appends bring MinBytes (not the first append), then answers with all of them', async () => {
    const pending = poll(request([{ topic: 'w', partition: 1 }], 10_000, 2 * batchSize));
    await one('w', 1);
    assert.strictEqual(await within(pending, 100), 'pending', 'one batch is less than MinBytes');
    await one('w', 1);
    const answer = await within(pending, 5000);
    assert.notStrictEqual(answer, 'pending', 'the second batch brings exactly MinBytes');
    if (answer !== 'pending') assert.deepStrictEqual(valuesOf(answer.resp), { errorCode: 0, records: 2 });
    assert.strictEqual(appendListeners, 0);
  });

  it('is answered at once when its connection closes, and leaves nothing parked', async () => {
    const closers: (() => void)[] = [];
    const pending = poll(request([{ topic: 'w', partition: 1 }], 10_000, 1), ctxOf(closers));
    assert.strictEqual(await within(pending, 50), 'pending');
    assert.strictEqual(appendListeners, 1);
    for (const close of [...closers]) close();
    const answer = await within(pending, 2000);
    assert.notStrictEqual(answer, 'pending', 'a closed connection releases its fetch');
    assert.strictEqual(appendListeners, 0);
  });

  it('many long polls: an append answers those on its partition, the others expire in deadline order', async () => {
    const waits = Array.from({ length: 60 }, (_, i) => 60 + 4 * i);
    for (let i = waits.length - 1; i > 0; i--) {
      const j = (i * 7919) % (i + 1);
      [waits[i], waits[j]] = [waits[j], waits[i]];
    }
    const expired: number[] = [];
    // The handler takes its deadline during poll()'s synchronous part: somewhere in [before, after] + MaxWaitMs.
    const earliest: number[] = [];
    const latest: number[] = [];
    const expiring = waits.map((wait, i) => {
      earliest[i] = performance.now() + wait;
      const answered = poll(request([{ topic: 'q', partition: 0 }], wait, 1)).then((r) => {
        expired.push(i);
        assert.deepStrictEqual(valuesOf(r.resp), { errorCode: 0, records: 0 });
      });
      latest[i] = performance.now() + wait;
      return answered;
    });
    const woken = Array.from({ length: 120 }, () => poll(request([{ topic: 'w', partition: 1 }], 8000, 1)));
    await one('w', 1);
    for (const r of await Promise.all(woken)) {
      assert.deepStrictEqual(valuesOf(r.resp), { errorCode: 0, records: 1 });
      assert.ok(r.ms < 5000, 'answered by the append, not at its deadline');
    }
    await Promise.all(expiring);
    assert.strictEqual(expired.length, waits.length);
    // in deadline order: no poll expired before one whose deadline was surely earlier
    for (let p = 0; p < expired.length; p++)
      for (let q = p + 1; q < expired.length; q++)
        assert.ok(
          earliest[expired[p]] <= latest[expired[q]],
          `poll ${expired[p]} (MaxWaitMs ${waits[expired[p]]}) expired before poll ${expired[q]} (${waits[expired[q]]})`,
        );
    assert.strictEqual(appendListeners, 0, 'nothing is left parked');
  });

  it('a poll answered early by an append does not disturb the others when its own deadline passes', async () => {
    const early = poll(request([{ topic: 'w', partition: 1 }], 100, 1));
    const waiting = poll(request([{ topic: 'q', partition: 0 }], 10_000, 1));
    await one('w', 1);
    assert.strictEqual(valuesOf((await early).resp).records, 1);
    await new Promise((r) => setTimeout(r, 200)); // past the early poll's MaxWaitMs
    assert.strictEqual(await within(waiting, 20), 'pending');
    assert.strictEqual(appendListeners, 1, 'the other poll is still parked');
    await one('q', 0);
    const answer = await within(waiting, 2000);
    assert.notStrictEqual(answer, 'pending', 'an append still wakes it');
    if (answer !== 'pending') assert.strictEqual(valuesOf(answer.resp).records, 1);
    assert.strictEqual(appendListeners, 0);
  });

  it('thousands of long polls that expire at the same moment are all answered', async () => {
    const polls = Array.from({ length: 3000 }, () => poll(request([{ topic: 'q', partition: 0 }], 20, 1)));
    const answers = await within(Promise.all(polls), 15_000);
    assert.notStrictEqual(answers, 'pending');
    if (answers !== 'pending') for (const a of answers) assert.strictEqual(valuesOf(a.resp).errorCode, 0);
    assert.strictEqual(appendListeners, 0);
  });

  it('a MaxWaitMs of 0 or less answers at once with what there is, parking nothing', async () => {
    for (const wait of [0, -1]) {
      const answer = fetch.handle(ctxOf(), request([{ topic: 'w', partition: 1 }], wait, 1));
      assert.strictEqual(appendListeners, 0, `MaxWaitMs ${wait}: not parked`);
      assert.deepStrictEqual(valuesOf((await answer) as Answer), { errorCode: 0, records: 0 });
    }
  });

  it('v13: a topic named by an unknown id with no partitions asked is no error: the poll waits MaxWaitMs', async () => {
    const req = {
      ...request([], 100, 1),
      topics: [{ topic: '', topicId: Buffer.alloc(16, 7), partitions: [] }],
    };
    const start = performance.now();
    const resp = (await fetch.handle({ ...ctxOf(), apiVersion: 13 }, req)) as Answer;
    const ms = performance.now() - start;
    assert.ok(ms >= 90, `answered after ${Math.round(ms)} ms, before MaxWaitMs`);
    assert.deepStrictEqual(
      resp.responses.map((t) => t.partitions),
      [[]],
    );
  });

  it('two polls on one partition: the one answered by an append leaves the other to be woken by the next, behind one listener', async () => {
    const small = poll(request([{ topic: 'w', partition: 1 }], 10_000, 1));
    const big = poll(request([{ topic: 'w', partition: 1 }], 10_000, 2 * batchSize));
    assert.strictEqual(appendListeners, 1, 'one append listener per broker, however many fetches wait');
    await one('w', 1);
    assert.strictEqual(valuesOf((await small).resp).records, 1);
    assert.strictEqual(await within(big, 30), 'pending', 'one batch is less than its MinBytes');
    await one('w', 1);
    const answer = await within(big, 2000);
    assert.notStrictEqual(answer, 'pending', 'the second append still wakes the poll left on the partition');
    if (answer !== 'pending') assert.deepStrictEqual(valuesOf(answer.resp), { errorCode: 0, records: 2 });
    assert.strictEqual(appendListeners, 0);
  });

  it('polls answered early by appends are released while a longer poll still waits (at most 64 are held lazily)', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const closers: (() => void)[] = [];
    const keeper = poll(request([{ topic: 'q', partition: 0 }], 10_000, 1), ctxOf(closers));
    // 100 then 1000 more: the lazily dropped answered polls are compacted away once they are most of the heap
    for (const n of [100, 1000]) {
      const fetchOffset = broker.partitionInfo('w', 1).logEndOffset;
      const refs: WeakRef<object>[] = [];
      let answers: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const req = request([{ topic: 'w', partition: 1, fetchOffset }], 10_000, 1);
        refs.push(new WeakRef(req));
        answers.push(fetch.handle(ctxOf(), req) as Promise<unknown>);
      }
      await one('w', 1);
      await Promise.all(answers);
      answers = [];
      await new Promise((r) => setImmediate(r));
      gc();
      const held = refs.filter((r) => r.deref() !== undefined).length;
      assert.ok(held <= 64, `${held} of ${n} answered polls are still held while another poll waits`);
    }
    assert.strictEqual(await within(keeper, 0), 'pending');
    for (const close of [...closers]) close();
    await keeper;
    assert.strictEqual(appendListeners, 0);
  });

  it('long polls falling due together are answered a few milliseconds at a time: a timer due with them runs in between', async () => {
    const n = 3000;
    let answered = 0;
    const polls = Array.from({ length: n }, () =>
      (fetch.handle(ctxOf(), request([{ topic: 'q', partition: 0 }], 20, 1)) as Promise<Answer>).then(() => answered++),
    );
    // hold the event loop until every deadline has passed, so that all of them are due at the first expiry
    const until = performance.now() + 30;
    while (performance.now() < until);
    const seen = await new Promise<number>((r) => setTimeout(() => r(answered), 0));
    assert.ok(seen < n, `all ${n} polls were answered in one turn before another due timer ran`);
    await Promise.all(polls);
    assert.strictEqual(answered, n);
    assert.strictEqual(appendListeners, 0);
  });
});

describe('Fetch API: read_committed past the end, and an engine failure', () => {
  let dir: string;
  let broker: Broker;
  const logs: string[] = [];
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-fetch-fail-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('w', 1);
    await broker.produce('w', [{ key: 'k', value: 'v', timestamp: 1000 }]);
    logs.length = 0;
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const ctx = (): RequestContext => ({
    broker,
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion: 11,
    clientId: 'fail-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: (level, msg) => logs.push(`${level} ${msg}`),
    onClose: () => () => undefined,
  });
  const request = (fetchOffset: number, isolationLevel: number) => ({
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: 'w',
        partitions: [
          { partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1, partitionMaxBytes: 1 << 20 },
        ],
      },
    ],
  });
  const first = (r: ReturnType<typeof readFetch>['resp']) => r.responses[0].partitions[0];

  it('read_committed past the log end is OFFSET_OUT_OF_RANGE with -1 offsets, as read_uncommitted is', async () => {
    for (const isolation of [1, 0]) {
      const p = first((await fetch.handle(ctx(), request(5, isolation))) as ReturnType<typeof readFetch>['resp']);
      assert.deepStrictEqual(
        [p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset, p.abortedTransactions],
        [1, -1, -1, -1, null],
        `isolation level ${isolation}`,
      );
    }
  });

  it('an unexpected engine failure answers -1 for the partition and logs an error naming it, with the stack', async () => {
    broker.partitionInfo = () => {
      throw new Error('the disk went away');
    };
    const resp = (await fetch.handle(ctx(), request(0, 0))) as ReturnType<typeof readFetch>['resp'];
    assert.strictEqual(first(resp).errorCode, -1);
    assert.strictEqual(logs.length, 1);
    assert.match(logs[0], /^error Fetch w-0: unexpected failure: Error: the disk went away\n\s+at /);
    assert.strictEqual(first(readFetch(broker, null, request(0, 0)).resp).errorCode, -1, 'no context: -1, no log');
    assert.strictEqual(logs.length, 1);
  });

  it('a failure that is not even an Error (a thrown null) is logged as such and answers -1', async () => {
    broker.partitionInfo = () => {
      throw null;
    };
    const resp = (await fetch.handle(ctx(), request(0, 0))) as ReturnType<typeof readFetch>['resp'];
    assert.strictEqual(first(resp).errorCode, -1);
    assert.deepStrictEqual(logs, ['error Fetch w-0: unexpected failure: null']);
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
      ['e', 1],
      ['e', -1],
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
