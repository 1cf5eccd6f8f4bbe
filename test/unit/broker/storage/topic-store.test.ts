/**
 * Damaged topic metadata (`meta/topics.db`): a bad line, a truncated file, a lost line. Topic directories are
 * never thrown away for want of metadata: they are adopted, and every topic whose metadata cannot be read is
 * named in the log. Creating a topic never deletes an existing directory.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { KafkaError } from '../../../../src/broker/errors';
import { ErrorCode } from '../../../../src/broker/errors';
import { decodeRecordBatches } from '../../../../src/broker/storage/record-batch';
import type { Harness, Manager } from './helpers';
import { append, batchOf, harness } from './helpers';

const TOPICS = 20;
const name = (i: number) => `topic-${String(i).padStart(2, '0')}`;

function values(m: Manager, topic: string, partition: number): string[] {
  return decodeRecordBatches(m.read(topic, partition, 0, 1 << 30).records).flatMap((b) =>
    b.records.map((r) => r.value!.toString()),
  );
}

describe('storage: damaged topic metadata never costs a topic its records', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** 20 topics of 1..3 partitions (odd ones with a retention.ms override), 2 batches each, closed cleanly. */
  async function twentyTopics(): Promise<Harness> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    for (let i = 0; i < TOPICS; i++) {
      await m.createTopic(name(i), 1 + (i % 3), i % 2 ? { 'retention.ms': String(1000 * (i + 1)) } : {});
      for (let p = 0; p < 1 + (i % 3); p++) {
        append(m, name(i), p, batchOf(2, `${name(i)}/${p}/a`, 1));
        append(m, name(i), p, batchOf(2, `${name(i)}/${p}/b`, 2));
      }
    }
    await m.close();
    return h;
  }

  const dbFile = (h: Harness) => path.join(h.dir, 'meta', 'topics.db');

  function assertAllTopics(m: Manager, withConfigs: (i: number) => boolean): void {
    assert.deepStrictEqual(
      m.listTopics().map((t) => t.name),
      Array.from({ length: TOPICS }, (_, i) => name(i)),
    );
    for (let i = 0; i < TOPICS; i++) {
      const t = m.getTopic(name(i))!;
      assert.strictEqual(t.partitions, 1 + (i % 3), name(i));
      if (withConfigs(i))
        assert.deepStrictEqual(t.configs, i % 2 ? { 'retention.ms': String(1000 * (i + 1)) } : {}, name(i));
      for (let p = 0; p < t.partitions; p++) assert.strictEqual(values(m, name(i), p).length, 4, `${name(i)}-${p}`);
    }
  }

  it('one line of topics.db that is no longer JSON: the topic keeps its records and configs, is named in the log, and the damaged file is kept', async () => {
    const h = await twentyTopics();
    const lines = fs.readFileSync(dbFile(h), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes(`"${name(7)}"`));
    const id = (JSON.parse(lines[at]) as { topicId: string }).topicId;
    lines[at] = lines[at].replace('"createdAt":', '"createdAt":x'); // one byte: no longer JSON
    fs.writeFileSync(dbFile(h), lines.join('\n'));
    const damaged = fs.readFileSync(dbFile(h));
    let m = await h.open();
    assertAllTopics(m, () => true);
    assert.strictEqual(m.getTopic(name(7))!.topicId, id, 'the id read off the damaged line is kept');
    const copies = fs.readdirSync(path.join(h.dir, 'meta')).filter((f) => f.startsWith('topics.db.corrupt-'));
    assert.strictEqual(copies.length, 1);
    assert.deepStrictEqual(fs.readFileSync(path.join(h.dir, 'meta', copies[0])), damaged);
    assert.deepStrictEqual(
      h.logs.filter((l) => l.startsWith('warn: ')),
      [
        `warn: topic metadata ${dbFile(h)} line ${at + 1} is damaged (not JSON): the metadata of topic "${name(7)}" cannot be read from it`,
        `warn: topic metadata ${dbFile(h)}: 1 damaged line(s); the damaged file is kept as ${path.join(h.dir, 'meta', copies[0])}`,
        `warn: topic "${name(7)}" has directories but no readable metadata: adopted with 2 partition(s) and the configs read off its damaged metadata (1 override(s))`,
      ],
    );
    await m.close();
    // The adopted metadata was written again: the next open is quiet.
    h.logs.length = 0;
    m = await h.open();
    assertAllTopics(m, () => true);
    assert.deepStrictEqual(
      h.logs.filter((l) => l.startsWith('warn')),
      [],
    );
    await m.close();
  });

  it('topics.db truncated to half: every topic comes back from its directories, each adopted one named in the log', async () => {
    const h = await twentyTopics();
    const buf = fs.readFileSync(dbFile(h));
    fs.writeFileSync(dbFile(h), buf.subarray(0, Math.floor(buf.length / 2)));
    const m = await h.open();
    // Partition counts and records come from the directories; configs of wholly lost lines cannot be known.
    assertAllTopics(m, (i) => i < 9);
    const adopted = h.logs.filter((l) => /^warn: topic "topic-\d\d" has directories but no readable metadata/.test(l));
    assert.ok(adopted.length >= 10, h.logs.join('\n'));
    // The cut line has no newline: it is reported as torn. Wholly lost lines leave nothing to salvage configs from.
    assert.ok(
      h.logs.some((l) => /^warn: topic metadata .* line \d+ is damaged \(torn \(no newline, not JSON\)\)/.test(l)),
      h.logs.join('\n'),
    );
    assert.ok(
      adopted.some((l) => l.endsWith('and default configs (its overrides, if any, could not be recovered)')),
      adopted.join('\n'),
    );
    await m.close();
  });

  it('a topic whose metadata line is gone is adopted with its partitions; a Metadata auto-create finds it instead of wiping it', async () => {
    const h = await twentyTopics();
    const lines = fs.readFileSync(dbFile(h), 'utf8').split('\n');
    fs.writeFileSync(dbFile(h), lines.filter((l) => !l.includes(`"${name(5)}"`)).join('\n'));
    const m = await h.open();
    assert.strictEqual(m.getTopic(name(5))?.partitions, 3);
    await assert.rejects(m.createTopic(name(5), 1), (e: KafkaError) => e.code === ErrorCode.TOPIC_ALREADY_EXISTS);
    for (let p = 0; p < 3; p++) assert.strictEqual(values(m, name(5), p).length, 4);
    await m.close();
  });

  it('creating a topic never deletes a directory that already holds records', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('src', 1);
    append(m, 'src', 0, batchOf(3, 'kept', 1));
    await m.flush();
    // A directory appears for a topic the running broker does not know (copied in, or left by another broker).
    fs.cpSync(path.join(h.dir, 'topics', 'src-0'), path.join(h.dir, 'topics', 'other-0'), { recursive: true });
    const before = fs.readFileSync(path.join(h.dir, 'topics', 'other-0', '00000000000000000000.log'));
    await assert.rejects(m.createTopic('other', 1), /already holds records/);
    assert.deepStrictEqual(fs.readFileSync(path.join(h.dir, 'topics', 'other-0', '00000000000000000000.log')), before);
    assert.strictEqual(m.getTopic('other'), undefined);
    await m.close();
    const m2 = await h.open();
    assert.deepStrictEqual(values(m2, 'other', 0), ['kept-0', 'kept-1', 'kept-2']);
    await m2.close();
  });

  it('a name differing from an existing topic only in case is refused (they would share a directory on Windows and macOS)', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('Orders', 1);
    await assert.rejects(
      m.createTopic('orders', 1),
      (e: KafkaError) =>
        e.code === ErrorCode.INVALID_TOPIC_EXCEPTION && /collides with existing topic "Orders"/.test(e.message),
    );
    assert.deepStrictEqual(
      m.listTopics().map((t) => t.name),
      ['Orders'],
    );
    await m.close();
  });

  it('the remains of an interrupted topic deletion are removed at open, not adopted', async () => {
    const h = harness();
    dirs.push(h.dir);
    let m = await h.open();
    await m.createTopic('gone', 1);
    append(m, 'gone', 0, batchOf(1, 'x', 1));
    await m.deleteTopic('gone');
    await m.close();
    // What a deletion that stopped between its rename and its removal leaves behind.
    fs.mkdirSync(path.join(h.dir, 'topics', 'gone-0.1700000000000-delete'));
    fs.writeFileSync(path.join(h.dir, 'topics', 'gone-0.1700000000000-delete', '00000000000000000000.log'), 'x');
    m = await h.open();
    assert.strictEqual(m.getTopic('gone'), undefined);
    assert.deepStrictEqual(fs.readdirSync(path.join(h.dir, 'topics')), []);
    await m.close();
  });
});
