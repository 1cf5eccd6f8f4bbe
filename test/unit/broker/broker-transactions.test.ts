// The Broker facade's transaction part: a transaction through Broker (InitProducerId with a transactional id,
// AddPartitions, TxnOffsetCommit, EndTxn) with markers going to the injected writer, its state in
// <dataDir>/meta/transactions.log across a restart, a restart with markers outstanding completing them, and the
// idempotent path (no transactional id) unchanged.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { FakeClock } from '../../../src/broker/clock';
import { ErrorCode } from '../../../src/broker/errors';
import { RecordingMarkers, until } from './transactions/helpers';

describe('Broker: transactions', () => {
  let dir: string;
  let brokers: Broker[];
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-broker-txn-'));
    brokers = [];
  });
  afterEach(async () => {
    for (const b of brokers) await b.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const open = async (markers: RecordingMarkers) => {
    const b = await Broker.open({ dataDir: dir, logger: () => undefined, txnMarkers: () => markers });
    brokers.push(b);
    return b;
  };

  it('a consume-transform-produce transaction: markers to the partitions, offsets committed only at EndTxn', async () => {
    const markers = new RecordingMarkers();
    const b = await open(markers);
    await b.createTopic('out', 2);
    await b.createTopic('in', 1);
    const p = await b.initProducerId('etl', undefined, 30000);
    assert.deepStrictEqual(
      (await b.addPartitionsToTxn('etl', p.producerId, p.producerEpoch, [{ topic: 'out', partition: 1 }])).map(
        (r) => r.errorCode,
      ),
      [0],
    );
    assert.strictEqual(b.transactions.verify('etl', p.producerId, p.producerEpoch, { topic: 'out', partition: 1 }), 0);
    await b.addOffsetsToTxn('etl', p.producerId, p.producerEpoch, 'etl-group');
    const held = await b.txnOffsetCommit({
      transactionalId: 'etl',
      groupId: 'etl-group',
      producerId: p.producerId,
      producerEpoch: p.producerEpoch,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      offsets: [{ topic: 'in', partition: 0, offset: 12, metadata: null }],
    });
    assert.deepStrictEqual(
      held.map((r) => r.errorCode),
      [0],
    );
    assert.deepStrictEqual(b.pendingTxnOffsetPartitions('etl-group'), [{ topic: 'in', partition: 0 }]);
    assert.strictEqual(b.fetchOffsets('etl-group', [{ topic: 'in', partitions: [0] }])[0].offset, -1);
    await b.endTxn('etl', p.producerId, p.producerEpoch, true);
    // EndTxn is answered once PrepareCommit is durable; the markers and CompleteCommit follow.
    await until(() => b.describeTransaction('etl')?.state === 'CompleteCommit');
    assert.deepStrictEqual(markers.calls[0].partitions, ['out-1']);
    assert.strictEqual(b.fetchOffsets('etl-group', [{ topic: 'in', partitions: [0] }])[0].offset, 12);
    assert.strictEqual(b.describeTransaction('etl')?.state, 'CompleteCommit');
    assert.ok(fs.existsSync(path.join(dir, 'meta', 'transactions.log')));
  });

  it('the state survives a restart, and a restart with markers outstanding writes them and completes', async () => {
    const markers = new RecordingMarkers();
    const a = await open(markers);
    await a.createTopic('out', 1);
    const p = await a.initProducerId('tx', undefined, 60000);
    await a.addPartitionsToTxn('tx', p.producerId, p.producerEpoch, [{ topic: 'out', partition: 0 }]);
    markers.answers.set('out-0', ErrorCode.KAFKA_STORAGE_ERROR);
    await a.endTxn('tx', p.producerId, p.producerEpoch, true);
    await until(() => markers.calls.length === 1);
    assert.strictEqual(a.describeTransaction('tx')?.state, 'PrepareCommit');
    await a.close();
    const again = new RecordingMarkers();
    const b = await open(again);
    assert.deepStrictEqual(
      again.calls.map((c) => [c.marker.commit, c.partitions]),
      [[true, ['out-0']]],
    );
    assert.strictEqual(b.describeTransaction('tx')?.state, 'CompleteCommit');
    assert.deepStrictEqual(
      b.listTransactions().map((t) => [t.transactionalId, t.producerId]),
      [['tx', p.producerId]],
    );
  });

  it("a partition flush makes transactions.log durable first (a transaction's data never reaches the disk before the line that added its partition)", async () => {
    const b = await open(new RecordingMarkers());
    await b.createTopic('out', 1);
    const p = await b.initProducerId('tx', undefined, 60000);
    await b.addPartitionsToTxn('tx', p.producerId, p.producerEpoch, [{ topic: 'out', partition: 0 }]);
    await b.produce('out', [{ value: 'in-txn' }], {
      partition: 0,
      producer: { producerId: p.producerId, producerEpoch: p.producerEpoch, baseSequence: 0 },
      transactionalId: 'tx',
    });
    const coordinator = (b as unknown as { transactions: { durable(): Promise<void> } }).transactions;
    const real = coordinator.durable.bind(coordinator);
    // Every caller waits until released (the periodic flush may ask too, besides the flush below).
    const waiting: Array<() => void> = [];
    coordinator.durable = () => new Promise<void>((r) => waiting.push(r)).then(real);
    let flushed = false;
    const flushing = b.flush().then(() => (flushed = true));
    await until(() => waiting.length > 0, 'the flush to ask the transaction log');
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    assert.strictEqual(flushed, false, 'no fsync of the partition before transactions.log is durable');
    coordinator.durable = real;
    for (const r of waiting.splice(0)) r();
    await flushing;
  });

  it('InitProducerId without a transactional id is the idempotent path: new ids, no transaction state', async () => {
    const b = await open(new RecordingMarkers());
    const x = await b.initProducerId(null);
    const y = await b.initProducerId(null);
    assert.notStrictEqual(x.producerId, y.producerId);
    assert.deepStrictEqual(b.listTransactions(), []);
  });

  it('abortTransaction by hand fences the producer and writes ABORT markers', async () => {
    const markers = new RecordingMarkers();
    const b = await open(markers);
    await b.createTopic('out', 1);
    const p = await b.initProducerId('stuck', undefined, 60000);
    await b.addPartitionsToTxn('stuck', p.producerId, p.producerEpoch, [{ topic: 'out', partition: 0 }]);
    const d = await b.abortTransaction('stuck');
    assert.deepStrictEqual([d.state, d.producerEpoch, markers.calls[0].marker.commit], ['CompleteAbort', 1, false]);
    await assert.rejects(
      b.endTxn('stuck', p.producerId, 0, true),
      (e: Error & { code?: number }) => e.code === ErrorCode.PRODUCER_FENCED,
    );
  });

  it('a transaction past its timeout is aborted on the broker clock (transactionAbortCheckIntervalMs), with events', async () => {
    const markers = new RecordingMarkers();
    const clock = new FakeClock();
    const b = await Broker.open({
      dataDir: dir,
      logger: () => undefined,
      clock,
      txnMarkers: () => markers,
      transactionAbortCheckIntervalMs: 500,
    });
    brokers.push(b);
    const states: string[] = [];
    b.on('transactionChanged', (e) => states.push(`${e.transactionalId}:${e.state}:${e.producerEpoch}`));
    await b.createTopic('out', 1);
    const p = await b.initProducerId('slow', undefined, 2000);
    await b.addPartitionsToTxn('slow', p.producerId, p.producerEpoch, [{ topic: 'out', partition: 0 }]);
    clock.advance(2000);
    await new Promise((r) => setImmediate(r));
    assert.strictEqual(b.describeTransaction('slow')?.state, 'Ongoing');
    clock.advance(500);
    await until(() => states.length === 4);
    assert.deepStrictEqual(states, ['slow:Empty:0', 'slow:Ongoing:0', 'slow:PrepareAbort:1', 'slow:CompleteAbort:1']);
    assert.deepStrictEqual(markers.calls[0].marker, {
      producerId: p.producerId,
      producerEpoch: 1,
      commit: false,
      coordinatorEpoch: 0,
    });
  });
});
