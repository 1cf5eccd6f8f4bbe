import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BatchHeader, ProducerStateManager } from '../../../../src/broker/api';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode, KafkaError, ShutdownIncompleteError } from '../../../../src/broker/errors';
import {
  incrementSequence,
  openProducerStateManager,
  PRODUCER_ID_MARGIN,
  readNextId,
} from '../../../../src/broker/producers/producer-state';
import { CONTROL_BIT, TRANSACTIONAL_BIT } from '../../../../src/broker/storage/record-batch';
import type { TopicInfo } from '../../../../src/broker/types';

/** A log of batch headers standing in for the storage engine (one topic "t" with 2 partitions). */
class FakeLogs {
  openedCleanly = true;
  readonly batches: BatchHeader[][] = [[], []];
  listTopics(): TopicInfo[] {
    return [{ name: 't', topicId: '', partitions: 2, configs: {}, createdAt: 0 }];
  }
  partitionInfo(topic: string, partition: number) {
    const list = this.batches[partition];
    const last = list[list.length - 1];
    return {
      topic,
      partition,
      logStartOffset: 0,
      logEndOffset: last ? last.baseOffset + last.lastOffsetDelta + 1 : 0,
      sizeBytes: 0,
      segmentCount: 1,
      lastTimestamp: -1,
    };
  }
  *scanBatchHeaders(_topic: string, partition: number, fromOffset: number): Iterable<BatchHeader> {
    for (const b of this.batches[partition]) if (b.baseOffset + b.lastOffsetDelta >= fromOffset) yield b;
  }
  append(partition: number, h: BatchHeader): number {
    const base = this.partitionInfo('t', partition).logEndOffset;
    this.batches[partition].push({ ...h, baseOffset: base });
    return base;
  }
}

function header(producerId: number, producerEpoch: number, baseSequence: number, recordCount: number): BatchHeader {
  return {
    position: 0,
    size: 100,
    baseOffset: 0,
    batchLength: 88,
    partitionLeaderEpoch: -1,
    magic: 2,
    crc: 0,
    lastOffsetDelta: recordCount - 1,
    recordCount,
    attributes: 0,
    firstTimestamp: 0,
    maxTimestamp: 0,
    producerId,
    producerEpoch,
    baseSequence,
  };
}

/** What the Broker does: check, append when new, record. */
function produce(m: ProducerStateManager, logs: FakeLogs, partition: number, h: BatchHeader) {
  const v = m.check('t', partition, h);
  if (v.kind === 'duplicate') return { duplicate: true, baseOffset: v.baseOffset, lastOffset: v.lastOffset };
  const base = logs.append(partition, h);
  m.record('t', partition, h, base);
  return { duplicate: false, baseOffset: base, lastOffset: base + h.lastOffsetDelta };
}

function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof KafkaError) return e.code;
    throw e;
  }
  return ErrorCode.NONE;
}

