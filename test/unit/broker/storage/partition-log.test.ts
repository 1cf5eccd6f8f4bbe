// A partition's offset-for-timestamp search (src/broker/storage/partition-log.ts, what ListOffsets with a
// timestamp and the record browser's "seek to time" use) when the sparse time index has an entry at exactly the
// timestamp asked for: the first record with that timestamp is found, not the first one after the entry.
import * as assert from 'assert';
import * as fs from 'fs';
import type { Harness, Manager } from './helpers';
import { append, batch, harness, rec } from './helpers';

describe('storage: partition log offset for timestamp', () => {
  let h: Harness;
  let m: Manager;
  beforeEach(async () => {
    h = harness();
    m = await h.open();
  });
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('a timestamp equal to an index entry finds the record that has it, before the entry', async () => {
    // index every batch: the entry of each batch carries the newest timestamp before it
    await m.createTopic('t', 1, { 'index.interval.bytes': '0' });
    append(m, 't', 0, batch([rec('a', 1000), rec('b', 2000)])); // offsets 0, 1
    append(m, 't', 0, batch([rec('c', 2000), rec('d', 3000)])); // offsets 2, 3: entry (2000, 2)
    append(m, 't', 0, batch([rec('e', 4000)])); //                  offset 4: entry (3000, 4)
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 2000), { offset: 1, timestamp: 2000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 3000), { offset: 3, timestamp: 3000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 3001), { offset: 4, timestamp: 4000 });
    assert.deepStrictEqual(m.offsetForTimestamp('t', 0, 1000), { offset: 0, timestamp: 1000 });
  });

  it('a timestamp equal to the newest of a closed segment finds its record in that segment', async () => {
    await m.createTopic('s', 1, { 'segment.bytes': '200' });
    for (let i = 0; i < 6; i++) append(m, 's', 0, batch([rec(`v${i}`.padEnd(60, '.'), 1000 + i * 100)]));
    assert.ok(m.partitionInfo('s', 0).segmentCount > 2, 'several segments');
    for (let i = 0; i < 6; i++) {
      assert.deepStrictEqual(m.offsetForTimestamp('s', 0, 1000 + i * 100), { offset: i, timestamp: 1000 + i * 100 });
    }
  });
});
