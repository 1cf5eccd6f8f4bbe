// ListTransactions (key 66) v0-v2 over the wire: every known transactional id with producer id and state;
// state filters (an unknown state name is returned in UnknownStateFilters), producer id filters, v1's
// duration filter and v2's transactional id pattern.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { TxnWire } from './txn-frames';
import { addPartitions, initProducerId, listTransactions, openTxnWire } from './txn-frames';

describe('ListTransactions API v0-v2 on the wire', () => {
  let t: TxnWire;
  beforeEach(async () => {
    t = await openTxnWire();
    await t.wire.broker.createTopic('orders', 1);
  });
  afterEach(() => t.wire.close());

  it('lists every id, filters by state and producer id, and names unknown state filters', async () => {
    const a = await initProducerId(t.wire, 3, 'a');
    const b = await initProducerId(t.wire, 3, 'b');
    await addPartitions(t.wire, 3, 'a', a.producerId, a.producerEpoch, [['orders', [0]]]);
    assert.deepStrictEqual((await listTransactions(t.wire, 0, [], [])).txns, [
      ['a', a.producerId, 'Ongoing'],
      ['b', b.producerId, 'Empty'],
    ]);
    assert.deepStrictEqual(await listTransactions(t.wire, 0, ['Ongoing', 'Sleeping'], []), {
      errorCode: 0,
      unknown: ['Sleeping'],
      txns: [['a', a.producerId, 'Ongoing']],
    });
    assert.deepStrictEqual(
      (await listTransactions(t.wire, 0, ['Sleeping'], [])).txns,
      [],
      'only unknown states match nothing',
    );
    assert.deepStrictEqual((await listTransactions(t.wire, 0, [], [b.producerId])).txns, [
      ['b', b.producerId, 'Empty'],
    ]);
  });

  it('v1 keeps only transactions running at least the duration filter', async () => {
    const a = await initProducerId(t.wire, 3, 'a');
    await addPartitions(t.wire, 3, 'a', a.producerId, a.producerEpoch, [['orders', [0]]]);
    t.clock.advance(2000);
    const b = await initProducerId(t.wire, 3, 'b');
    await addPartitions(t.wire, 3, 'b', b.producerId, b.producerEpoch, [['orders', [0]]]);
    assert.deepStrictEqual((await listTransactions(t.wire, 1, ['Ongoing'], [], 1000)).txns, [
      ['a', a.producerId, 'Ongoing'],
    ]);
    assert.strictEqual((await listTransactions(t.wire, 1, ['Ongoing'], [], -1)).txns.length, 2);
  });

  it('v2 keeps only ids the whole of which the pattern matches; null or empty is no filter; a pattern that does not compile is INVALID_REGULAR_EXPRESSION', async () => {
    const ids = ['orders-etl-1', 'orders-etl-2', 'payments-etl-1', 'xorders-etl-3'];
    const pids = new Map<string, number>();
    for (const id of ids) pids.set(id, (await initProducerId(t.wire, 3, id)).producerId);
    const names = async (pattern: string | null) =>
      (await listTransactions(t.wire, 2, [], [], -1, pattern)).txns.map(([id]) => id);
    assert.deepStrictEqual(await names('orders-.*'), ['orders-etl-1', 'orders-etl-2'], 'the whole id must match');
    assert.deepStrictEqual(await names('.*-etl-1'), ['orders-etl-1', 'payments-etl-1']);
    assert.deepStrictEqual(await names('orders'), [], 'a part of an id is not a match');
    assert.deepStrictEqual(await names(null), ids);
    assert.deepStrictEqual(await names(''), ids);
    const got = await listTransactions(t.wire, 2, ['Empty'], [pids.get('orders-etl-2')!], -1, 'orders-.*');
    assert.deepStrictEqual(got.txns, [['orders-etl-2', pids.get('orders-etl-2'), 'Empty']], 'with the other filters');
    const bad = await listTransactions(t.wire, 2, [], [], -1, 'orders-(');
    assert.deepStrictEqual([bad.errorCode, bad.txns], [ErrorCode.INVALID_REGULAR_EXPRESSION, []]);
  });
});