describe('idempotent producer state', () => {
  let dir: string;
  let logs: FakeLogs;
  let clock: FakeClock;
  const open = () => openProducerStateManager({ dir, clock, logs, logger: () => undefined });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-producers-'));
    logs = new FakeLogs();
    clock = new FakeClock();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('hands out producer ids that never repeat, also across restarts; a known id gets its epoch bumped', async () => {
    const a = await open();
    const p1 = await a.initProducerId(null);
    const p2 = await a.initProducerId(null);
    assert.deepStrictEqual([p1.producerEpoch, p2.producerEpoch], [0, 0]);
    assert.notStrictEqual(p1.producerId, p2.producerId);
    assert.deepStrictEqual(await a.initProducerId(null, p1), { producerId: p1.producerId, producerEpoch: 1 });
    // No clean close: the counter was written before the ids were handed out.
    const b = await open();
    const p3 = await b.initProducerId(null);
    assert.ok(p3.producerId > p2.producerId, `${p3.producerId} after ${p2.producerId}`);
    await b.close();
    await a.close();
  });

  it('refuses a transactional id with a clear error', async () => {
    const m = await open();
    await assert.rejects(
      m.initProducerId('tx-1'),
      (e: KafkaError) => e.code === ErrorCode.INVALID_REQUEST && /transactions are not supported/.test(e.message),
    );
    await m.close();
  });

  it('sequences start at 0 and grow by the record count; a retried batch is answered with its original offsets and stored once', async () => {
    const m = await open();
    const { producerId } = await m.initProducerId(null);
    assert.deepStrictEqual(produce(m, logs, 0, header(producerId, 0, 0, 3)), {
      duplicate: false,
      baseOffset: 0,
      lastOffset: 2,
    });
    assert.deepStrictEqual(produce(m, logs, 0, header(producerId, 0, 3, 2)), {
      duplicate: false,
      baseOffset: 3,
      lastOffset: 4,
    });
    assert.deepStrictEqual(produce(m, logs, 0, header(producerId, 0, 0, 3)), {
      duplicate: true,
      baseOffset: 0,
      lastOffset: 2,
    });
    assert.deepStrictEqual(produce(m, logs, 0, header(producerId, 0, 3, 2)), {
      duplicate: true,
      baseOffset: 3,
      lastOffset: 4,
    });
    assert.strictEqual(logs.batches[0].length, 2, 'retries appended nothing');
    const [s] = m.state('t', 0);
    assert.strictEqual(s.nextSequence, 5);
    assert.deepStrictEqual(
      s.batches.map((b) => [b.firstSequence, b.lastSequence, b.firstOffset, b.lastOffset]),
      [
        [0, 2, 0, 2],
        [3, 4, 3, 4],
      ],
    );
    assert.deepStrictEqual(m.state('t', 1), [], 'partitions are independent');
    await m.close();
  });

  it('only the last 5 batches are remembered: an older retry is out of order', async () => {
    const m = await open();
    for (let i = 0; i < 7; i++) produce(m, logs, 0, header(1, 0, i, 1));
    assert.strictEqual(m.state('t', 0)[0].batches.length, 5);
    assert.strictEqual(m.check('t', 0, header(1, 0, 2, 1)).kind, 'duplicate');
    assert.strictEqual(
      codeOf(() => m.check('t', 0, header(1, 0, 1, 1))),
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    await m.close();
  });

  it('a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER with expected vs got, and check() changes nothing', async () => {
    const m = await open();
    produce(m, logs, 0, header(1, 0, 0, 2));
    assert.throws(
      () => m.check('t', 0, header(1, 0, 5, 1)),
      (e: KafkaError) =>
        e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && /expected sequence 2, got 5/.test(e.message),
    );
    assert.strictEqual(m.state('t', 0)[0].nextSequence, 2);
    assert.strictEqual(produce(m, logs, 0, header(1, 0, 2, 1)).duplicate, false, 'the right sequence still goes in');
    await m.close();
  });

  it('a batch that overlaps a stored one without matching it exactly is out of order', async () => {
    const m = await open();
    produce(m, logs, 0, header(1, 0, 0, 3));
    assert.strictEqual(
      codeOf(() => m.check('t', 0, header(1, 0, 0, 2))),
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    await m.close();
  });

  // This test used to assert that a new producer must start at sequence 0 (base sequence 4 refused with
  // OUT_OF_ORDER_SEQUENCE_NUMBER). That was Kafka Lite's own rule, not Kafka's: Kafka accepts any first sequence
  // from a producer it has no state for (KIP-360), which the reference tier showed; the block "a producer with no
  // state on a partition" at the end of this file covers that rule. Sequence 0, what clients send, still appends.
  it('a new producer on a partition starting at sequence 0 is appended', async () => {
    const m = await open();
    assert.strictEqual(m.check('t', 0, header(9, 0, 0, 1)).kind, 'append');
    await m.close();
  });

  it('a stale epoch gets INVALID_PRODUCER_EPOCH; a new epoch must start at 0 and then fences the old one', async () => {
    const m = await open();
    produce(m, logs, 0, header(1, 0, 0, 2));
    assert.strictEqual(
      codeOf(() => m.check('t', 0, header(1, 1, 2, 1))),
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    produce(m, logs, 0, header(1, 1, 0, 1));
    assert.throws(
      () => m.check('t', 0, header(1, 0, 2, 1)),
      (e: KafkaError) => e.code === ErrorCode.INVALID_PRODUCER_EPOCH && /current epoch is 1/.test(e.message),
    );
    assert.strictEqual(
      codeOf(() => m.check('t', 0, header(1, 0, 0, 2))),
      ErrorCode.INVALID_PRODUCER_EPOCH,
      'even an old-epoch retry is fenced',
    );
    assert.strictEqual(m.state('t', 0)[0].producerEpoch, 1);
    await m.close();
  });

  it('sequences wrap after int32 max', async () => {
    assert.strictEqual(incrementSequence(2147483646, 1), 2147483647);
    assert.strictEqual(incrementSequence(2147483647, 1), 0);
    assert.strictEqual(incrementSequence(2147483640, 10), 2);
  });

  it('after a clean restart a retry of the last batch is still recognised (snapshot)', async () => {
    const m = await open();
    produce(m, logs, 1, header(4, 0, 0, 2));
    produce(m, logs, 1, header(4, 0, 2, 3));
    await m.close();
    assert.ok(fs.existsSync(path.join(dir, 'producer-state.json')));
    const again = await open();
    assert.deepStrictEqual(produce(again, logs, 1, header(4, 0, 2, 3)), {
      duplicate: true,
      baseOffset: 2,
      lastOffset: 4,
    });
    assert.strictEqual(produce(again, logs, 1, header(4, 0, 5, 1)).baseOffset, 5);
    await again.close();
  });

  it('after an unclean shutdown the window is rebuilt from the log past the last snapshot', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 1));
    await m.snapshot();
    produce(m, logs, 0, header(4, 0, 1, 2)); // after the snapshot: only in the log
    produce(m, logs, 0, header(5, 0, 0, 1));
    // crash: no close
    logs.openedCleanly = false;
    const again = await open();
    assert.deepStrictEqual(produce(again, logs, 0, header(4, 0, 1, 2)), {
      duplicate: true,
      baseOffset: 1,
      lastOffset: 2,
    });
    assert.deepStrictEqual(produce(again, logs, 0, header(5, 0, 0, 1)), {
      duplicate: true,
      baseOffset: 3,
      lastOffset: 3,
    });
    assert.strictEqual(
      codeOf(() => again.check('t', 0, header(4, 0, 7, 1))),
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    assert.strictEqual(logs.batches[0].length, 3);
    await again.close();
  });

  it('after a crash, a one-record batch sitting exactly at the snapshot offset is rebuilt: its retry is a duplicate', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 2)); // offsets 0..1
    await m.snapshot(); // the snapshot saw log end 2
    const stored = produce(m, logs, 0, header(4, 0, 2, 1)); // one record at exactly offset 2
    assert.strictEqual(stored.baseOffset, 2);
    // crash: no close, so the window in memory is lost
    logs.openedCleanly = false;
    const again = await open();
    assert.deepStrictEqual(produce(again, logs, 0, header(4, 0, 2, 1)), {
      duplicate: true,
      baseOffset: 2,
      lastOffset: 2,
    });
    assert.strictEqual(logs.batches[0].length, 2, 'the retried batch is not stored a second time');
    assert.strictEqual(produce(again, logs, 0, header(4, 0, 3, 1)).baseOffset, 3, 'the next sequence is 3');
    await again.close();
  });

  it('with no snapshot at all (crash before the first one) the window is rebuilt from the start of the log', async () => {
    const m = await open();
    produce(m, logs, 0, header(8, 2, 0, 4));
    logs.openedCleanly = false;
    const again = await open();
    assert.deepStrictEqual(again.state('t', 0), [
      {
        producerId: 8,
        producerEpoch: 2,
        nextSequence: 4,
        batches: [{ firstSequence: 0, lastSequence: 3, firstOffset: 0, lastOffset: 3 }],
        lastTimestamp: 0,
      },
    ]);
    await again.close();
    void m;
  });

  it('batches a recovery cut from the log are forgotten, so the producer can write them again', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 1));
    produce(m, logs, 0, header(4, 0, 1, 1));
    await m.snapshot();
    logs.batches[0].pop(); // the torn tail is truncated on open
    logs.openedCleanly = false;
    const again = await open();
    assert.strictEqual(again.check('t', 0, header(4, 0, 1, 1)).kind, 'append');
    await again.close();
  });

  it('deleting a topic drops its producer state; a periodic snapshot is written on the clock', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 1));
    assert.ok(!fs.existsSync(path.join(dir, 'producer-state.json')));
    clock.advance(30_000);
    await new Promise((r) => setImmediate(r));
    assert.ok(fs.existsSync(path.join(dir, 'producer-state.json')), 'snapshot after 30 s');
    m.deleteTopic('t');
    assert.deepStrictEqual(m.state('t', 0), []);
    await m.close();
    assert.strictEqual(clock.pendingTimers(), 0, 'close stops the snapshot timer');
  });
});

