/**
 * Topic ids in storage: generated at creation, persisted in topics.db, the same after a restart; a topic from
 * an older data directory (no id in its metadata) or adopted from its directories gets one and keeps it; a
 * topic deleted and created again under the same name never gets its old id back.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { isTopicId, newTopicId, topicIdFromBytes, topicIdText, topicIdToBytes } from '../../../../src/broker/topic-id';
import { append, batchOf, harness } from './helpers';
import type { Harness } from './helpers';

describe('storage: topic ids', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const fresh = (): Harness => {
    const h = harness();
    dirs.push(h.dir);
    return h;
  };
  const dbLines = (h: Harness) =>
    fs
      .readFileSync(path.join(h.dir, 'meta', 'topics.db'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('a created topic has a UUID that is written to topics.db and is the same after a restart', async () => {
    const h = fresh();
    let m = await h.open();
    const a = await m.createTopic('orders', 2);
    const b = await m.createTopic('payments', 1);
    assert.ok(isTopicId(a.topicId) && isTopicId(b.topicId), `${a.topicId} ${b.topicId}`);
    assert.notStrictEqual(a.topicId, b.topicId);
    assert.strictEqual(m.getTopic('orders')!.topicId, a.topicId);
    assert.ok(dbLines(h).some((d) => d._id === 'orders' && d.topicId === a.topicId));
    await m.close();
    m = await h.open();
    assert.strictEqual(m.getTopic('orders')!.topicId, a.topicId);
    assert.strictEqual(m.getTopic('payments')!.topicId, b.topicId);
    await m.close();
  });

  it('a topic deleted and created again under the same name gets a new id', async () => {
    const h = fresh();
    const m = await h.open();
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const t = await m.createTopic('again', 1);
      assert.ok(!seen.has(t.topicId), `id ${t.topicId} reused at creation ${i + 1}`);
      seen.add(t.topicId);
      await m.deleteTopic('again');
    }
    await m.close();
  });

  it('a topic from an older data directory (metadata without an id) gets one at open and keeps it', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('old', 3);
    append(m, 'old', 1, batchOf(2, 'v', 1));
    await m.close();
    // rewrite topics.db as a version before topic ids wrote it
    const file = path.join(h.dir, 'meta', 'topics.db');
    const docs = dbLines(h).map(({ topicId: _dropped, ...rest }) => rest);
    fs.writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    m = await h.open();
    const id = m.getTopic('old')!.topicId;
    assert.ok(isTopicId(id), id);
    assert.strictEqual(m.getTopic('old')!.partitions, 3);
    assert.ok(
      h.logs.some((l) => /topic "old": its metadata has no topic id; it now has topic id/.test(l)),
      h.logs.join('\n'),
    );
    await m.close();
    m = await h.open();
    assert.strictEqual(m.getTopic('old')!.topicId, id, 'the id given at the first open is kept');
    await m.close();
  });

  it('a topic adopted from its directories (no metadata) gets an id and keeps it', async () => {
    const h = fresh();
    let m = await h.open();
    await m.createTopic('orphan', 2);
    append(m, 'orphan', 0, batchOf(1, 'v', 1));
    await m.close();
    fs.rmSync(path.join(h.dir, 'meta', 'topics.db'));
    m = await h.open();
    const id = m.getTopic('orphan')!.topicId;
    assert.ok(isTopicId(id), id);
    await m.close();
    m = await h.open();
    assert.strictEqual(m.getTopic('orphan')!.topicId, id);
    await m.close();
  });

  it('ids convert to the 16 wire bytes and back, and print as Kafka prints them (22 URL-safe base64 chars)', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    assert.strictEqual(topicIdToBytes(id).toString('hex'), '0f1e2d3c4b5a69788796a5b4c3d2e1f0');
    assert.strictEqual(topicIdFromBytes(topicIdToBytes(id)), id);
    assert.strictEqual(topicIdText(id), 'Dx4tPEtaaXiHlqW0w9Lh8A');
    assert.ok(!isTopicId('00000000-0000-0000-0000-000000000000'), 'the zero id is no topic id');
  });

  it('only the whole canonical UUID text is a topic id: padded, cut, upper-case and non-string values are not', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    assert.ok(isTopicId(id));
    for (const bad of [
      `x${id}`,
      `${id}x`,
      ` ${id}`,
      id.slice(1),
      id.toUpperCase(),
      id.replace(/-/g, ''),
      '',
      42,
      null,
      undefined,
    ]) {
      assert.ok(!isTopicId(bad), `${JSON.stringify(bad)} is no topic id`);
    }
  });

  it('a new id is never malformed, never the zero id, and never one whose printed form starts with "-"', () => {
    // 0xf8 as the first byte makes the base64url text start with "-", which a command line reads as an option.
    const dash = 'f8000000-0000-4000-8000-000000000000';
    assert.ok(topicIdText(dash).startsWith('-'), topicIdText(dash));
    const good = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const offered = ['not-a-uuid', '00000000-0000-0000-0000-000000000000', dash, good.toUpperCase()];
    const seen: string[] = [];
    const id = newTopicId(() => {
      const next = offered.shift()!;
      seen.push(next);
      return next;
    });
    // The upper-case text is taken in its canonical lower-case form; the three before it were refused.
    assert.strictEqual(id, good);
    assert.strictEqual(seen.length, 4);
  });
});
