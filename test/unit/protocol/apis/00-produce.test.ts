// Produce (key 0) with acks=all: the answer is the durability promise, so it must not exist before
// broker.flush() has resolved. The flush here is held by the test: releasing it is the only thing that can let
// the handler answer. The release flag is read at the moment the answer appears, so an early answer fails however
// late it comes; the release itself waits on a timer longer than the request's own timeout, so even an answer
// that waits "at most timeoutMs" for the flush comes before it (Node fires the earlier timer first) and fails.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { topicIdFromBytes, topicIdToBytes } from '../../../../src/broker/topic-id';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { produce } from '../../../../src/protocol/apis/00-produce';
import { computeBatchCrc, encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import type { Reader } from '../../../../src/protocol/codec/reader';
import { FakeBroker } from '../helpers';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

/** A broker whose flush() stays pending until the test calls release(). */
class HeldFlushBroker extends FakeBroker {
  released = false;
  private releaseFns: (() => void)[] = [];
  private onFlush: (() => void)[] = [];

  override flush(): Promise<void> {
    this.flushes++;
    for (const f of this.onFlush.splice(0)) f();
    return new Promise<void>((resolve) => this.releaseFns.push(resolve));
  }
  /** Resolves when flush() has been called (at once when it already was). */
  flushCalled(): Promise<void> {
    return this.flushes > 0 ? Promise.resolve() : new Promise((r) => this.onFlush.push(r));
  }
  release(): void {
    this.released = true;
    for (const f of this.releaseFns.splice(0)) f();
  }
}

function ctxFor(broker: FakeBroker): RequestContext {
  return {
    broker: broker.asBroker(),
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion: 7,
    clientId: 'acks-all-test',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: () => undefined,
    onClose: () => () => undefined,
  };
}

/** A record set the handler accepts as one whole record batch v2 (batchLength at 8, magic byte 2 at 16). */
function recordSet(): Buffer {
  const b = Buffer.alloc(70, 3);
  b.writeInt32BE(b.length - 12, 8);
  b[16] = 2;
  return b;
}

/** The request's own timeout: shorter than the hold below. */
const TIMEOUT_MS = 1;
/** How long the test holds the flush after the handler reached it (a timer set after any of the handler's). */
const HOLD_MS = 25;

const request = (acks: number) => ({
  transactionalId: null,
  acks,
  timeoutMs: TIMEOUT_MS,
  topicData: [{ name: 't', partitionData: [{ index: 0, records: recordSet() }] }],
});

/** Every pending microtask and the current turn's I/O callbacks have run once this resolves. */
const drained = () => new Promise<void>((r) => setImmediate(r));

describe('Produce API (acks)', () => {
  it('acks=all is not answered while the flush is pending, and is answered once the flush resolves', async () => {
    const broker = new HeldFlushBroker();
    let answered = false;
    let releasedWhenAnswered: boolean | undefined;
    const handling = Promise.resolve(produce.handle(ctxFor(broker), request(-1))).then((resp) => {
      answered = true;
      releasedWhenAnswered = broker.released;
      return resp;
    });
    // Either the handler reaches the flush or it answers without one: both end this wait.
    await Promise.race([broker.flushCalled(), handling]);
    assert.strictEqual(broker.flushes, 1, 'acks=all asks the broker for a flush');
    assert.strictEqual(broker.appends.length, 1, 'the records were appended before the flush');
    await drained();
    assert.strictEqual(answered, false, 'no answer may exist while the flush is still pending');

    await new Promise<void>((r) => setTimeout(r, HOLD_MS));
    assert.strictEqual(answered, false, 'still no answer past the request timeout while the flush is pending');
    broker.release();
    const resp = await handling;
    assert.strictEqual(releasedWhenAnswered, true, 'the answer appeared only after the flush was released');
    assert.ok(resp, 'acks=all gets a response');
    const [part] = resp.responses[0].partitionResponses;
    assert.deepStrictEqual([part.index, part.errorCode, part.baseOffset], [0, 0, 0]);
  });

  it('acks=1 is answered after the append without waiting for a flush', async () => {
    const broker = new HeldFlushBroker();
    const resp = await produce.handle(ctxFor(broker), request(1));
    assert.ok(resp);
    assert.strictEqual(broker.flushes, 0);
    assert.strictEqual(resp.responses[0].partitionResponses[0].errorCode, 0);
  });
});

describe('Produce API v8-v12 on the wire (per-record errors, flexible versions)', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    await wire.broker.createTopic('plain', 1);
  });
  afterEach(() => wire.close());

  const batch = (keys: (string | null)[]) =>
    encodeRecordBatch(
      keys.map((k, i) => ({
        key: k === null ? null : Buffer.from(k),
        value: Buffer.from(`v${i}`),
        headers: [],
        timestamp: 1000 + i,
      })),
      { producerId: -1, producerEpoch: -1, baseSequence: -1, compression: 0 },
    );

  /** ProduceRequest v9+ (flexible): compact strings/arrays/bytes and a tagged-field byte after every struct. */
  const produceFlexible = (version: number, topic: string, records: Buffer) =>
    wire.call(0, version, true, (w) => {
      w.compactNullableString(null).int16(1).int32(5000);
      w.compactArrayLength(1).compactString(topic);
      w.compactArrayLength(1).int32(0).compactNullableBytes(records).emptyTaggedFields();
      w.emptyTaggedFields();
      w.emptyTaggedFields();
    });

  interface Part {
    index: number;
    errorCode: number;
    baseOffset: number;
    logAppendTimeMs: number;
    logStartOffset: number;
    recordErrors: [number, string | null][];
    errorMessage: string | null;
  }

  /** ProduceResponse v9+ for one topic with one partition. */
  function readFlexible(r: Reader): { name: string; part: Part; throttle: number } {
    assert.strictEqual(r.compactArrayLength(), 1);
    const name = r.compactString();
    assert.strictEqual(r.compactArrayLength(), 1);
    const part: Part = {
      index: r.int32(),
      errorCode: r.int16(),
      baseOffset: r.int64(),
      logAppendTimeMs: r.int64(),
      logStartOffset: r.int64(),
      recordErrors: [],
      errorMessage: null,
    };
    const n = r.compactArrayLength();
    for (let i = 0; i < n; i++) {
      part.recordErrors.push([r.int32(), r.compactNullableString()]);
      r.skipTaggedFields();
    }
    part.errorMessage = r.compactNullableString();
    r.skipTaggedFields();
    r.skipTaggedFields();
    const throttle = r.int32();
    r.skipTaggedFields();
    assertConsumed(r);
    return { name, part, throttle };
  }

  it('v12: keyless records on a compacted topic refuse the whole batch with INVALID_RECORD naming each one', async () => {
    const r = await produceFlexible(12, 'compacted', batch(['a', null, 'c', null]));
    const { name, part } = readFlexible(r);
    assert.strictEqual(name, 'compacted');
    assert.strictEqual(part.errorCode, 87, 'INVALID_RECORD');
    assert.strictEqual(part.baseOffset, -1);
    assert.deepStrictEqual(
      part.recordErrors.map(([i]) => i),
      [1, 3],
      'the two keyless records are named by their index in the batch',
    );
    for (const [, msg] of part.recordErrors) assert.match(msg ?? '', /has no key/);
    assert.match(
      part.errorMessage ?? '',
      /compacted \(cleanup\.policy=compact\).*needs a key; batch 0, record 1 has none \(and 1 more\)/,
    );
    assert.strictEqual(wire.broker.partitionInfo('compacted', 0).logEndOffset, 0, 'no record of the batch was stored');
  });

  it('v12: a batch whose records all have keys is stored and answered with its offsets and no record errors', async () => {
    const { part, throttle } = readFlexible(await produceFlexible(12, 'compacted', batch(['a', 'b'])));
    assert.deepStrictEqual(
      [part.errorCode, part.baseOffset, part.logStartOffset, part.recordErrors, part.errorMessage, throttle],
      [0, 0, 0, [], null, 0],
    );
    assert.strictEqual(wire.broker.partitionInfo('compacted', 0).logEndOffset, 2);
  });

  it('v9: a keyless record on a non-compacted topic is accepted', async () => {
    const { part } = readFlexible(await produceFlexible(9, 'plain', batch([null])));
    assert.deepStrictEqual([part.errorCode, part.baseOffset], [0, 0]);
  });

  it('v8 (classic encoding) carries the same RecordErrors and ErrorMessage', async () => {
    const r = await wire.call(0, 8, false, (w) => {
      w.nullableString(null).int16(-1).int32(5000);
      w.arrayLength(1).string('compacted');
      w.arrayLength(1)
        .int32(0)
        .nullableBytes(batch([null, 'k']));
    });
    assert.strictEqual(r.arrayLength(), 1);
    assert.strictEqual(r.string(), 'compacted');
    assert.strictEqual(r.arrayLength(), 1);
    // logStartOffset is the partition's (0), not -1: Kafka reports it on every refusal of an existing partition
    // except unreadable or oversized batches.
    assert.deepStrictEqual([r.int32(), r.int16(), r.int64(), r.int64(), r.int64()], [0, 87, -1, -1, 0]);
    assert.strictEqual(r.arrayLength(), 1);
    assert.strictEqual(r.int32(), 0, 'the first record is the keyless one');
    assert.match(r.nullableString() ?? '', /batch 0, record 0 has no key/);
    assert.match(r.nullableString() ?? '', /every record needs a key/);
    assert.strictEqual(r.int32(), 0, 'throttle time');
    assertConsumed(r);
  });
});