describe('idempotent producer state: a damaged producer-ids.json never hands out an id in use', () => {
  let dir: string;
  let logs: FakeLogs;
  let clock: FakeClock;
  let warnings: string[];
  const open = () =>
    openProducerStateManager({ dir, clock, logs, logger: (level, m) => level === 'warn' && warnings.push(m) });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-producer-ids-'));
    logs = new FakeLogs();
    clock = new FakeClock();
    warnings = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** Three producers; the last one wrote 3 batches to partition 0. Returns its id. */
  async function producersThenClose(clean: boolean): Promise<number> {
    const a = await open();
    await a.initProducerId(null);
    await a.initProducerId(null);
    const { producerId } = await a.initProducerId(null);
    for (let seq = 0; seq < 9; seq += 3) produce(a, logs, 0, header(producerId, 0, seq, 3));
    if (clean) await a.close();
    else logs.openedCleanly = false;
    return producerId;
  }

  for (const [what, damage] of [
    ['invalid JSON', (f: string) => fs.writeFileSync(f, '{"nextProducerId":3')],
    ['a flipped byte', (f: string) => fs.writeFileSync(f, fs.readFileSync(f).toString().replace('3', '\u00b3'))],
    ['deleted', (f: string) => fs.rmSync(f)],
  ] as const) {
    for (const clean of [true, false]) {
      it(`producer-ids.json ${what} (${clean ? 'clean' : 'unclean'} shutdown): the next producer gets an unused id and its first batch is accepted`, async () => {
        const old = await producersThenClose(clean);
        const file = path.join(dir, 'producer-ids.json');
        const before = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
        damage(file);
        const damaged = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
        const b = await open();
        const fresh = await b.initProducerId(null);
        assert.ok(fresh.producerId > old, `new id ${fresh.producerId} must be above the ${old} in use`);
        assert.strictEqual(
          codeOf(() => b.check('t', 0, header(fresh.producerId, 0, 0, 1))),
          ErrorCode.NONE,
        );
        assert.strictEqual(produce(b, logs, 0, header(fresh.producerId, 0, 0, 1)).duplicate, false);
        // The old producer goes on where it was.
        assert.strictEqual(
          codeOf(() => b.check('t', 0, header(old, 0, 9, 1))),
          ErrorCode.NONE,
        );
        assert.match(warnings.join('\n'), /producer-ids\.json is (missing|unreadable).*producer ids continue at \d+/);
        if (what !== 'deleted') {
          const copies = fs.readdirSync(dir).filter((f) => f.startsWith('producer-ids.json.corrupt-'));
          assert.strictEqual(copies.length, 1);
          assert.deepStrictEqual(fs.readFileSync(path.join(dir, copies[0])), damaged);
          assert.notDeepStrictEqual(damaged, before);
        }
        await b.close();
        // The recovered counter was stored: ids keep growing after the next restart.
        const c = await open();
        assert.ok((await c.initProducerId(null)).producerId > fresh.producerId);
        await c.close();
      });
    }
  }

  it('a fresh directory without producer-ids.json starts at id 0 and says nothing', async () => {
    const a = await open();
    assert.strictEqual((await a.initProducerId(null)).producerId, 0);
    assert.deepStrictEqual(warnings, []);
    await a.close();
  });
});

