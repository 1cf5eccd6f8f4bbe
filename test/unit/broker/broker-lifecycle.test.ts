// The Broker facade's lifecycle and wiring (src/broker/broker.ts): open creates the data dir's meta directory,
// recovery truncations are reported on `recoveries` (and only those), the logger and the 'log' event both get the
// engine's messages, `on` returns a working unsubscribe, topics by id follow creation and deletion, auto-creation
// (shared, raced with an explicit create, refused for a bad name, redone after a delete), the transaction
// coordinator's partition check, and close: idempotent, everything written and read back after a reopen, every
// call refused afterwards, and a part that cannot be written named in ShutdownIncompleteError while the rest
// still closes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { FakeClock } from '../../../src/broker/clock';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from '../../../src/broker/errors';
import { crash } from './storage/txn-helpers';

const kafkaError = (code: ErrorCode, message: RegExp) => (e: unknown) => {
  assert.ok(e instanceof KafkaError, `a KafkaError, got ${String(e)}`);
  assert.strictEqual(e.code, code, e.message);
  assert.match(e.message, message);
  return true;
};

describe('Broker: lifecycle and wiring', () => {
  let root: string;
  let dir: string;
  let clock: FakeClock;
  const open: Broker[] = [];
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-broker-life-'));
    dir = path.join(root, 'data');
    clock = new FakeClock(1_000_000);
  });
  afterEach(async () => {
    for (const b of open.splice(0)) await b.close().catch(() => undefined);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const start = async (logs: string[] = []) => {
    const b = await Broker.open({ dataDir: dir, clock, logger: (level, m) => logs.push(`${level}: ${m}`) });
    open.push(b);
    return b;
  };

  it('open creates the data dir with its meta directory', async () => {
    await start();
    assert.ok(fs.statSync(path.join(dir, 'meta')).isDirectory());
  });

  it('recoveries lists the truncations recovery made on open, and nothing else the broker emits later', async () => {
    const first = await start();
    await first.createTopic('t', 1);
    await first.produce('t', [{ value: 'kept' }]);
    await first.flush();
    assert.deepStrictEqual(first.recoveries, [], 'a fresh data dir needs no recovery');
    await crash(first);
    const file = path.join(dir, 'topics', 't-0', `${'0'.padStart(20, '0')}.log`);
    fs.appendFileSync(file, Buffer.from([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 40, 1, 2, 3]));
    const second = await start();
    assert.deepStrictEqual(
      second.recoveries.map((r) => [r.topic, r.partition, r.bytes]),
      [['t', 0, 15]],
    );
    await second.produce('t', [{ value: 'after' }]);
    await second.createTopic('u', 1);
    assert.strictEqual(second.recoveries.length, 1, 'later events are not recoveries');
    assert.deepStrictEqual(
      second.readRecords('t', 0, 0, 10).map((r) => r.value?.toString()),
      ['kept', 'after'],
    );
  });

  it("the engine's messages reach both the logger option and the 'log' event; on() returns an unsubscribe", async () => {
    const logs: string[] = [];
    const b = await start(logs);
    const events: { level: string; message: string }[] = [];
    const off = b.on('log', (e) => events.push(e));
    await b.createTopic('t', 1);
    const joining = b.joinGroup({
      groupId: 'g',
      memberId: '',
      groupInstanceId: null,
      sessionTimeoutMs: 30000,
      rebalanceTimeoutMs: 30000,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      clientId: 'c',
      clientHost: '127.0.0.1',
      requireKnownMemberId: false,
    });
    clock.advance(0);
    await joining;
    const rebalancing = events.filter((e) => /group "g" is rebalancing/.test(e.message));
    assert.strictEqual(rebalancing.length, 1, JSON.stringify(events));
    assert.strictEqual(rebalancing[0].level, 'info');
    assert.ok(logs.includes(`info: ${rebalancing[0].message}`), logs.join('\n'));
    off();
    const before = events.length;
    const appends: number[] = [];
    b.on('append', (e) => appends.push(e.logEndOffset));
    await b.deleteTopic('t');
    await b.produce('t2', [{ value: 'x' }]);
    assert.strictEqual(events.length, before, 'no event after unsubscribing');
    assert.deepStrictEqual(appends, [1]);
  });

  it('getTopicById finds topics created after the first lookup, never a deleted one', async () => {
    const b = await start();
    const a = await b.createTopic('a', 1);
    assert.strictEqual(b.getTopicById(a.topicId)?.name, 'a');
    const c = await b.createTopic('c', 1);
    assert.strictEqual(b.getTopicById(c.topicId)?.name, 'c');
    await b.deleteTopic('a');
    assert.strictEqual(b.getTopicById(a.topicId), undefined);
    const again = await b.createTopic('a', 1);
    assert.notStrictEqual(again.topicId, a.topicId);
    assert.strictEqual(b.getTopicById(a.topicId), undefined, 'the old id is not the new topic of the same name');
    assert.strictEqual(b.getTopicById(again.topicId)?.name, 'a');
  });

  it('auto-creation: shared by callers, raced by an explicit create, refused for a bad name, redone after a delete', async () => {
    const b = await start();
    const [x, y] = await Promise.all([b.ensureTopic('shared'), b.ensureTopic('shared')]);
    assert.strictEqual(x?.topicId, y?.topicId);
    // an auto-creation asked while an explicit CreateTopics runs waits for it and gets that topic
    const [made, ensured] = await Promise.all([b.createTopic('raced', 3), b.ensureTopic('raced')]);
    assert.strictEqual(ensured?.topicId, made.topicId);
    assert.strictEqual(ensured?.partitions, 3);
    // and one asked while a refused explicit create runs still creates the topic with the defaults
    const [refused, fallback] = await Promise.allSettled([
      b.createTopic('refused', 1, { 'cleanup.policy': 'sideways' }),
      b.ensureTopic('refused'),
    ]);
    assert.strictEqual(refused.status, 'rejected');
    assert.strictEqual(fallback.status === 'fulfilled' && fallback.value?.partitions, 1);
    assert.strictEqual(b.getTopic('refused')?.configs['cleanup.policy'], undefined);
    await assert.rejects(b.ensureTopic('bad name!'), (e: unknown) => {
      assert.ok(e instanceof KafkaError);
      assert.strictEqual(e.code, ErrorCode.INVALID_TOPIC_EXCEPTION, e.message);
      return true;
    });
    await b.produce('auto', [{ value: 'x' }]);
    await b.deleteTopic('auto');
    const again = await b.ensureTopic('auto');
    assert.ok(again && b.getTopic('auto'), 'auto-created again after the delete');
    assert.strictEqual(b.partitionInfo('auto', 0).logEndOffset, 0);
  });

  it('partitions() lists every partition of a topic; an unknown topic is named', async () => {
    const b = await start();
    await b.createTopic('t', 3);
    await b.produce('t', [{ value: 'x' }], { partition: 1 });
    assert.deepStrictEqual(
      b.partitions('t').map((p) => [p.partition, p.logEndOffset, p.lastStableOffset]),
      [
        [0, 0, 0],
        [1, 1, 1],
        [2, 0, 0],
      ],
    );
    assert.throws(
      () => b.partitions('nope'),
      kafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, /^there is no topic "nope"$/),
    );
  });

  it("AddPartitionsToTxn: the coordinator knows which partitions exist (the topic's range only)", async () => {
    const b = await start();
    await b.createTopic('t', 2);
    const p = await b.initProducerId('tx', undefined, 30000);
    const got = await b.addPartitionsToTxn('tx', p.producerId, p.producerEpoch, [
      { topic: 't', partition: -1 },
      { topic: 't', partition: 2 },
      { topic: 'nope', partition: 0 },
    ]);
    assert.ok(
      got.every((r) => r.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      JSON.stringify(got),
    );
    const ok = await b.addPartitionsToTxn('tx', p.producerId, p.producerEpoch, [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    assert.deepStrictEqual(
      ok.map((r) => r.errorCode),
      [0, 0],
    );
  });

  it('close writes everything (records, offsets, producer state) so a reopen reads it back; a second close is a no-op', async () => {
    const b = await start();
    await b.createTopic('t', 1);
    const p = await b.initProducerId();
    const producer = { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 };
    await b.produce('t', [{ value: 'a' }], { producer });
    await b.commitOffsets('g', '', -1, [{ topic: 't', partition: 0, offset: 1, metadata: 'm' }]);
    let appends = 0;
    b.on('append', () => appends++);
    await b.close();
    assert.strictEqual(b.isClosed, true);
    await b.close();
    assert.strictEqual(b.events.listenerCount('append'), 0, 'close drops the listeners');
    const again = await start();
    assert.deepStrictEqual(again.recoveries, []);
    assert.deepStrictEqual(
      again.readRecords('t', 0, 0, 10).map((r) => r.value?.toString()),
      ['a'],
    );
    assert.strictEqual(again.fetchOffsets('g', null)[0].offset, 1);
    const retry = await again.produce('t', [{ value: 'a' }], { producer });
    assert.strictEqual(retry.duplicate, true, 'the producer state was written at close');
    assert.deepStrictEqual(
      again.producerState('t', 0).map((s) => s.producerId),
      [p.producerId],
    );
    assert.strictEqual(appends, 0);
  });

  it('a closed broker refuses calls with KAFKA_STORAGE_ERROR "the broker is closed"', async () => {
    const b = await start();
    await b.createTopic('t', 1);
    await b.close();
    const closed = kafkaError(ErrorCode.KAFKA_STORAGE_ERROR, /^the broker is closed$/);
    await assert.rejects(b.createTopic('u', 1), closed);
    await assert.rejects(b.deleteTopic('t'), closed);
    assert.throws(() => b.initProducerId(), closed);
    assert.throws(() => b.appendRecordSet('t', 0, Buffer.alloc(0)), closed);
  });

  it('a part that cannot be written at close is named in ShutdownIncompleteError; the log still closes intact', async () => {
    const b = await start();
    await b.createTopic('t', 1);
    const p = await b.initProducerId();
    await b.produce('t', [{ value: 'a' }], { producer: { ...p, baseSequence: 0 } });
    // the meta directory becomes a file: nothing can be written below it any more
    const meta = path.join(dir, 'meta');
    const moved = path.join(root, 'meta-moved');
    fs.renameSync(meta, moved);
    fs.writeFileSync(meta, 'not a directory');
    let err: unknown;
    try {
      await b.close();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ShutdownIncompleteError, `ShutdownIncompleteError, got ${String(err)}`);
    assert.strictEqual(err.logIntact, true);
    assert.ok(
      err.notWritten.some((n) => /^the producer state \(.+\)$/.test(n)),
      err.notWritten.join('; '),
    );
    assert.ok(!err.notWritten.some((n) => n.startsWith('the log')), err.notWritten.join('; '));
    assert.strictEqual(b.isClosed, true);
    fs.rmSync(meta);
    fs.renameSync(moved, meta);
    const again = await start();
    assert.deepStrictEqual(again.recoveries, [], 'the log closed cleanly');
    assert.deepStrictEqual(
      again.readRecords('t', 0, 0, 10).map((r) => r.value?.toString()),
      ['a'],
    );
  });
});
