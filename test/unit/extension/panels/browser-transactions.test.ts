/**
 * The record browser and transactions, on a real broker with its transaction coordinator: COMMIT / ABORT markers
 * are rows of their own, records of an aborted transaction carry "aborted by producer N, epoch E", records of a
 * transaction still open say so, and read_committed stops at the last stable offset, hides aborted records and
 * markers, and says where it stopped and how much is held back.
 */
import * as assert from 'assert';
import type { Broker } from '../../../../src/broker/broker';
import { BrowserController } from '../../../../src/extension/panels/browser-controller';
import type { BrowserSnapshot, RecordRow } from '../../../../src/shared/browser-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

/** One transaction of `id` on partition 0 of `topic`: its values, then COMMIT (true), ABORT (false) or none (null). */
async function transaction(
  broker: Broker,
  id: string,
  topic: string,
  values: string[],
  end: boolean | null,
): Promise<{ producerId: number; producerEpoch: number }> {
  const p = await broker.initProducerId(id, undefined, 60_000);
  await broker.addPartitionsToTxn(id, p.producerId, p.producerEpoch, [{ topic, partition: 0 }]);
  await broker.produce(
    topic,
    values.map((v) => ({ key: `k-${v}`, value: v })),
    {
      partition: 0,
      producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 },
      transactionalId: id,
    },
  );
  if (end !== null) await broker.endTxn(id, p.producerId, p.producerEpoch, end);
  return { producerId: p.producerId, producerEpoch: p.producerEpoch };
}

const shown = (rows: RecordRow[]) =>
  rows.map((r) =>
    r.marker ? `${r.offset}:${r.marker.type}` : `${r.offset}:${r.value}${r.txn ? `(${r.txn.state})` : ''}`,
  );

describe('record browser: transactions', () => {
  let fx: Fixture;
  let posted: Posted<BrowserSnapshot>;
  let ctl: BrowserController;
  let id = 1;
  const open = async (topic = 'pay') => {
    const rid = id++;
    await ctl.handle({
      type: 'open',
      id: rid,
      topic,
      partition: 0,
      seek: { kind: 'beginning' },
      filter: { text: '', regex: false, field: 'any' },
      tail: false,
    });
    assert.ok(posted.reply(rid).ok, JSON.stringify(posted.reply(rid)));
    return posted.snapshot();
  };
  const isolate = async (isolation: string) => {
    const rid = id++;
    await ctl.handle({ type: 'setIsolation', id: rid, isolation });
    return { reply: posted.reply(rid), snap: posted.snapshot() };
  };

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('pay', 1);
    posted = new Posted<BrowserSnapshot>();
    ctl = new BrowserController({ getBroker: () => fx.broker, post: posted.post });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it('shows COMMIT and ABORT markers as rows with producer id and epoch, and greys the aborted records with who aborted them', async () => {
    const committed = await transaction(fx.broker, 'good', 'pay', ['c1', 'c2'], true);
    const aborted = await transaction(fx.broker, 'bad', 'pay', ['a1'], false);
    const s = await open();
    assert.deepStrictEqual(shown(s.rows), ['0:c1', '1:c2', '2:COMMIT', '3:a1(aborted)', '4:ABORT']);
    assert.deepStrictEqual(s.rows[2].marker, { type: 'COMMIT', ...committed });
    assert.deepStrictEqual(s.rows[4].marker, { type: 'ABORT', ...aborted });
    assert.strictEqual(
      s.rows[3].txn?.caption,
      `aborted by producer ${aborted.producerId}, epoch ${aborted.producerEpoch}`,
    );
    assert.strictEqual(s.rows[0].txn, undefined, 'a committed record has no transaction caption');
    assert.strictEqual(s.isolation, 'read_uncommitted');
    assert.strictEqual(s.stableNote, null, 'no transaction is open');
  });

  it('read_committed hides aborted records and markers; switching back shows them again', async () => {
    await transaction(fx.broker, 'good', 'pay', ['c1'], true);
    await transaction(fx.broker, 'bad', 'pay', ['a1', 'a2'], false);
    await transaction(fx.broker, 'good2', 'pay', ['c2'], true);
    await open();
    const committed = await isolate('read_committed');
    assert.ok(committed.reply.ok);
    assert.strictEqual(committed.snap.isolation, 'read_committed');
    assert.deepStrictEqual(shown(committed.snap.rows), ['0:c1', '5:c2']);
    const back = await isolate('read_uncommitted');
    assert.deepStrictEqual(shown(back.snap.rows), [
      '0:c1',
      '1:COMMIT',
      '2:a1(aborted)',
      '3:a2(aborted)',
      '4:ABORT',
      '5:c2',
      '6:COMMIT',
    ]);
  });

  it('read_committed stops at the last stable offset and says how many records of the open transaction are after it', async () => {
    await fx.broker.produce('pay', [{ value: 'plain-0' }, { value: 'plain-1' }], { partition: 0 });
    const open3 = await transaction(fx.broker, 'slow', 'pay', ['o1', 'o2', 'o3'], null);
    const s = await open();
    assert.deepStrictEqual(shown(s.rows), ['0:plain-0', '1:plain-1', '2:o1(open)', '3:o2(open)', '4:o3(open)']);
    assert.match(s.rows[2].txn!.caption, new RegExp(`open transaction of producer ${open3.producerId}, epoch 0`));
    assert.strictEqual(
      s.stableNote,
      '3 records from offset 2 on are in an open transaction; read_committed stops at the last stable offset 2',
    );
    const c = (await isolate('read_committed')).snap;
    assert.deepStrictEqual(shown(c.rows), ['0:plain-0', '1:plain-1']);
    assert.strictEqual(
      c.stableNote,
      'showing up to the last stable offset 2; 3 records of an open transaction are after it',
    );
    assert.strictEqual(c.hasNext, false, 'nothing to page to before the transaction ends');
    // the transaction commits: the next read shows its records and the note goes away
    await fx.broker.endTxn('slow', open3.producerId, open3.producerEpoch, true);
    await ctl.flushTail();
    const after = posted.snapshot();
    assert.deepStrictEqual(shown(after.rows), ['0:plain-0', '1:plain-1', '2:o1', '3:o2', '4:o3']);
    assert.strictEqual(after.stableNote, null);
  });

  it('a page with nothing committed says that read_committed hides aborted records and markers', async () => {
    await transaction(fx.broker, 'bad', 'pay', ['a1', 'a2'], false);
    await open();
    const s = (await isolate('read_committed')).snap;
    assert.deepStrictEqual(s.rows, []);
    assert.strictEqual(
      s.note,
      'No committed records at this position: read_committed hides aborted records and transaction markers and stops at the last stable offset (read_uncommitted shows them).',
    );
  });

  it('a filter never matches a marker, and an isolation level the protocol does not know is refused', async () => {
    await transaction(fx.broker, 'good', 'pay', ['COMMIT-ish'], true);
    const rid = id++;
    await ctl.handle({
      type: 'open',
      id: rid,
      topic: 'pay',
      partition: 0,
      seek: { kind: 'beginning' },
      filter: { text: '.', regex: true, field: 'any' },
      tail: false,
    });
    assert.deepStrictEqual(shown(posted.snapshot().rows), ['0:COMMIT-ish']);
    const bad = await isolate('serializable');
    assert.strictEqual(bad.reply.ok, false);
    assert.match(String((bad.reply as { error?: string }).error), /isolation.*read_uncommitted.*read_committed/);
  });
});