describe('idempotent producer state: a producer with no state on a partition (KIP-360)', () => {
  let dir: string;
  let logs: FakeLogs;
  const open = () => openProducerStateManager({ dir, clock: new FakeClock(), logs, logger: () => undefined });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-producers-kip360-'));
    logs = new FakeLogs();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('may start at any sequence, as in Kafka; its window starts there and a later gap is still refused', async () => {
    const m = await open();
    const first = produce(m, logs, 0, header(9, 0, 4, 2));
    assert.deepStrictEqual(first, { duplicate: false, baseOffset: 0, lastOffset: 1 }, 'sequences 4-5 appended');
    assert.deepStrictEqual(produce(m, logs, 0, header(9, 0, 4, 2)), { ...first, duplicate: true }, 'a retry');
    assert.strictEqual(produce(m, logs, 0, header(9, 0, 6, 1)).duplicate, false, 'the next sequence (6)');
    assert.throws(
      () => m.check('t', 0, header(9, 0, 8, 1)),
      (e: KafkaError) =>
        e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER && /expected sequence 7, got 8/.test(e.message),
      'a gap after known state is OUT_OF_ORDER_SEQUENCE_NUMBER',
    );
    await m.close();
  });

  it('state on another partition does not count: a first batch at sequence 7 on partition 1 is appended', async () => {
    const m = await open();
    produce(m, logs, 0, header(3, 0, 0, 5));
    assert.strictEqual(m.check('t', 1, header(3, 0, 7, 1)).kind, 'append');
    await m.close();
  });

  it('a producer whose batches a recovery cut from the log goes on at its next sequence', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 1));
    await m.snapshot();
    logs.batches[0].pop(); // the only batch was torn and is truncated on open
    logs.openedCleanly = false;
    const again = await open();
    assert.strictEqual(again.check('t', 0, header(4, 0, 1, 1)).kind, 'append');
    await again.close();
    await m.close();
  });
});

