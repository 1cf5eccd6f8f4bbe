/**
 * The partition-log half of transactions against clients no one here wrote: transactional batches and COMMIT /
 * ABORT markers written by the engine (Broker.produce with a transactional id, Broker.txnMarkers), then read by
 * kafkajs and by kcat (librdkafka) over the wire. A read_committed consumer must skip aborted data and the control
 * records (it relies on the Fetch's last stable offset and aborted-transaction list and on the markers' exact
 * encoding), and stop at an open transaction; a read_uncommitted one sees every data record.
 */
import * as assert from 'assert';
import type { Consumer } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type { Broker } from '../../src/broker/broker';
import type { Running } from './harness';
import { kcat, removeDir, startBroker, waitFor } from './harness';

const COMMITTED = ['p0', 'c1', 'c2', 'c3', 'p1'];
const UNCOMMITTED = ['p0', 'c1', 'c2', 'a1', 'c3', 'a2', 'p1', 'open'];

describe('transaction markers and read_committed with real clients', function () {
  this.timeout(60000);
  let k: Running;
  const consumers: Consumer[] = [];

  async function send(broker: Broker, pid: number, seq: number, value: string): Promise<void> {
    await broker.produce('txlog', [{ value }], {
      partition: 0,
      producer: { producerId: pid, producerEpoch: 0, baseSequence: seq },
      transactionalId: `tx-${pid}`,
    });
  }

  async function end(broker: Broker, pid: number, commit: boolean): Promise<void> {
    const [r] = await broker.txnMarkers.writeTxnMarkers(
      { producerId: pid, producerEpoch: 0, commit, coordinatorEpoch: 0 },
      [{ topic: 'txlog', partition: 0 }],
    );
    assert.strictEqual(r.errorCode, 0);
  }

  before(async () => {
    k = await startBroker();
    const b = k.broker;
    b.useTxnPartitionVerifier({ verify: () => 0 });
    await b.createTopic('txlog', 1);
    await b.produce('txlog', [{ value: 'p0' }], { partition: 0 });
    await send(b, 1, 0, 'c1');
    await send(b, 1, 1, 'c2');
    await end(b, 1, true);
    await send(b, 2, 0, 'a1');
    await end(b, 2, false);
    await send(b, 3, 0, 'c3');
    await send(b, 4, 0, 'a2');
    await end(b, 3, true);
    await end(b, 4, false);
    await b.produce('txlog', [{ value: 'p1' }], { partition: 0 });
    await send(b, 5, 0, 'open'); // never ended: the last stable offset stays here
    assert.strictEqual(b.lastStableOffset('txlog', 0), 11);
  });

  after(async () => {
    for (const c of consumers) await c.disconnect().catch(() => {});
    await k.stop();
    removeDir(k.dir);
  });

  async function kafkajsRead(readUncommitted: boolean, count: number): Promise<string[]> {
    const kafka = new Kafka({ clientId: 'txn-compat', brokers: [k.bootstrap], logLevel: logLevel.NOTHING });
    const c = kafka.consumer({ groupId: `txn-${readUncommitted}`, readUncommitted, maxWaitTimeInMs: 200 });
    consumers.push(c);
    const seen: string[] = [];
    await c.connect();
    await c.subscribe({ topic: 'txlog', fromBeginning: true });
    await c.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(`${count} records`, () => seen.length >= count);
    // Nothing more arrives (a read_committed consumer must not get past the open transaction).
    await new Promise((resolve) => setTimeout(resolve, 500));
    await c.disconnect();
    return seen;
  }

  it('a kafkajs read_committed consumer gets only committed data and stops at the open transaction', async () => {
    assert.deepStrictEqual(await kafkajsRead(false, COMMITTED.length), COMMITTED);
  });

  it('a kafkajs read_uncommitted consumer gets every data record and no control record', async () => {
    assert.deepStrictEqual(await kafkajsRead(true, UNCOMMITTED.length), UNCOMMITTED);
  });

  it('kcat (librdkafka) with isolation.level=read_committed reads the committed data up to the last stable offset', async () => {
    const r = await kcat(
      ['-b', k.bootstrap, '-C', '-t', 'txlog', '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_committed'],
      { timeoutMs: 30000 },
    );
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(r.stdout.toString().trim().split('\n'), COMMITTED);
    const u = await kcat(
      ['-b', k.bootstrap, '-C', '-t', 'txlog', '-o', 'beginning', '-e', '-q', '-X', 'isolation.level=read_uncommitted'],
      { timeoutMs: 30000 },
    );
    assert.deepStrictEqual(u.stdout.toString().trim().split('\n'), UNCOMMITTED);
  });
});
