// The sparse time index (src/broker/storage/indexes.ts): an entry (T, rel) means "every record before base+rel
// has a timestamp <= T", so a lookup for T itself must stop before that entry (a record there may have
// timestamp T exactly); only a strictly older entry lets the search start past it.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { OffsetIndex, TimeIndex } from '../../../../src/broker/storage/indexes';
import { tempDir } from './helpers';

describe('storage: time and offset indexes', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a time lookup at exactly an entry timestamp starts before that entry, one past it after it', () => {
    const ix = new TimeIndex(path.join(dir, '0.timeindex'));
    ix.maybeAppend(1000, 5);
    ix.maybeAppend(2000, 10);
    ix.maybeAppend(3000, 15);
    // records before offset 10 may have timestamp 2000 exactly: a search for 2000 must not skip them
    assert.strictEqual(ix.lookup(2000), 5);
    assert.strictEqual(ix.lookup(2001), 10);
    assert.strictEqual(ix.lookup(1000), 0);
    assert.strictEqual(ix.lookup(1001), 5);
    assert.strictEqual(ix.lookup(3000), 10);
    assert.strictEqual(ix.lookup(999_999), 15);
  });

  it('entries survive persist and load; a non-monotonic entry is ignored', () => {
    const file = path.join(dir, '0.timeindex');
    const ix = new TimeIndex(file);
    ix.maybeAppend(1_700_000_000_000, 3);
    ix.maybeAppend(1_700_000_000_000, 4); // same timestamp: not an entry
    ix.maybeAppend(1_700_000_000_500, 9);
    assert.ok(ix.persist());
    const back = new TimeIndex(file);
    back.load(100);
    assert.deepStrictEqual(back.toArray(), [
      [1_700_000_000_000, 3],
      [1_700_000_000_500, 9],
    ]);
    assert.strictEqual(back.lookup(1_700_000_000_500), 3);

    const ox = new OffsetIndex(path.join(dir, '0.index'));
    ox.append(3, 400);
    ox.append(9, 900);
    assert.deepStrictEqual([ox.lookup(2), ox.lookup(3), ox.lookup(8), ox.lookup(9)], [0, 400, 400, 900]);
  });
});
