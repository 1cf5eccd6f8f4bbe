/**
 * Sarama, the Go client (Debian's golang-github-shopify-sarama-dev, built with Debian's Go in GOPATH mode), against
 * the real broker: a fourth protocol implementation written by people who never saw this one. The program is
 * test/compat/go/sarama_roundtrip.go; it prints one JSON object that this file checks against what it was told
 * to send and against what the engine stored. A missing Go toolchain or Sarama source is a failure, never a skip
 * (scripts/ensure-system-deps.sh installs both).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OFFSET_ATTRIBUTES } from '../../src/broker/storage/record-batch';
import type { Running } from './harness';
import { removeDir, runJsonProgram, startBroker, testFile } from './harness';

const GO = '/usr/bin/go';
const GOPATH = '/usr/share/gocode';
const SARAMA_SRC = path.join(GOPATH, 'src/github.com/Shopify/sarama');

/** What sarama_roundtrip.go sends as record i (kept in step with the program). */
function saramaRecord(i: number): { key: string; value: string; headers: [string, string][] } {
  return {
    key: Buffer.from(`go-${String(i).padStart(4, '0')}`).toString('hex'),
    value: Buffer.concat([Buffer.from(`sarama value ${i} `), Buffer.alloc(i % 13)]).toString('hex'),
    headers: [['i', Buffer.from(String(i)).toString('hex')]],
  };
}

interface GoRecord {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: [string, string][];
}

describe('Sarama (Go) against Kafka Lite', function () {
  this.timeout(120000);
  let k: Running;
  let buildDir: string;
  let bin: string;

  before(async () => {
    assert.ok(
      fs.existsSync(GO),
      `${GO} is required for the compat tier (apt-get install golang-go golang-github-shopify-sarama-dev)`,
    );
    assert.ok(
      fs.existsSync(SARAMA_SRC),
      `Sarama's source is required in ${SARAMA_SRC} (apt-get install golang-github-shopify-sarama-dev)`,
    );
    buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-sarama-'));
    bin = path.join(buildDir, 'sarama_roundtrip');
    const main = path.join(buildDir, 'main.go');
    fs.copyFileSync(testFile('test/compat/go/sarama_roundtrip.go'), main);
    const r = spawnSync(GO, ['build', '-o', bin, main], {
      cwd: buildDir,
      encoding: 'utf8',
      env: { ...process.env, GO111MODULE: 'off', GOPATH, GOCACHE: path.join(buildDir, 'cache'), GOFLAGS: '' },
      timeout: 300000,
    });
    assert.strictEqual(r.status, 0, `go build of the Sarama program failed:\n${r.stdout}\n${r.stderr}`);
    k = await startBroker();
  });

  after(async () => {
    if (k) {
      await k.stop();
      removeDir(k.dir);
    }
    if (buildDir) removeDir(buildDir);
  });

  it('admin-created topic, idempotent snappy acks=all produce, consumer group read-back and commit, group described', async () => {
    const count = 200;
    const topic = 'sarama-topic';
    const r = await runJsonProgram(bin, [k.bootstrap, topic, 'sarama-group', String(count)], 'sarama_roundtrip');

    assert.strictEqual(r.topicPartitions, 2, 'ListTopics shows the two partitions it created');
    assert.strictEqual(k.broker.getTopic(topic)?.partitions, 2);

    // record i went to partition i % 2 (manual partitioner), so partition p holds records p, p+2, ... at 0, 1, ...
    const expected = (p: number) =>
      Array.from({ length: count / 2 }, (_, j) => ({ partition: p, offset: j, ...saramaRecord(2 * j + p) }));
    assert.deepStrictEqual(
      r.acks,
      Array.from({ length: count }, (_, i) => [i, i % 2, Math.floor(i / 2)]),
      'each send was acknowledged at its partition and offset',
    );
    const records = (r.records as GoRecord[]).slice().sort((a, b) => a.partition - b.partition || a.offset - b.offset);
    assert.deepStrictEqual(
      records,
      [...expected(0), ...expected(1)],
      'the group read back exactly what was sent, once',
    );

    for (const p of [0, 1]) {
      const stored = k.broker.readRecords(topic, p, 0, 1000);
      assert.deepStrictEqual(
        stored.map((s) => ({
          partition: s.partition,
          offset: s.offset,
          key: s.key!.toString('hex'),
          value: s.value!.toString('hex'),
          headers: s.headers.map((h) => [h.key, h.value!.toString('hex')]),
        })),
        expected(p),
        `the engine stored exactly what Sarama sent to partition ${p}`,
      );
      const [producer] = k.broker.producerState(topic, p);
      assert.ok(
        producer && producer.producerId >= 0,
        `partition ${p} has Sarama's idempotent producer in its sequence window`,
      );
      assert.strictEqual(
        producer.nextSequence,
        count / 2,
        `partition ${p}: the next expected sequence follows the ${count / 2} records`,
      );
    }
    const raw = k.broker.fetch(topic, 0, 0, 16 * 1024 * 1024).records;
    const codecs: number[] = [];
    for (let pos = 0; pos < raw.length; pos += 12 + raw.readInt32BE(pos + 8))
      codecs.push(raw.readInt16BE(pos + OFFSET_ATTRIBUTES) & 0x7);
    assert.ok(
      codecs.length > 0 && codecs.every((c) => c === 2),
      `the stored batches are snappy-compressed as Sarama sent them (codecs ${codecs.join(',')})`,
    );

    assert.deepStrictEqual(r.claims, [[0, 1]], 'the only member was assigned both partitions');
    assert.deepStrictEqual(r.committed, { '0': count / 2, '1': count / 2 }, 'Sarama reads back its commits');
    assert.deepStrictEqual(
      k.broker.fetchOffsets('sarama-group', [{ topic, partitions: [0, 1] }]).map((c) => [c.partition, c.offset]),
      [
        [0, count / 2],
        [1, count / 2],
      ],
    );
    assert.strictEqual(r.groupState, 'Empty', 'after Close the member has left');
    assert.strictEqual(r.groupProtocol, 'consumer');
  });
});