/** ProduceRequest v9 (flexible, acks=1) for one partition; the partition's answer without its record errors. */
async function produceV9(
  wire: Wire,
  topic: string,
  partition: number,
  records: Buffer,
): Promise<{ errorCode: number; baseOffset: number; logStartOffset: number; errorMessage: string | null }> {
  const r = await wire.call(0, 9, true, (w) => {
    w.compactNullableString(null).int16(1).int32(5000);
    w.compactArrayLength(1).compactString(topic);
    w.compactArrayLength(1).int32(partition).compactNullableBytes(records).emptyTaggedFields();
    w.emptyTaggedFields();
    w.emptyTaggedFields();
  });
  assert.strictEqual(r.compactArrayLength(), 1);
  assert.strictEqual(r.compactString(), topic);
  assert.strictEqual(r.compactArrayLength(), 1);
  assert.strictEqual(r.int32(), partition);
  const errorCode = r.int16();
  const baseOffset = r.int64();
  r.int64(); // logAppendTimeMs
  const logStartOffset = r.int64();
  for (let n = r.compactArrayLength(); n > 0; n--) {
    r.int32();
    r.compactNullableString();
    r.skipTaggedFields();
  }
  const errorMessage = r.compactNullableString();
  r.skipTaggedFields();
  r.skipTaggedFields();
  r.int32(); // throttle
  r.skipTaggedFields();
  assertConsumed(r);
  return { errorCode, baseOffset, logStartOffset, errorMessage };
}

