/**
 * A compacted topic (cleanup.policy=compact) as clients no one here wrote see it: kafkajs creates it and writes
 * several values per key and a tombstone, a keyless record is refused, the broker compacts, and then a kafkajs
 * consumer group and kcat (librdkafka) both read exactly the latest value of each key at the offset it was
 * written at, step over the gaps, and go on to records written after the compaction.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from './harness';
import { KCAT, kcat, removeDir, startBroker, waitFor } from './harness';

const TOPIC = 'user-profiles';

describe('a compacted topic through kafkajs and kcat', function () {
  this.timeout(90000);
  let k: Running;
  let kafka: Kafka;
  /** "partition offset key=value" of the latest record of each key, as the producer saw it stored. */
  const expected = new Map<string, string>();

  before(async () => {
    assert.ok(fs.existsSync(KCAT), `${KCAT} is required for the compat tier (apt-get install kcat)`);
    k = await startBroker();
    kafka = new Kafka({
      clientId: 'compaction',
      brokers: [k.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 3, initialRetryTime: 100 },
    });
  });

  after(async () => {
    await k.stop();
    removeDir(k.dir);
  });

  it('kafkajs writes versions of each key and a tombstone; a record without a key is refused', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 2, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    });
    const [described] = (await admin.describeConfigs({ resources: [{ type: 2, name: TOPIC }], includeSynonyms: false }))
      .resources;
    assert.strictEqual(described.configEntries.find((c) => c.configName === 'cleanup.policy')?.configValue, 'compact');
    await admin.disconnect();

    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    for (let round = 0; round < 4; round++) {
      for (let u = 0; u < 8; u++) {
        const key = `user-${u}`;
        const value = round === 3 && u === 5 ? null : `profile v${round} of ${key}`;
        const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ key, value }] });
        expected.set(key, `${meta.partition} ${meta.baseOffset} ${key}=${value ?? 'NULL'}`);
      }
    }
    await assert.rejects(
      producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'no key' }] }),
      (e: Error & { type?: string }) =>
        e.type === 'INVALID_RECORD' || /INVALID_RECORD|failed the validation/i.test(e.message),
    );
    await producer.disconnect();
  });

  it('after compaction kafkajs and kcat read only the latest value of each key, at its original offset', async () => {
    const stats = await k.broker.compactTopic(TOPIC);
    assert.strictEqual(
      stats.reduce((n, s) => n + s.recordsBefore - s.recordsAfter, 0),
      24,
      JSON.stringify(stats),
    );
    const want = [...expected.values()].sort();

    // kafkajs: a consumer group from the beginning, then one record written after the compaction.
    const producer = kafka.producer();
    await producer.connect();
    const [late] = await producer.send({ topic: TOPIC, messages: [{ key: 'user-0', value: 'after compaction' }] });
    await producer.disconnect();
    const seen: string[] = [];
    const consumer = kafka.consumer({ groupId: 'profiles-reader', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(
          `${partition} ${message.offset} ${message.key?.toString()}=${message.value === null ? 'NULL' : message.value.toString()}`,
        );
      },
    });
    const lateLine = `${late.partition} ${late.baseOffset} user-0=after compaction`;
    // Partitions are fetched independently: wait for every expected line, not only the late one (a consumer
    // that stopped at the late record could still be short of another partition's records).
    await waitFor(
      'kafkajs to read the compacted part of every partition and the late record',
      () => seen.includes(lateLine) && want.every((w) => seen.includes(w)),
      30000,
    );
    await consumer.disconnect();
    assert.deepStrictEqual(seen.filter((l) => l !== lateLine).sort(), want);

    // kcat (librdkafka): the whole topic from the beginning, NULL shown as NULL.
    const r = await kcat([
      '-b',
      k.bootstrap,
      '-C',
      '-t',
      TOPIC,
      '-o',
      'beginning',
      '-e',
      '-Z',
      '-q',
      '-f',
      '%p %o %k=%s\n',
    ]);
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.toString().trim().split('\n');
    assert.deepStrictEqual(lines.filter((l) => l !== lateLine).sort(), want);
    assert.ok(lines.includes(lateLine));
  });
});
