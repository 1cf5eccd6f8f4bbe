import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeClock } from '../../../src/broker/clock';
import { openOffsetStore } from '../../../src/broker/offsets/offset-store';

describe('offset store', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('commit then fetch returns the offset and the metadata string exactly (null stays null, empty stays empty)', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    await store.commit('g', 'm1', 3, [
      { topic: 't', partition: 0, offset: 42, metadata: 'ünïcode {"json":true}' },
      { topic: 't', partition: 1, offset: 7, metadata: null },
      { topic: 't', partition: 2, offset: 9, metadata: '' },
    ]);
    const got = store.fetch('g', [{ topic: 't', partitions: [0, 1, 2, 3] }]);
    assert.deepStrictEqual(
      got.map((c) => [c.partition, c.offset, c.metadata]),
      [
        [0, 42, 'ünïcode {"json":true}'],
        [1, 7, null],
        [2, 9, ''],
        [3, -1, null],
      ],
    );
    assert.deepStrictEqual(store.fetch('g', null).map((c) => c.partition), [0, 1, 2]);
    assert.deepStrictEqual(store.fetch('other', null), []);
    assert.deepStrictEqual(store.groupsWithOffsets(), ['g']);
    await store.close();
  });

  it('commits survive a restart, metadata included', async () => {
    const clock = new FakeClock();
    const a = await openOffsetStore({ dir, clock, historyLimit: 50 });
    await a.commit('g', 'm1', 1, [{ topic: 't', partition: 0, offset: 5, metadata: null }]);
    await a.commit('g', 'm1', 1, [{ topic: 't', partition: 0, offset: 8, metadata: 'second' }]);
    await a.commit('h', 'm2', 2, [{ topic: 't', partition: 1, offset: 1, metadata: 'x' }]);
    await a.close();
    const b = await openOffsetStore({ dir, clock, historyLimit: 50 });
    assert.deepStrictEqual(b.fetch('g', [{ topic: 't', partitions: [0] }])[0], { topic: 't', partition: 0, offset: 8, metadata: 'second', errorCode: 0 });
    assert.strictEqual(b.fetch('h', null)[0].metadata, 'x');
    assert.deepStrictEqual(b.history('g', 't', 0).map((h) => h.offset), [5, 8]);
    await b.close();
  });

  it('an acknowledged commit survives even without a clean close (the write was awaited)', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 11, metadata: 'm' }]);
    // no close: the process "dies" here
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    assert.strictEqual(b.fetch('g', null)[0].offset, 11);
    await b.close();
  });

  it('history records who committed what and when, keeps only the newest historyLimit entries, and the datafile stays compact', async () => {
    const clock = new FakeClock(1000);
    const store = await openOffsetStore({ dir, clock, historyLimit: 3 });
    for (let i = 1; i <= 10; i++) {
      clock.advance(10);
      await store.commit('g', `m${i % 2}`, i, [{ topic: 't', partition: 0, offset: i * 10, metadata: null }]);
    }
    assert.deepStrictEqual(store.history('g', 't', 0), [
      { offset: 80, memberId: 'm0', generationId: 8, timestamp: 1080 },
      { offset: 90, memberId: 'm1', generationId: 9, timestamp: 1090 },
      { offset: 100, memberId: 'm0', generationId: 10, timestamp: 1100 },
    ]);
    assert.deepStrictEqual(store.history('g', 't', 9), []);
    await store.close();
    const lines = fs.readFileSync(path.join(dir, 'offsets.db'), 'utf8').trim().split('\n');
    assert.strictEqual(lines.length, 1, 'compacted on close: one document per group/topic/partition');
  });

  it('deleting a group or a topic removes their offsets, also after a restart', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }, { topic: 'u', partition: 0, offset: 2, metadata: null }]);
    await a.commit('h', 'm', 1, [{ topic: 't', partition: 0, offset: 3, metadata: null }]);
    await a.deleteGroup('h');
    await a.deleteTopic('t');
    assert.deepStrictEqual(a.groupsWithOffsets(), ['g']);
    assert.deepStrictEqual(a.fetch('g', null).map((c) => c.topic), ['u']);
    await a.close();
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.deepStrictEqual(b.groupsWithOffsets(), ['g']);
    assert.deepStrictEqual(b.fetch('g', null).map((c) => c.topic), ['u']);
    await b.close();
  });

  it('an invalid offset is refused and nothing is stored', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await assert.rejects(
      store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 4, metadata: null }, { topic: 't', partition: 1, offset: -7, metadata: null }]),
      /offset -7 for t-1 is not a valid offset/,
    );
    assert.deepStrictEqual(store.fetch('g', null), []);
    await store.close();
  });
});