const oneRecordBatch = (producerId = -1, producerEpoch = -1, baseSequence = -1, key: string | null = 'k') =>
  encodeRecordBatch(
    [{ key: key === null ? null : Buffer.from(key), value: Buffer.from('v'), headers: [], timestamp: 1000 }],
    { producerId, producerEpoch, baseSequence, compression: 0 },
  );

describe('Produce API: an illegal topic name', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  it('answers the retriable UNKNOWN_TOPIC_OR_PARTITION, as Kafka does, naming why, and creates nothing', async () => {
    const part = await produceV9(wire, 'bad name!', 0, oneRecordBatch());
    assert.deepStrictEqual([part.errorCode, part.baseOffset, part.logStartOffset], [3, -1, -1]);
    assert.match(part.errorMessage ?? '', /there is no topic "bad name!" and there cannot be one/);
    assert.strictEqual(wire.broker.getTopic('bad name!'), undefined);
  });
});

describe('Produce API: a refused append reports the partition log start offset', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('moved', 1);
    for (let i = 0; i < 3; i++) assert.strictEqual((await produceV9(wire, 'moved', 0, oneRecordBatch())).errorCode, 0);
    wire.broker.deleteRecords('moved', 0, 2);
  });
  afterEach(() => wire.close());

  it('OUT_OF_ORDER_SEQUENCE_NUMBER after a sequence gap carries the moved log start offset (2), not -1', async () => {
    const { producerId, producerEpoch } = await wire.broker.initProducerId();
    const first = await produceV9(wire, 'moved', 0, oneRecordBatch(producerId, producerEpoch, 0));
    assert.deepStrictEqual([first.errorCode, first.baseOffset, first.logStartOffset], [0, 3, 2]);
    const gap = await produceV9(wire, 'moved', 0, oneRecordBatch(producerId, producerEpoch, 5));
    assert.deepStrictEqual([gap.errorCode, gap.baseOffset, gap.logStartOffset], [45, -1, 2]);
  });

  it('INVALID_RECORD (a keyless record on a compacted topic) carries the log start offset too', async () => {
    await wire.broker.alterTopicConfigs('moved', { 'cleanup.policy': 'compact' });
    const part = await produceV9(wire, 'moved', 0, oneRecordBatch(-1, -1, -1, null));
    assert.deepStrictEqual([part.errorCode, part.baseOffset, part.logStartOffset], [87, -1, 2]);
  });

  it('a batch that cannot be read (CRC mismatch) or a partition the topic lacks still answers -1, as Kafka does', async () => {
    const broken = oneRecordBatch();
    broken[broken.length - 1] ^= 0xff;
    const corrupt = await produceV9(wire, 'moved', 0, broken);
    assert.deepStrictEqual([corrupt.errorCode, corrupt.logStartOffset], [2, -1]);
    const missing = await produceV9(wire, 'moved', 7, oneRecordBatch());
    assert.deepStrictEqual([missing.errorCode, missing.logStartOffset], [3, -1]);
  });
});

