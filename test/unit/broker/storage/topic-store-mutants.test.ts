/**
 * What TopicStore.open salvages from damaged topics.db lines (docs/LOG_FORMAT.md, "Topic metadata"): the configs
 * list is read only from the "configs" key, wherever on the line that key stands (also at its very start, when
 * the line lost its opening brace), read whole when its values hold brackets, quotes or backslashes, and a readable
 * partition count is kept only when it is at least 1. A topic that a later good line restores is not damaged.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TopicStore } from '../../../../src/broker/storage/topic-store';

const dirs: string[] = [];

async function openWith(lines: string[]): Promise<Awaited<ReturnType<typeof TopicStore.open>>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-topic-store-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'topics.db'), lines.map((l) => `${l}\n`).join(''));
  return TopicStore.open(dir, () => undefined, 1700000000000);
}

describe('storage: what a damaged topics.db line still gives its topic', () => {
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('a damaged line whose "configs" key opens the line keeps those configs', async () => {
    const { topics, damaged } = await openWith([
      '"configs":[["retention.ms","1000"],["cleanup.policy","compact"]],"_id":"front","name":"front","partitions":3}',
    ]);
    assert.deepStrictEqual(topics, []);
    assert.deepStrictEqual(damaged, [
      { name: 'front', partitions: 3, configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } },
    ]);
  });

  it('a damaged line without a "configs" key salvages no configs, even when it holds a list of pairs', async () => {
    const { damaged } = await openWith([
      '{        [["cleanup.policy","compact"]],"_id":"nokey","partitions":2}',
      '{"_id":"renamed","name":"renamed","partitions":2,"confs":[["retention.ms","5"]],"createdAt":x}',
    ]);
    assert.deepStrictEqual(damaged, [
      { name: 'nokey', partitions: 2 },
      { name: 'renamed', partitions: 2 },
    ]);
  });

  it('a salvaged partition count of 1 is kept and a count of 0 is not', async () => {
    const { damaged } = await openWith([
      '{"_id":"one","name":"one","partitions":1,"configs":[],"createdAt":x}',
      '{"_id":"none","name":"none","partitions":0,"configs":[],"createdAt":1}',
    ]);
    assert.deepStrictEqual(damaged, [
      { name: 'one', partitions: 1, configs: {} },
      { name: 'none', configs: {} },
    ]);
  });

  it('configs whose values hold brackets, quotes and backslashes are read whole off a damaged line', async () => {
    const configs = [
      ['a', 'x]y'],
      ['b', 'q"]z'],
      ['c', 'back\\'],
      ['d', '[['],
    ];
    const line = `{"_id":"esc","name":"esc","partitions":2,"configs":${JSON.stringify(configs)},"createdAt":x}`;
    const { damaged } = await openWith([line]);
    assert.deepStrictEqual(damaged, [
      { name: 'esc', partitions: 2, configs: { a: 'x]y', b: 'q"]z', c: 'back\\', d: '[[' } },
    ]);
  });

  it('a damaged line of a topic that a later good line restores is not returned as damaged', async () => {
    const good = JSON.stringify({
      _id: 'back',
      name: 'back',
      topicId: '11111111-1111-4111-8111-111111111111',
      partitions: 2,
      configs: [['retention.ms', '7']],
      createdAt: 1700000000000,
    });
    const { topics, damaged } = await openWith([
      '{"_id":"back","name":"back","partitions":5,"configs":[],"createdAt":x}',
      good,
    ]);
    assert.deepStrictEqual(
      topics.map((t) => [t.name, t.partitions, t.configs]),
      [['back', 2, { 'retention.ms': '7' }]],
    );
    assert.deepStrictEqual(damaged, []);
  });
});
