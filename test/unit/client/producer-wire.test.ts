// The one Producer (src/client/producer.ts) over the wire transport (src/extension/clusters/wire-producer.ts)
// against a real Kafka Lite broker on a loopback port: the producer id, epoch and sequences it chooses reach the
// server in raw v2 batches, and the server's own answers (duplicate, sequence gap, refusals) come back as
// KafkaErrors with the server's code.
import * as assert from 'assert';
import type { Running } from '../../compat/harness';
import { removeDir, startBroker } from '../../compat/harness';
import { ErrorCode, KafkaError } from '../../../src/broker/errors';
import { Producer } from '../../../src/client/producer';
import { WireCluster } from '../../../src/extension/clusters/wire';
import { WireProducerTransport } from '../../../src/extension/clusters/wire-producer';

describe('Producer over the wire transport (Kafka Lite on loopback)', function () {
  this.timeout(30_000);
  let running: Running;
  let cluster: WireCluster;
  let transport: WireProducerTransport;
  const values = (p: number) => running.broker.readRecords('t', p, 0, 100).map((r) => r.value?.toString());

  beforeEach(async () => {
    running = await startBroker();
    await running.broker.createTopic('t', 2);
    cluster = new WireCluster({ name: 'loopback', brokers: [running.bootstrap], clientId: 'kafka-lite-producer-test' });
    transport = new WireProducerTransport(cluster);
  });
  afterEach(async () => {
    await cluster.close();
    await running.stop();
    removeDir(running.dir);
  });

  it('an idempotent retry is stored once and answered with the original offsets', async () => {
    const p = new Producer(transport, { idempotent: true });
    await p.init();
    assert.ok(p.producerId >= 0);
    const first = await p.send('t', [{ value: 'a' }, { value: 'b' }], { partition: 0 });
    assert.deepStrictEqual([first.baseOffset, first.lastOffset, first.baseSequence, first.duplicate], [0, 1, 0, false]);
    const retry = await p.resendLast();
    assert.deepStrictEqual([retry.baseOffset, retry.lastOffset, retry.duplicate, retry.logEndOffset], [0, 1, true, 2]);
    const next = await p.send('t', [{ value: 'c' }], { partition: 0 });
    assert.deepStrictEqual([next.baseOffset, next.baseSequence, next.duplicate], [2, 2, false]);
    assert.deepStrictEqual(values(0), ['a', 'b', 'c']);
    const [rec] = running.broker.readRecords('t', 0, 0, 1);
    assert.deepStrictEqual([rec.producerId, rec.producerEpoch], [p.producerId, p.producerEpoch]);
  });

  it('a plain producer retrying the same records stores them twice (at-least-once)', async () => {
    const p = new Producer(transport);
    const first = await p.send('t', [{ value: 'a', key: 'k' }], { partition: 1 });
    const retry = await p.resendLast();
    assert.deepStrictEqual([retry.duplicate, retry.baseOffset, retry.logEndOffset], [false, first.baseOffset + 1, 2]);
    assert.deepStrictEqual(values(1), ['a', 'a']);
  });

  it('a skipped sequence is refused by the server with OUT_OF_ORDER_SEQUENCE_NUMBER and nothing is stored', async () => {
    const p = new Producer(transport, { idempotent: true });
    await p.send('t', [{ value: 'a' }], { partition: 0 });
    p.skipSequence('t', 0, 2);
    await assert.rejects(
      p.send('t', [{ value: 'b' }], { partition: 0 }),
      (e: KafkaError) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER &&
        /loopback refused the batch for t partition 0: OUT_OF_ORDER_SEQUENCE_NUMBER/.test(e.message),
    );
    assert.deepStrictEqual(values(0), ['a']);
    p.skipSequence('t', 0, -2);
    assert.strictEqual((await p.send('t', [{ value: 'b' }], { partition: 0 })).baseOffset, 1);
  });

  it('init() again starts over with a new producer id (the wire’s InitProducerId cannot bump an epoch)', async () => {
    const p = new Producer(transport, { idempotent: true });
    await p.send('t', [{ value: 'a' }], { partition: 0 });
    const firstId = p.producerId;
    await p.init();
    assert.notStrictEqual(p.producerId, firstId);
    assert.strictEqual(p.nextSequence('t', 0), 0);
    assert.strictEqual((await p.send('t', [{ value: 'b' }], { partition: 0 })).baseOffset, 1);
  });

  it('a topic the cluster does not have is refused and not created, although the broker would auto-create', async () => {
    const p = new Producer(transport, { idempotent: true });
    await assert.rejects(
      p.send('absent', [{ value: 'x' }]),
      (e: KafkaError) => e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION && /never creates one/.test(e.message),
    );
    await assert.rejects(
      transport.produce('absent', 0, [{ value: 'x' }]),
      (e: KafkaError) => e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    assert.strictEqual(running.broker.getTopic('absent'), undefined);
  });

  it('a refusal carries the server’s error name and message (a keyless record on a compacted topic)', async () => {
    await running.broker.createTopic('compacted', 1, { 'cleanup.policy': 'compact' });
    const p = new Producer(transport);
    await assert.rejects(
      p.send('compacted', [{ value: 'no key' }], { partition: 0 }),
      (e: KafkaError) =>
        e.code === ErrorCode.INVALID_RECORD && /INVALID_RECORD: .*key/i.test(e.message) && /compacted/.test(e.message),
    );
  });

  it('reads a partition’s offsets: log start, log end (the high watermark) and last stable offset', async () => {
    const p = new Producer(transport);
    await p.send('t', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 1 });
    running.broker.deleteRecords('t', 1, 1);
    assert.deepStrictEqual(await transport.offsets('t', 1), {
      logStartOffset: 1,
      logEndOffset: 3,
      lastStableOffset: 3,
    });
  });
});