/** The handler on a real broker: what each partition of a Produce request is answered, and what is logged. */
describe('Produce API: per-partition answers', () => {
  let dir: string;
  let broker: Broker;
  let logged: string[];
  let flushes: number;

  const open = async (autoCreateTopics = true) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-produce-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined, autoCreateTopics });
    broker.useTxnPartitionVerifier(null);
    const flush = broker.flush.bind(broker);
    broker.flush = () => {
      flushes++;
      return flush();
    };
    await broker.createTopic('p', 2);
  };
  beforeEach(async () => {
    logged = [];
    flushes = 0;
    await open();
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ctx = (apiVersion = 9): RequestContext => ({
    broker,
    cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
    apiVersion,
    clientId: 'producer-7',
    clientHost: '127.0.0.1',
    connectionId: 1,
    log: (level, message) => logged.push(`${level} ${message}`),
    onClose: () => () => undefined,
  });
  const send = async (
    topicData: { name: string; topicId?: Buffer; partitionData: { index: number; records: Buffer | null }[] }[],
    opts: { acks?: number; transactionalId?: string | null; apiVersion?: number } = {},
  ) =>
    produce.handle(ctx(opts.apiVersion), {
      transactionalId: opts.transactionalId ?? null,
      acks: opts.acks ?? 1,
      timeoutMs: 1000,
      topicData,
    });
  const answer = async (
    name: string,
    index: number,
    records: Buffer | null,
    opts: { acks?: number; transactionalId?: string | null } = {},
  ) => (await send([{ name, partitionData: [{ index, records }] }], opts))!.responses[0].partitionResponses[0];
  const summary = (p: {
    errorCode: number;
    baseOffset: number;
    logStartOffset: number;
    errorMessage: string | null;
  }) => [p.errorCode, p.baseOffset, p.logStartOffset];

  it('acks other than 0, 1 and -1 is INVALID_REQUIRED_ACKS for every partition, naming the value, and stores nothing', async () => {
    const resp = await send(
      [{ name: 'p', partitionData: [0, 1].map((index) => ({ index, records: oneRecordBatch() })) }],
      { acks: 2 },
    );
    for (const p of resp!.responses[0].partitionResponses) {
      assert.deepStrictEqual(summary(p), [21, -1, -1]);
      assert.strictEqual(p.errorMessage, 'acks must be 0, 1 or -1 (all), got 2');
    }
    assert.strictEqual(broker.partitionInfo('p', 0).logEndOffset, 0);
  });

  it('a transactional id without a transaction coordinator is INVALID_TXN_STATE saying so, even for a plain batch', async () => {
    const p = await answer('p', 0, oneRecordBatch(), { transactionalId: 'app' });
    assert.deepStrictEqual(summary(p), [48, -1, -1]);
    assert.strictEqual(p.errorMessage, 'transactions are not supported by Kafka Lite');
    assert.strictEqual(broker.partitionInfo('p', 0).logEndOffset, 0);
  });

  it('an unknown topic with auto-creation off is UNKNOWN_TOPIC_OR_PARTITION naming the topic', async () => {
    await broker.close();
    await open(false);
    const p = await answer('absent', 0, oneRecordBatch());
    assert.deepStrictEqual(summary(p), [3, -1, -1]);
    assert.strictEqual(p.errorMessage, 'there is no topic "absent"');
  });

  it('a topic the broker fails to create answers the failure code and message', async () => {
    broker.ensureTopic = () => Promise.reject(new KafkaError(ErrorCode.POLICY_VIOLATION, 'no new topics today'));
    const p = await answer('new-one', 0, oneRecordBatch());
    assert.deepStrictEqual(summary(p), [ErrorCode.POLICY_VIOLATION, -1, -1]);
    assert.strictEqual(p.errorMessage, 'no new topics today');
  });

  it('no record set, or an empty one, is CORRUPT_MESSAGE; an old message format (magic 1) is UNSUPPORTED_FOR_MESSAGE_FORMAT', async () => {
    for (const records of [null, Buffer.alloc(0)]) {
      const p = await answer('p', 0, records);
      assert.deepStrictEqual(summary(p), [2, -1, -1]);
      assert.strictEqual(p.errorMessage, 'the produce request carries no record batch for this partition');
    }
    const v1 = oneRecordBatch();
    v1[16] = 1;
    const old = await answer('p', 0, v1);
    assert.deepStrictEqual(summary(old), [43, -1, 0]);
    assert.match(
      old.errorMessage ?? '',
      /^message format magic 1 is not supported: .*record batch v2 \(magic 2\) only$/,
    );
    assert.strictEqual(broker.partitionInfo('p', 0).logEndOffset, 0);
  });

  it('a record set cut short is INVALID_RECORD with no log start offset; a whole but empty batch reaches the log and carries it', async () => {
    await broker.produce('p', [{ key: 'a', value: 'a' }], { partition: 0 });
    await broker.produce('p', [{ key: 'b', value: 'b' }], { partition: 0 });
    broker.deleteRecords('p', 0, 1);
    const batch = oneRecordBatch();
    for (const cut of [
      batch.subarray(0, 10),
      batch.subarray(0, 16),
      batch.subarray(0, 17),
      batch.subarray(0, batch.length - 1),
    ]) {
      const p = await answer('p', 0, cut);
      assert.deepStrictEqual(summary(p), [87, -1, -1], `${cut.length} of ${batch.length} bytes`);
      assert.strictEqual(
        p.errorMessage,
        `the record set (${cut.length} bytes) is cut short: it does not hold one whole record batch`,
      );
    }
    // A header-only batch (61 bytes, no records) is whole: the log refuses it, with the partition's log start.
    const empty = Buffer.from(batch.subarray(0, 61));
    empty.writeInt32BE(61 - 12, 8);
    empty.writeInt32BE(0, 57);
    empty.writeUInt32BE(computeBatchCrc(empty, 0, 61), 17);
    const refused = await answer('p', 0, empty);
    assert.deepStrictEqual(summary(refused), [87, -1, 1]);
    assert.match(refused.errorMessage ?? '', /at least one record/);
    assert.strictEqual(broker.partitionInfo('p', 0).logEndOffset, 2);
  });

  it('acks=0 gets no answer at all: its batch is stored, and a refused batch is not even logged', async () => {
    assert.strictEqual(
      await send([{ name: 'p', partitionData: [{ index: 0, records: oneRecordBatch() }] }], { acks: 0 }),
      null,
    );
    assert.strictEqual(broker.partitionInfo('p', 0).logEndOffset, 1, 'the fire-and-forget batch is stored');
    const broken = oneRecordBatch();
    broken[broken.length - 1] ^= 0xff;
    assert.strictEqual(await send([{ name: 'p', partitionData: [{ index: 1, records: broken }] }], { acks: 0 }), null);
    assert.deepStrictEqual(logged, []);
  });

  it('an unexpected engine failure creating the topic or appending answers -1 and logs one error naming it, no warning', async () => {
    broker.ensureTopic = () => Promise.reject(new Error('metadata store gone'));
    const created = await answer('new-one', 0, oneRecordBatch());
    assert.deepStrictEqual(summary(created), [-1, -1, -1]);
    assert.strictEqual(created.errorMessage, 'metadata store gone');
    assert.strictEqual(logged.length, 1);
    assert.match(logged[0], /^error Produce to "new-one": unexpected failure: Error: metadata store gone/);
    logged.length = 0;
    broker.appendRecordSet = () => {
      throw new Error('segment unwritable');
    };
    const appended = await answer('p', 0, oneRecordBatch());
    assert.deepStrictEqual([appended.errorCode, appended.errorMessage], [-1, 'segment unwritable']);
    assert.strictEqual(logged.length, 1, logged.join(' | '));
    assert.match(logged[0], /^error Produce to p-0: unexpected failure: Error: segment unwritable/);
  });

  it('a refused batch is logged once with the client, the partition, the code and why', async () => {
    const broken = oneRecordBatch();
    broken[broken.length - 1] ^= 0xff;
    const p = await answer('p', 1, broken);
    assert.strictEqual(p.errorCode, 2);
    assert.deepStrictEqual(logged, [`warn client producer-7: produce to p-1 rejected (2): ${p.errorMessage}`]);
    assert.match(p.errorMessage ?? '', /CRC-32C mismatch/);
  });

  it('acks=all waits for a flush only when something was appended: not for refusals or a retried duplicate', async () => {
    const { producerId, producerEpoch } = await broker.initProducerId();
    const batch = oneRecordBatch(producerId, producerEpoch, 0);
    assert.deepStrictEqual(summary(await answer('p', 0, batch, { acks: -1 })), [0, 0, 0]);
    assert.strictEqual(flushes, 1);
    assert.deepStrictEqual(summary(await answer('p', 0, batch, { acks: -1 })), [0, 0, 0], 'the retry is a duplicate');
    assert.strictEqual(await answer('p', 0, Buffer.alloc(0), { acks: -1 }).then((p) => p.errorCode), 2);
    assert.strictEqual(flushes, 1, 'neither the duplicate nor the refusal flushed');
  });

  it('v13: each topic id is answered in request order, an unknown id with UNKNOWN_TOPIC_ID and -1 offsets', async () => {
    await broker.createTopic('r', 1);
    const idOf = (name: string) => topicIdToBytes(broker.getTopic(name)!.topicId);
    const ghost = Buffer.from('cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', 'hex');
    const resp = await send(
      [
        { name: '', topicId: idOf('p'), partitionData: [{ index: 1, records: oneRecordBatch() }] },
        { name: '', topicId: ghost, partitionData: [{ index: 0, records: oneRecordBatch() }] },
        { name: '', topicId: idOf('r'), partitionData: [{ index: 0, records: oneRecordBatch() }] },
      ],
      { apiVersion: 13 },
    );
    assert.deepStrictEqual(
      resp!.responses.map((t) => [
        t.name,
        t.topicId?.toString('hex'),
        t.partitionResponses.map((p) => [p.index, p.errorCode, p.baseOffset, p.logAppendTimeMs, p.logStartOffset]),
      ]),
      [
        ['p', idOf('p').toString('hex'), [[1, 0, 0, -1, 0]]],
        ['', ghost.toString('hex'), [[0, 100, -1, -1, -1]]],
        ['r', idOf('r').toString('hex'), [[0, 0, 0, -1, 0]]],
      ],
    );
    assert.strictEqual(
      resp!.responses[1].partitionResponses[0].errorMessage,
      `there is no topic with id ${topicIdFromBytes(ghost)}`,
    );
  });
});
