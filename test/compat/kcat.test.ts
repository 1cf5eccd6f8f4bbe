/**
 * kcat (librdkafka, a C client no one here wrote) against the real broker: metadata, 100,000 records produced
 * and consumed back byte for byte, every compression codec, a balanced consumer group, the idempotent producer.
 * kcat missing is a failure, never a skip.
 */
import * as assert from 'assert';
import type { ChildProcess } from 'child_process';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Running } from './harness';
import { kcatCommand } from '../../src/extension/panels/record-export';
import { KCAT, kcat, removeDir, startBroker, waitFor } from './harness';

describe('kcat (librdkafka) against Kafka Lite', function () {
  this.timeout(120000);
  let k: Running;
  let tmp: string;
  const children: ChildProcess[] = [];

  before(async () => {
    assert.ok(fs.existsSync(KCAT), `${KCAT} is required for the compat tier (apt-get install kcat)`);
    k = await startBroker();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-kcat-'));
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await k.stop();
    removeDir(k.dir);
    removeDir(tmp);
  });

  it('-L lists the broker at its IPv4 literal and every topic with its partitions', async () => {
    await k.broker.createTopic('meta-a', 3);
    const r = await kcat(['-b', k.bootstrap, '-L', '-J']);
    assert.strictEqual(r.code, 0, r.stderr);
    const md = JSON.parse(r.stdout.toString());
    assert.deepStrictEqual(
      md.brokers.map((b: { id: number; name: string }) => [b.id, b.name]),
      [[1, k.bootstrap]],
    );
    const t = md.topics.find((x: { topic: string }) => x.topic === 'meta-a');
    assert.ok(t, 'topic listed');
    assert.strictEqual(t.partitions.length, 3);
    assert.ok(t.partitions.every((p: { leader: number }) => p.leader === 1));
  });

  it('produces 100,000 records and consumes them back byte for byte', async () => {
    await k.broker.createTopic('bulk', 1);
    const lines = Array.from(
      { length: 100_000 },
      (_, i) => `record-${String(i).padStart(6, '0')}-${'x'.repeat(i % 50)}`,
    );
    const file = path.join(tmp, 'bulk.txt');
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const p = await kcat(['-b', k.bootstrap, '-P', '-t', 'bulk', '-p', '0', '-l', file]);
    assert.strictEqual(p.code, 0, p.stderr);
    assert.strictEqual(k.broker.partitionInfo('bulk', 0).logEndOffset, 100_000);
    const c = await kcat(['-b', k.bootstrap, '-C', '-t', 'bulk', '-o', 'beginning', '-e', '-q']);
    assert.strictEqual(c.code, 0, c.stderr);
    assert.ok(c.stdout.equals(fs.readFileSync(file)), 'consumed bytes equal produced bytes');
  });

  for (const [codec, id] of [
    ['gzip', 1],
    ['snappy', 2],
    ['lz4', 3],
    ['zstd', 4],
  ] as const) {
    it(`a ${codec}-compressed produce is stored compressed and reads back intact via kcat and the engine`, async () => {
      const topic = `z-${codec}`;
      await k.broker.createTopic(topic, 1);
      const values = Array.from({ length: 2000 }, (_, i) => `${codec} value ${i} ${'abc'.repeat(i % 20)}`);
      const p = await kcat(['-b', k.bootstrap, '-P', '-t', topic, '-z', codec], { input: values.join('\n') + '\n' });
      assert.strictEqual(p.code, 0, p.stderr);
      const recs = k.broker.readRecords(topic, 0, 0, 5000, 64 << 20);
      assert.deepStrictEqual(
        recs.map((r) => r.value?.toString()),
        values,
      );
      // librdkafka sends a batch uncompressed when compressing would not shrink it (a lone small record),
      // so: the bulk is stored as the client compressed it, and nothing is stored with another codec
      const compressed = recs.filter((r) => r.compression === id).length;
      assert.ok(compressed >= recs.length * 0.9, `${compressed} of ${recs.length} records stored ${codec}-compressed`);
      assert.ok(recs.every((r) => r.compression === id || r.compression === 0));
      const c = await kcat(['-b', k.bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q']);
      assert.strictEqual(c.code, 0, c.stderr);
      assert.strictEqual(c.stdout.toString(), values.join('\n') + '\n');
    });
  }

  it('two -G members of a balanced group on a 2-partition topic get one partition each', async () => {
    await k.broker.createTopic('balanced', 2);
    for (let i = 0; i < 2; i++) {
      const child = spawn(
        KCAT,
        [
          '-b',
          k.bootstrap,
          '-G',
          'kcat-g',
          '-X',
          'session.timeout.ms=6000',
          '-X',
          'heartbeat.interval.ms=500',
          '-q',
          'balanced',
        ],
        {
          stdio: 'ignore',
        },
      );
      children.push(child);
    }
    const members = await waitFor(
      'two members with one partition each',
      () => {
        const d = k.broker.describeGroup('kcat-g');
        if (d.state !== 'Stable' || d.members.length !== 2) return false;
        const parts = d.members.map((m) => m.assignedPartitions.flatMap((a) => a.partitions));
        return parts.every((p) => p.length === 1) && parts;
      },
      60000,
    );
    assert.deepStrictEqual(members.flat().sort(), [0, 1]);
    for (const c of children.splice(0)) c.kill('SIGTERM');
  });

  it('produces with enable.idempotence=true: batches carry a producer id and sequences', async () => {
    await k.broker.createTopic('kcat-idem', 1);
    const values = Array.from({ length: 500 }, (_, i) => `idem-${i}`);
    const p = await kcat(['-b', k.bootstrap, '-P', '-t', 'kcat-idem', '-X', 'enable.idempotence=true'], {
      input: values.join('\n') + '\n',
    });
    assert.strictEqual(p.code, 0, p.stderr);
    const recs = k.broker.readRecords('kcat-idem', 0, 0, 1000);
    assert.deepStrictEqual(
      recs.map((r) => r.value?.toString()),
      values,
    );
    assert.ok(recs.every((r) => r.producerId >= 0));
    const state = k.broker.producerState('kcat-idem', 0);
    assert.strictEqual(state.length, 1);
    assert.strictEqual(state[0].nextSequence, 500);
  });

  it("the record browser's Copy as kcat command prints that very record, with its key and headers", async () => {
    await k.broker.createTopic('orders.v1', 2);
    await k.broker.produce(
      'orders.v1',
      [
        { key: 'a', value: 'first' },
        { key: 'b', value: 'second', headers: [{ key: 'src', value: Buffer.from('web') }] },
        { key: 'c', value: 'third' },
      ],
      { partition: 1 },
    );
    const command = kcatCommand(k.bootstrap, { topic: 'orders.v1', partition: 1, offset: 1 });
    const words = command.split(' ');
    assert.strictEqual(words[0], 'kcat', command);
    const r = await kcat(words.slice(1));
    assert.strictEqual(r.code, 0, r.stderr);
    const lines = r.stdout.toString().trim().split('\n');
    assert.strictEqual(lines.length, 1, 'exactly one record');
    const got = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.deepStrictEqual(
      [got.topic, got.partition, got.offset, got.key, got.payload, got.headers],
      ['orders.v1', 1, 1, 'b', 'second', ['src', 'web']],
    );
  });
});
