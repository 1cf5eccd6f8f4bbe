/**
 * Python clients from PyPI — kafka-python 3 (pure Python) and confluent-kafka 2 (librdkafka, bundled in its
 * wheel) — against the real broker. scripts/ensure-python-clients.sh keeps a virtualenv in the cache folder
 * (.vscode-test/py-venv) with the versions pinned in test/compat/python/requirements.txt; each case runs a script
 * from test/compat/python/ under that venv's python with the bootstrap address. The script prints one JSON object,
 * and this file checks it against the records the script was told to send and against what the engine stored.
 * confluent_transactions.py drives librdkafka's transactional producer (commit, abort, consume-transform-produce,
 * fencing) and both isolation levels. The client versions the run used are printed. A missing interpreter, venv
 * module or wheel is a failure, never a skip (the error names it and the command that installs it).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import type { RecordHeader } from '../../src/broker/types';
import type { Running } from './harness';
import { removeDir, runJsonProgram, startBroker, testFile } from './harness';

/** The venv's interpreter, as printed on the last line by scripts/ensure-python-clients.sh. */
let python = '';

interface PyRecord {
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

function runPython(name: string, args: string[], timeoutMs = 45000): Promise<Record<string, unknown>> {
  return runJsonProgram(python, [testFile(`test/compat/python/${name}`), ...args], name, timeoutMs);
}

const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
const headersHex = (hs: RecordHeader[]): [string, string | null][] => hs.map((h) => [h.key, hex(h.value)]);

/** What kafka_python_roundtrip.py sends as record i (kept in step with record() there). */
function kafkaPythonRecord(i: number): { key: string; value: string | null; headers: [string, string][] } {
  return {
    key: Buffer.from(`key-${String(i).padStart(3, '0')}`).toString('hex'),
    value: i === 7 ? null : Buffer.concat([Buffer.from([i % 256, 0, 255]), Buffer.from(`value-${i}`)]).toString('hex'),
    headers: [
      ['idx', Buffer.from(String(i)).toString('hex')],
      ['bin', Buffer.from([255 - (i % 256), 0]).toString('hex')],
    ],
  };
}

/** What confluent_group.py sends as record i (kept in step with record() there). */
function confluentRecord(i: number): { key: string; value: string; headers: [string, string][] } {
  return {
    key: Buffer.from(`ck-${String(i).padStart(4, '0')}`).toString('hex'),
    value: Buffer.concat([Buffer.from(`confluent value ${i} `), Buffer.alloc(i % 17, i % 256)]).toString('hex'),
    headers: [['n', Buffer.from(String(i)).toString('hex')]],
  };
}

describe('Python clients (kafka-python, confluent-kafka) against Kafka Lite', function () {
  this.timeout(60000);
  let k: Running;

  before(async function () {
    this.timeout(600000); // the first run creates the venv and downloads the wheels
    const script = testFile('scripts/ensure-python-clients.sh');
    const r = spawnSync('bash', [script], { encoding: 'utf8', timeout: 540000 });
    assert.strictEqual(r.status, 0, `${script} could not provide the Python clients:\n${r.stdout}\n${r.stderr}`);
    python = r.stdout.trim().split('\n').pop()!;
    const v = spawnSync(
      python,
      [
        '-c',
        'import platform, confluent_kafka; from importlib.metadata import version as v; ' +
          "print('Python %s, kafka-python %s, confluent-kafka %s (librdkafka %s)' % " +
          "(platform.python_version(), v('kafka-python'), v('confluent-kafka'), confluent_kafka.libversion()[0]))",
      ],
      { encoding: 'utf8' },
    );
    assert.strictEqual(v.status, 0, `${python} cannot report the client versions: ${v.stderr}`);
    console.log(`      clients: ${v.stdout.trim()} in ${python}`);
    k = await startBroker();
  });

  after(async () => {
    if (!k) return;
    await k.stop();
    removeDir(k.dir);
  });

  it('kafka-python: admin-created topic, 100 keyed records with headers (acks=all) round-trip and the group commit is stored', async () => {
    const count = 100;
    const r = await runPython('kafka_python_roundtrip.py', [k.bootstrap, 'kp-roundtrip', 'kp-group', String(count)]);

    // api_version was auto-detected from our ApiVersions answer: a broker new enough for record headers
    const detected = r.apiVersion as number[];
    assert.ok(detected[0] >= 2, `kafka-python detected broker version ${detected.join('.')}`);
    assert.strictEqual(r.idempotent, true, 'kafka-python 3 produces idempotently by default against this broker');
    assert.deepStrictEqual(r.createTopicErrors, [['kp-roundtrip', 0]]);
    assert.strictEqual(k.broker.getTopic('kp-roundtrip')?.partitions, 1);

    const expected = Array.from({ length: count }, (_, i) => ({ partition: 0, offset: i, ...kafkaPythonRecord(i) }));
    assert.deepStrictEqual(
      r.acks,
      expected.map((e) => [0, e.offset]),
      'each send was acked at its offset',
    );
    assert.deepStrictEqual(r.records, expected, 'consumed records equal produced ones');

    const stored = k.broker.readRecords('kp-roundtrip', 0, 0, 1000);
    assert.deepStrictEqual(
      stored.map((s) => ({
        partition: s.partition,
        offset: s.offset,
        key: hex(s.key),
        value: hex(s.value),
        headers: headersHex(s.headers),
      })),
      expected,
      'the engine stored exactly what kafka-python sent',
    );
    const [producer, ...others] = k.broker.producerState('kp-roundtrip', 0);
    assert.ok(producer && producer.producerId >= 0 && others.length === 0, 'one idempotent kafka-python producer');
    assert.strictEqual(producer.nextSequence, count, 'the next expected sequence follows the records');

    assert.strictEqual(r.committed, count, 'kafka-python reads back its commit');
    const committed = k.broker.fetchOffsets('kp-group', [{ topic: 'kp-roundtrip', partitions: [0] }]);
    assert.deepStrictEqual(
      committed.map((c) => [c.topic, c.partition, c.offset, c.errorCode]),
      [['kp-roundtrip', 0, count, 0]],
    );
  });

  it('confluent-kafka: an idempotent producer and two group members on a 2-partition topic, one partition each', async () => {
    const count = 200;
    const topic = 'ck-group-topic';
    const r = await runPython('confluent_group.py', [k.bootstrap, topic, 'ck-group', String(count)]);
    assert.strictEqual(k.broker.getTopic(topic)?.partitions, 2);

    const assignments = r.assignments as number[][];
    assert.deepStrictEqual([...assignments].sort(), [[0], [1]], 'each member owns one partition');

    // record i went to partition i % 2, so partition p holds records p, p+2, ... at offsets 0, 1, ...
    const perPartition = (p: number) =>
      Array.from({ length: count / 2 }, (_, j) => ({ partition: p, offset: j, ...confluentRecord(2 * j + p) }));
    const received = r.records as PyRecord[][];
    for (let m = 0; m < 2; m++) {
      const p = assignments[m][0];
      assert.deepStrictEqual(received[m], perPartition(p), `member ${m} read exactly partition ${p}, in order`);
    }
    assert.deepStrictEqual(
      (r.deliveries as number[][]).map(([p, o]) => `${p}:${o}`).sort(),
      [...perPartition(0), ...perPartition(1)].map((e) => `${e.partition}:${e.offset}`).sort(),
      'one delivery report per record, at the offset it was stored at',
    );

    for (const p of [0, 1]) {
      const stored = k.broker.readRecords(topic, p, 0, 1000);
      assert.deepStrictEqual(
        stored.map((s) => ({
          partition: s.partition,
          offset: s.offset,
          key: hex(s.key),
          value: hex(s.value),
          headers: headersHex(s.headers),
        })),
        perPartition(p),
      );
      assert.ok(
        stored.every((s) => s.producerId >= 0 && s.baseSequence >= 0),
        `partition ${p}: batches carry a producer id and sequences`,
      );
      const state = k.broker.producerState(topic, p);
      assert.strictEqual(state.length, 1, `partition ${p}: one idempotent producer`);
      assert.strictEqual(state[0].nextSequence, count / 2);
    }

    assert.deepStrictEqual((r.committed as number[][][]).flat().sort(), [
      [0, count / 2],
      [1, count / 2],
    ]);
    const committed = k.broker.fetchOffsets('ck-group', [{ topic, partitions: [0, 1] }]);
    assert.deepStrictEqual(committed.map((c) => [c.partition, c.offset]).sort(), [
      [0, count / 2],
      [1, count / 2],
    ]);
  });
  describe('confluent-kafka transactions', () => {
    type Read = [number, string][];
    const values = (r: Read) => r.map(([, v]) => v);

    it('commit and abort: read_committed reads the committed records only, read_uncommitted every one', async () => {
      const r = await runPython('confluent_transactions.py', [k.bootstrap, 'commit-abort', 'pyca']);
      // a 0, b 1, COMMIT 2, x 3, y 4, ABORT 5, c 6, COMMIT 7
      assert.deepStrictEqual(r.committed, [
        [0, 'a'],
        [1, 'b'],
        [6, 'c'],
      ]);
      assert.deepStrictEqual(values(r.uncommitted as Read), ['a', 'b', 'x', 'y', 'c']);
      assert.strictEqual(k.broker.partitionInfo('pyca-ca', 0).logEndOffset, 8, 'five records and three markers');
    });

    it('isolation.level: read_committed ends at the last stable offset of an open transaction, read_uncommitted at the high watermark', async () => {
      const r = await runPython('confluent_transactions.py', [k.bootstrap, 'open', 'pyopen']);
      const during = r.during as { committed: Read; uncommitted: Read };
      const after = r.after as { committed: Read; uncommitted: Read };
      assert.deepStrictEqual(values(during.committed), ['before'], 'the open transaction is not read yet');
      assert.deepStrictEqual(values(during.uncommitted), ['before', 'p1', 'p2']);
      assert.deepStrictEqual(values(after.committed), ['before', 'p1', 'p2'], 'readable once committed');
    });

    it('consume-transform-produce: send_offsets_to_transaction commits the input offsets with the output', async () => {
      const r = await runPython('confluent_transactions.py', [k.bootstrap, 'ctp', 'pyctp']);
      assert.deepStrictEqual(r.input, ['one', 'two', 'three']);
      assert.strictEqual(r.committedOffset, 3, 'the client reads back the offset committed by the transaction');
      const out = r.output as { committed: Read };
      assert.deepStrictEqual(values(out.committed), ['ONE', 'TWO', 'THREE']);
      const stored = k.broker.fetchOffsets('pyctp-group', [{ topic: 'pyctp-in', partitions: [0] }]);
      assert.deepStrictEqual(
        stored.map((c) => c.offset),
        [3],
      );
    });

    it('fencing: a second producer with the same transactional.id aborts the first one, whose next call fails fatally', async () => {
      const r = await runPython('confluent_transactions.py', [k.bootstrap, 'fence', 'pyfence']);
      const error = r.error as { name: string; fatal: boolean } | null;
      assert.ok(error, 'the fenced producer must fail');
      assert.strictEqual(error.fatal, true, `a fatal error, got ${JSON.stringify(error)}`);
      assert.deepStrictEqual(values(r.committed as Read), ['winner']);
      assert.deepStrictEqual(values(r.uncommitted as Read), ['zombie', 'winner'], 'the zombie record was aborted');
    });
  });
});
