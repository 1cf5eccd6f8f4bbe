// The log cleaner with transactions (src/broker/storage/cleaner.ts, cleaner-txn.ts): an aborted record is removed
// and never supersedes a committed one, markers are kept for delete.retention.ms and then dropped once their
// transaction has no data left, and nothing from the first open transaction on is compacted.
import * as assert from 'assert';
import * as fs from 'fs';
import type { Broker } from '../../../../src/broker/broker';
import type { StorageInternals } from '../../../../src/broker/storage/log-manager';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import type { TxnBroker } from './txn-helpers';
import { committedValues, mark, openTxnBroker, txnTempDir } from './txn-helpers';

const RETENTION = 10_000;
const TP = { topic: 'c', partition: 0 };

describe('storage: compaction of transactional data', () => {
  let dir: string;
  let t: TxnBroker;
  let broker: Broker;
  const seq = new Map<number, number>();

  beforeEach(async () => {
    dir = txnTempDir();
    t = await openTxnBroker(dir);
    broker = t.broker;
    seq.clear();
    await broker.createTopic('c', 1, {
      'cleanup.policy': 'compact',
      'min.cleanable.dirty.ratio': '0',
      'delete.retention.ms': String(RETENTION),
    });
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** One transactional batch of producer `pid` with the records `key=value`, ... */
  async function send(pid: number, ...kvs: string[]): Promise<void> {
    const s = seq.get(pid) ?? 0;
    const records = kvs.map((r) => ({ key: r.split('=')[0], value: r.split('=')[1] }));
    await broker.produce('c', records, {
      partition: 0,
      producer: { producerId: pid, producerEpoch: 0, baseSequence: s },
      transactionalId: `tx-${pid}`,
    });
    seq.set(pid, s + records.length);
  }

  async function plain(key: string, value: string): Promise<void> {
    await broker.produce('c', [{ key, value }], { partition: 0 });
  }

  /** Close the active segment (what is appended next starts a new one). */
  function roll(): void {
    (broker.logs as unknown as StorageInternals).partitionLog('c', 0).roll(t.clock.now());
  }

  /** offset: description of every batch left in the log (records by key=value, markers by type). */
  function layout(): string[] {
    return broker
      .readRecords('c', 0, broker.partitionInfo('c', 0).logStartOffset, 100)
      .map(
        (r) =>
          `${r.offset} ${r.control ?? `${r.key?.toString()}=${r.value?.toString()}${r.aborted ? ' (aborted)' : ''}`}`,
      );
  }

  it('removes aborted records, which never supersede the committed value of their key', async () => {
    await send(1, 'k1=committed'); // 0
    await mark(broker, 1, 0, true, [TP]); // 1
    await send(2, 'k1=aborted'); // 2
    await mark(broker, 2, 0, false, [TP]); // 3
    await broker.produce('c', [{ key: 'k2', value: 'plain' }], { partition: 0 }); // 4
    assert.deepStrictEqual(layout(), ['0 k1=committed', '1 COMMIT', '2 k1=aborted (aborted)', '3 ABORT', '4 k2=plain']);
    await broker.compactTopic('c');
    assert.deepStrictEqual(
      layout(),
      ['0 k1=committed', '1 COMMIT', '3 ABORT', '4 k2=plain'],
      'markers are kept for now',
    );
    assert.deepStrictEqual(committedValues(broker, 'c', 0), ['committed', 'plain']);
    assert.deepStrictEqual(
      broker.abortedTransactions('c', 0, 0, 5).map((a) => a.lastOffset),
      [3],
      'the ABORT is still indexed',
    );
  });

  it('after delete.retention.ms a marker whose transaction has no data left is dropped, the others stay', async () => {
    await send(1, 'k1=old'); // 0
    await mark(broker, 1, 0, true, [TP]); // 1
    await send(2, 'k1=gone'); // 2
    await mark(broker, 2, 0, false, [TP]); // 3
    await send(1, 'k1=new'); // 4
    await mark(broker, 1, 0, true, [TP]); // 5
    await broker.produce('c', [{ key: 'k9', value: 'tail' }], { partition: 0 }); // 6
    t.clock.advance(RETENTION + 1);
    await broker.produce('c', [{ key: 'k9', value: 'tail2' }], { partition: 0 }); // 7
    await broker.compactTopic('c');
    // k1=old was superseded by k1=new: its transaction has nothing left, so its COMMIT goes; the ABORT's data is
    // gone, so the ABORT goes; k1=new keeps its COMMIT. The segment's last batch stays whatever it is.
    assert.deepStrictEqual(layout(), ['4 k1=new', '5 COMMIT', '7 k9=tail2']);
    assert.deepStrictEqual(broker.abortedTransactions('c', 0, 0, 8), [], 'the dropped ABORT left the index');
    assert.deepStrictEqual(committedValues(broker, 'c', 0), ['new', 'tail2']);
    const report = await verifyDataDir(dir);
    assert.deepStrictEqual(report.partitions[0].problems, [], 'the cleaned segments and their .txnindex agree');
  });

  it('does not compact from the first open transaction on: a value it may supersede is kept', async () => {
    await broker.produce('c', [{ key: 'k1', value: 'v1' }], { partition: 0 }); // 0
    await broker.produce('c', [{ key: 'k1', value: 'v2' }], { partition: 0 }); // 1
    await broker.compactTopic('c'); // rolls: segment [0, 2) is closed and cleaned
    assert.deepStrictEqual(layout(), ['1 k1=v2']);
    await send(3, 'k1=pending'); // 2, open
    await broker.produce('c', [{ key: 'k1', value: 'v3' }], { partition: 0 }); // 3
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['1 k1=v2', '2 k1=pending', '3 k1=v3'], 'nothing at or after offset 2 is cleaned');
    await mark(broker, 3, 0, false, [TP]); // 4
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['3 k1=v3', '4 ABORT']);
  });

  it('producer id 0 committing, aborting twice, then committing: exactly the aborted records go', async () => {
    await send(0, 'k1=c1'); // 0
    await mark(broker, 0, 0, true, [TP]); // 1
    await send(0, 'k2=a1'); // 2
    await mark(broker, 0, 0, false, [TP]); // 3
    await send(0, 'k3=a2'); // 4
    await mark(broker, 0, 0, false, [TP]); // 5
    await send(0, 'k4=c2'); // 6
    await mark(broker, 0, 0, true, [TP]); // 7
    await plain('k9', 'tail'); // 8
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['0 k1=c1', '1 COMMIT', '3 ABORT', '5 ABORT', '6 k4=c2', '7 COMMIT', '8 k9=tail']);
    assert.deepStrictEqual(committedValues(broker, 'c', 0), ['c1', 'c2', 'tail']);
  });

  it('an open transaction in the first segment: nothing is cleaned, and the pass ends without an error', async () => {
    await send(3, 'k1=pending'); // 0, open
    await plain('k1', 'v1'); // 1
    await plain('k1', 'v2'); // 2
    const [stats] = await broker.compactTopic('c');
    assert.deepStrictEqual([stats.segmentsCleaned, stats.cleanedUpTo], [0, 0]);
    assert.deepStrictEqual(layout(), ['0 k1=pending', '1 k1=v1', '2 k1=v2']);
  });

  it('a segment that ends exactly where the first open transaction begins is cleaned', async () => {
    await plain('k1', 'v1'); // 0
    await plain('k1', 'v2'); // 1
    roll(); // segment [0, 2)
    await send(3, 'k1=pending'); // 2, open
    const [stats] = await broker.compactTopic('c');
    assert.deepStrictEqual([stats.segmentsCleaned, stats.cleanedUpTo], [1, 2]);
    assert.deepStrictEqual(layout(), ['1 k1=v2', '2 k1=pending']);
  });

  it('with two transactions open, cleaning stops before the earlier one', async () => {
    await plain('k1', 'v1'); // 0
    await plain('k1', 'v2'); // 1
    await broker.compactTopic('c'); // segment [0, 2) cleaned
    await send(1, 'k1=p'); // 2, open
    await plain('k1', 'v3'); // 3
    await broker.compactTopic('c'); // rolls: segment [2, 4)
    await send(2, 'k5=q'); // 4, open
    await plain('k6', 'v'); // 5
    await broker.compactTopic('c'); // rolls: segment [4, 6)
    assert.deepStrictEqual(layout(), ['1 k1=v2', '2 k1=p', '3 k1=v3', '4 k5=q', '5 k6=v']);
    await mark(broker, 1, 0, true, [TP]); // 6: the earlier one commits, the later one is still open
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['3 k1=v3', '4 k5=q', '5 k6=v', '6 COMMIT']);
  });

  it('a marker exactly delete.retention.ms old stays; one millisecond later it goes, even when nothing else changes', async () => {
    await send(1, 'k1=old'); // 0
    await mark(broker, 1, 0, true, [TP]); // 1
    await plain('k1', 'new'); // 2
    await plain('k9', 'tail'); // 3
    t.clock.advance(RETENTION);
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['1 COMMIT', '2 k1=new', '3 k9=tail'], 'exactly 10 000 ms old: kept');
    t.clock.advance(1);
    const [stats] = await broker.compactTopic('c');
    assert.strictEqual(stats.segmentsCleaned, 1);
    assert.deepStrictEqual(layout(), ['2 k1=new', '3 k9=tail']);
    const report = await verifyDataDir(dir);
    assert.deepStrictEqual(report.partitions[0].problems, []);
  });

  it('a transactional batch that keeps some of its records keeps its marker past delete.retention.ms', async () => {
    await send(1, 'k1=a', 'k2=b'); // 0, 1
    await mark(broker, 1, 0, true, [TP]); // 2
    await plain('k1', 'c'); // 3
    await plain('k9', 'tail'); // 4
    t.clock.advance(RETENTION + 1);
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['1 k2=b', '2 COMMIT', '3 k1=c', '4 k9=tail']);
    assert.deepStrictEqual(committedValues(broker, 'c', 0), ['b', 'c', 'tail']);
  });
});
