// ListTransactions (key 66) v0-v1 over the wire: every known transactional id with producer id and state;
// state filters (an unknown state name is returned in UnknownStateFilters), producer id filters, and v1's
// duration filter.
import * as assert from 'assert';
import type { TxnWire } from './txn-frames';
import { addPartitions, initProducerId, listTransactions, openTxnWire } from './txn-frames';

describe('ListTransactions API v0-v1 on the wire', () => {
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
});