describe('idempotent producer state: the rules at their edges', () => {
  let dir: string;
  let logs: FakeLogs;
  let clock: FakeClock;
  let logged: string[];
  const open = () =>
    openProducerStateManager({ dir, clock, logs, logger: (level, message) => logged.push(`${level} ${message}`) });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-producers-edge-'));
    logs = new FakeLogs();
    clock = new FakeClock();
    logged = [];
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const messageOf = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return `${(e as KafkaError).code} ${(e as Error).message}`;
    }
    return 'accepted';
  };
  const txn = (h: BatchHeader): BatchHeader => ({ ...h, attributes: TRANSACTIONAL_BIT });
  const marker = (producerId: number, producerEpoch: number): BatchHeader => ({
    ...header(producerId, producerEpoch, -1, 1),
    attributes: TRANSACTIONAL_BIT | CONTROL_BIT,
  });

  it('reads producer-ids.json strictly: a non-negative integer, else it says what is wrong', () => {
    const file = path.join(dir, 'ids.json');
    assert.strictEqual(readNextId(file), 'missing');
    const read = (text: string) => {
      fs.writeFileSync(file, text);
      return readNextId(file);
    };
    assert.strictEqual(read('{"nextProducerId":5}'), 5);
    assert.strictEqual(read('{"nextProducerId":0}'), 0);
    for (const bad of ['{"nextProducerId":-1}', '{"nextProducerId":1.5}', '{"nextProducerId":"5"}', 'null', '{}'])
      assert.deepStrictEqual(read(bad), { problem: 'no non-negative integer nextProducerId' }, bad);
    assert.match((read('{nope') as { problem: string }).problem, /^invalid JSON \(.+\)$/);
  });

  it('an empty transactional id is no transactional id; an epoch is bumped only for a known id below the last epoch', async () => {
    const m = await open();
    const p = await m.initProducerId('');
    assert.deepStrictEqual(p, { producerId: 0, producerEpoch: 0 });
    assert.deepStrictEqual(await m.initProducerId(null, { producerId: 0, producerEpoch: 32765 }), {
      producerId: 0,
      producerEpoch: 32766,
    });
    // the last epoch (a new id instead of wrapping), the next id (not handed out yet), negative id or epoch
    const answers = [];
    for (const current of [
      { producerId: 0, producerEpoch: 32766 },
      { producerId: 2, producerEpoch: 0 },
      { producerId: -1, producerEpoch: 0 },
      { producerId: 0, producerEpoch: -1 },
    ])
      answers.push(await m.initProducerId(null, current));
    assert.deepStrictEqual(answers, [
      { producerId: 1, producerEpoch: 0 },
      { producerId: 2, producerEpoch: 0 },
      { producerId: 3, producerEpoch: 0 },
      { producerId: 4, producerEpoch: 0 },
    ]);
    await assert.rejects(m.initProducerId('app'), /transactional id "app"/);
    await m.close();
  });

  it('a negative epoch or base sequence is refused naming the producer and the partition', async () => {
    const m = await open();
    assert.strictEqual(
      messageOf(() => m.check('t', 1, header(4, -1, 0, 1))),
      `${ErrorCode.INVALID_PRODUCER_EPOCH} producer 4 sent epoch -1 to t-1; an idempotent batch needs an epoch >= 0`,
    );
    assert.strictEqual(
      messageOf(() => m.check('t', 1, header(4, 0, -2, 1))),
      `${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER} producer 4 sent base sequence -2 to t-1; sequences start at 0`,
    );
    produce(m, logs, 0, header(4, 0, 0, 1));
    assert.strictEqual(
      messageOf(() => m.check('t', 0, header(4, 1, 3, 1))),
      `${ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER} producer 4 moved to epoch 1 on t-0: a new epoch must start at sequence 0, got 3`,
    );
    await m.close();
  });

  it('a batch ending where a stored one ends but starting elsewhere is out of order, not a duplicate', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 3));
    assert.strictEqual(
      codeOf(() => m.check('t', 0, header(4, 0, 1, 2))),
      ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
    );
    await m.close();
  });

  it('plain batches (producer id -1) leave no producer state, also when the log is scanned after a crash', async () => {
    const m = await open();
    m.record('t', 0, header(-1, -1, -1, 1), logs.append(0, header(-1, -1, -1, 1)));
    assert.deepStrictEqual(m.state('t', 0), []);
    logs.openedCleanly = false;
    const again = await open();
    assert.deepStrictEqual(again.state('t', 0), []);
    await again.close();
    await m.close();
  });

  it('state lists producers by id; open transactions are listed oldest first and the earliest holds the partition', async () => {
    const m = await open();
    produce(m, logs, 0, header(9, 0, 0, 1)); // offset 0, plain: producer 9 is known first
    produce(m, logs, 0, txn(header(3, 0, 0, 1))); // offset 1: producer 3's transaction
    produce(m, logs, 0, txn(header(9, 0, 1, 1))); // offset 2: producer 9's transaction
    assert.deepStrictEqual(
      m.state('t', 0).map((s) => [s.producerId, s.nextSequence, s.currentTxnStartOffset]),
      [
        [3, 1, 1],
        [9, 2, 2],
      ],
    );
    assert.deepStrictEqual(m.openTransactions('t', 0), [
      { producerId: 3, producerEpoch: 0, firstOffset: 1 },
      { producerId: 9, producerEpoch: 0, firstOffset: 2 },
    ]);
    assert.strictEqual(m.firstUnstableOffset('t', 0), 1);
    assert.strictEqual(
      messageOf(() => m.check('t', 0, header(9, 0, 2, 1))),
      `${ErrorCode.INVALID_TXN_STATE} producer 9 has a transaction open on t-0 since offset 2: a non-transactional batch is refused until it ends`,
    );
    await m.close();
  });

  it('a marker of the same epoch keeps the window (a retry is still a duplicate); a stale epoch after a marker is refused', async () => {
    const m = await open();
    const first = txn(header(5, 2, 0, 1));
    produce(m, logs, 0, first);
    m.record('t', 0, marker(5, 2), logs.append(0, marker(5, 2)));
    assert.strictEqual(m.check('t', 0, first).kind, 'duplicate');
    // a marker alone (no batch of the producer on the partition) still fixes its epoch there
    m.record('t', 1, marker(6, 3), logs.append(1, marker(6, 3)));
    assert.strictEqual(
      codeOf(() => m.check('t', 1, header(6, 2, 0, 1))),
      ErrorCode.INVALID_PRODUCER_EPOCH,
    );
    assert.strictEqual(m.check('t', 1, header(6, 3, 7, 1)).kind, 'append', 'the same epoch may start anywhere');
    assert.match(
      messageOf(() => m.checkTxnMarker('t', 1, 6, 2)),
      /a transaction marker for producer 6 with epoch 2 was refused on t-1: the producer's epoch there is already 3/,
    );
    await m.close();
  });

  it('after losing producer-ids.json the next id is past every id in the log and the snapshot counter, plus the margin', async () => {
    logs.batches[0].push({ ...header(41, 0, 0, 1), baseOffset: 0 });
    logs.batches[1].push({ ...header(7, 0, 0, 1), baseOffset: 0 }); // the last one scanned is not the highest
    // a clean snapshot that knows no producer: only the scan of the log finds 41
    fs.writeFileSync(path.join(dir, 'producer-state.json'), JSON.stringify({ version: 1, partitions: [] }));
    const m = await open();
    assert.strictEqual((await m.initProducerId(null)).producerId, 42 + PRODUCER_ID_MARGIN);
    await m.close();
    fs.rmSync(path.join(dir, 'producer-ids.json'));
    fs.writeFileSync(
      path.join(dir, 'producer-state.json'),
      JSON.stringify({ version: 1, nextProducerId: 5000, partitions: [] }),
    );
    const n = await open();
    assert.strictEqual((await n.initProducerId(null)).producerId, 5000 + PRODUCER_ID_MARGIN, 'the counter is higher');
    await n.close();
  });

  it('a snapshot naming a topic or partition that no longer exists is skipped', async () => {
    fs.writeFileSync(
      path.join(dir, 'producer-state.json'),
      JSON.stringify({
        version: 1,
        partitions: [
          {
            topic: 'gone',
            partition: 0,
            logEndOffset: 5,
            producers: [{ producerId: 1, producerEpoch: 0, batches: [] }],
          },
          { topic: 't', partition: 2, logEndOffset: 5, producers: [{ producerId: 1, producerEpoch: 0, batches: [] }] },
        ],
      }),
    );
    const m = await open();
    assert.deepStrictEqual([m.state('gone', 0), m.state('t', 2)], [[], []]);
    await m.close();
  });

  it('an unreadable snapshot is reported and the windows are rebuilt from the log', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 2));
    await m.close();
    fs.writeFileSync(path.join(dir, 'producer-state.json'), '{ torn');
    const again = await open();
    assert.ok(
      logged.some((l) =>
        /^warn producer state .*producer-state\.json cannot be read: .*rebuilt from the whole log$/.test(l),
      ),
      logged.join('\n'),
    );
    assert.strictEqual(again.check('t', 0, header(4, 0, 0, 2)).kind, 'duplicate');
    await again.close();
  });

  it('a close whose first snapshot cannot be written (none existed) still reports the state as rebuilt next time', async () => {
    const m = await open();
    fs.mkdirSync(path.join(dir, 'producer-state.json.tmp'));
    await assert.rejects(m.close(), ShutdownIncompleteError);
  });

  it('a snapshot that cannot be written at close is removed, and close says the state is rebuilt on the next start', async () => {
    const m = await open();
    produce(m, logs, 0, header(4, 0, 0, 1));
    await m.snapshot();
    assert.ok(fs.existsSync(path.join(dir, 'producer-state.json')));
    fs.mkdirSync(path.join(dir, 'producer-state.json.tmp')); // the write of the new snapshot fails
    await assert.rejects(
      m.close(),
      (e: unknown) =>
        e instanceof ShutdownIncompleteError &&
        e.logIntact &&
        /^the producer state snapshot \(.+; rebuilt from the log on the next start\)$/.test(e.notWritten[0]),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'producer-state.json')), 'the older snapshot is not left to be trusted');
  });
});
