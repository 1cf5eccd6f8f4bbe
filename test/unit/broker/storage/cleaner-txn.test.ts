// The log cleaner with transactions (src/broker/storage/cleaner.ts, cleaner-txn.ts): an aborted record is removed
// and never supersedes a committed one, markers are kept for delete.retention.ms and then dropped once their
// transaction has no data left, and nothing from the first open transaction on is compacted.
import * as assert from 'assert';
import * as fs from 'fs';
import type { Broker } from '../../../../src/broker/broker';
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

  async function send(pid: number, key: string, value: string): Promise<void> {
    const s = seq.get(pid) ?? 0;
    await broker.produce('c', [{ key, value }], {
      partition: 0,
      producer: { producerId: pid, producerEpoch: 0, baseSequence: s },
      transactionalId: `tx-${pid}`,
    });
    seq.set(pid, s + 1);
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
    await send(1, 'k1', 'committed'); // 0
    await mark(broker, 1, 0, true, [TP]); // 1
    await send(2, 'k1', 'aborted'); // 2
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
    await send(1, 'k1', 'old'); // 0
    await mark(broker, 1, 0, true, [TP]); // 1
    await send(2, 'k1', 'gone'); // 2
    await mark(broker, 2, 0, false, [TP]); // 3
    await send(1, 'k1', 'new'); // 4
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
    await send(3, 'k1', 'pending'); // 2, open
    await broker.produce('c', [{ key: 'k1', value: 'v3' }], { partition: 0 }); // 3
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['1 k1=v2', '2 k1=pending', '3 k1=v3'], 'nothing at or after offset 2 is cleaned');
    await mark(broker, 3, 0, false, [TP]); // 4
    await broker.compactTopic('c');
    assert.deepStrictEqual(layout(), ['3 k1=v3', '4 ABORT']);
  });
});
