/**
 * Sarama, the Go client (github.com/IBM/sarama, the maintained successor of Shopify/sarama, pinned in the Go
 * module test/compat/go with its go.sum), against the real broker: a fourth protocol implementation written by
 * people who never saw this one. The program is test/compat/go/sarama_roundtrip.go, built with the first `go` on
 * PATH (or /usr/local/go/bin/go) that is at least as new as go.mod's `go` line; modules and build cache live in
 * the cache folder (.vscode-test/go-mod, .vscode-test/go-build), so only the first run downloads. It prints one
 * JSON object that this file checks against what it was told to send and against what the engine stored; the Go
 * and Sarama versions the binary was built with are printed. test/compat/go/txn is Sarama's transactional producer
 * with a ReadCommitted and a ReadUncommitted consumer. A missing or too old Go is a failure, never a skip.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { OFFSET_ATTRIBUTES } from '../../src/broker/storage/record-batch';
import type { Running } from './harness';
import { removeDir, runJsonProgram, startBroker, testFile } from './harness';

/** "1.26.0" or "go1.26.8" to [1, 26, 0] / [1, 26, 8]; pre-release suffixes ("rc1") are ignored. */
function versionParts(v: string): number[] {
  return v
    .replace(/^go/, '')
    .split('.')
    .map((p) => parseInt(p, 10) || 0);
}

function atLeast(have: string, need: string): boolean {
  const [h, n] = [versionParts(have), versionParts(need)];
  for (let i = 0; i < Math.max(h.length, n.length); i++)
    if ((h[i] ?? 0) !== (n[i] ?? 0)) return (h[i] ?? 0) > (n[i] ?? 0);
  return true;
}

/** The first `go` on PATH, then /usr/local/go/bin/go, whose version is at least `need`; else an error naming them. */
function findGo(need: string): { go: string; version: string } {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((d) => path.join(d, 'go')),
    '/usr/local/go/bin/go',
  ];
  const seen: string[] = [];
  for (const go of [...new Set(candidates)]) {
    if (!fs.existsSync(go)) continue;
    const r = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
    const version = r.status === 0 ? r.stdout.trim() : 'unknown version';
    if (r.status === 0 && atLeast(version, need)) return { go, version };
    seen.push(`${go} (${version})`);
  }
  throw new Error(
    `Go ${need} or newer is required to build test/compat/go (github.com/IBM/sarama); found ` +
      `${seen.length ? seen.join(', ') : 'no go on PATH'}. Debian bookworm's golang-go is 1.19, too old: put Go ` +
      `>= ${need} first on PATH (e.g. the official linux tarball unpacked into /usr/local/go, ` +
      `PATH=/usr/local/go/bin:$PATH); bash scripts/ensure-system-deps.sh checks the same`,
  );
}

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
  let txnBin: string;

  before(async function () {
    this.timeout(600000); // the first run downloads the modules into the cache folder
    const goMod = testFile('test/compat/go/go.mod');
    const moduleDir = path.dirname(goMod);
    const cache = path.resolve(moduleDir, '../../../.vscode-test');
    const need = /^go\s+(\S+)\s*$/m.exec(fs.readFileSync(goMod, 'utf8'))?.[1];
    assert.ok(need, `${goMod} has no go line`);
    const { go, version } = findGo(need);
    buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-sarama-'));
    bin = path.join(buildDir, 'sarama_roundtrip');
    const env = {
      ...process.env,
      GO111MODULE: 'on',
      GOWORK: 'off',
      GOTOOLCHAIN: 'local', // never fetch another toolchain: the one found above builds it or the test fails
      GOFLAGS: '-mod=readonly -modcacherw -buildvcs=false', // go.mod/go.sum as committed; a cache rm -rf can delete
      GOMODCACHE: path.join(cache, 'go-mod'),
      GOCACHE: path.join(cache, 'go-build'),
      GOPATH: path.join(cache, 'go-path'),
    };
    const r = spawnSync(go, ['build', '-o', bin, '.'], { cwd: moduleDir, encoding: 'utf8', env, timeout: 540000 });
    assert.strictEqual(r.status, 0, `${go} build of ${moduleDir} failed:\n${r.stdout}\n${r.stderr}`);
    txnBin = path.join(buildDir, 'sarama_txn');
    const t = spawnSync(go, ['build', '-o', txnBin, './txn'], {
      cwd: moduleDir,
      encoding: 'utf8',
      env,
      timeout: 540000,
    });
    assert.strictEqual(t.status, 0, `${go} build of ${moduleDir}/txn failed:\n${t.stdout}\n${t.stderr}`);
    const m = spawnSync(go, ['version', '-m', bin], { encoding: 'utf8', env });
    const sarama = /^\s*dep\s+github\.com\/IBM\/sarama\s+(\S+)/m.exec(m.stdout)?.[1];
    assert.ok(sarama, `the built program does not record github.com/IBM/sarama as a dependency:\n${m.stdout}`);
    console.log(`      clients: ${version} (${go}), github.com/IBM/sarama ${sarama}`);
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

  it('a transactional SyncProducer commits and aborts; a ReadCommitted consumer skips the aborted record', async () => {
    const r = await runJsonProgram(txnBin, [k.bootstrap, 'sarama-txn'], 'sarama txn');
    // a 0, b 1, COMMIT 2, x 3, ABORT 4, c 5, COMMIT 6
    assert.deepStrictEqual(r.committed, [
      [0, 'a'],
      [1, 'b'],
      [5, 'c'],
    ]);
    assert.deepStrictEqual(r.uncommitted, [
      [0, 'a'],
      [1, 'b'],
      [3, 'x'],
      [5, 'c'],
    ]);
    assert.strictEqual(k.broker.partitionInfo('sarama-txn', 0).logEndOffset, 7, 'four records and three markers');
    assert.strictEqual(k.broker.describeTransaction('sarama-txn-sarama-txn')?.state, 'CompleteCommit');
  });
});
