import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { BatchHeader, ProducerStateManager } from '../../../../src/broker/api';
import { FakeClock } from '../../../../src/broker/clock';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import { incrementSequence, openProducerStateManager } from '../../../../src/broker/producers/producer-state';
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
