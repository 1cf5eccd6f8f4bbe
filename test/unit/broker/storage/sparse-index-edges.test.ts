// The sparse index file (src/broker/storage/sparse-index.ts) at two edges of its contract: entries appended after a
// load that kept only a prefix of a longer file are written at the next persist (the file then says what memory
// says, even when it holds as many entries as before), and a file that cannot be read for a reason other than being
// missing is an error, never taken for a missing file to rebuild.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { OffsetIndex, TimeIndex } from '../../../../src/broker/storage/sparse-index';
import { tempDir } from './helpers';

describe('storage: sparse index files at their edges', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('entries appended after a partial load replace the dropped ones in the file, also at the same entry count', () => {
    const file = path.join(dir(), '00000000000000000100.index');
    const first = new OffsetIndex(file, 100);
    first.append(101, 100);
    first.append(102, 200);
    first.append(103, 300);
    assert.strictEqual(first.persist(), true);

    // the log was cut at byte 150: only the first entry is believed; two new batches are indexed after it
    const again = new OffsetIndex(file, 100);
    assert.strictEqual(again.load(150), '');
    assert.deepStrictEqual(again.toArray(), [[101, 100]]);
    again.append(105, 160);
    again.append(106, 170);
    assert.strictEqual(again.persist(), true, 'the file changed');

    const reloaded = new OffsetIndex(file, 100);
    assert.strictEqual(reloaded.load(1000), '');
    assert.deepStrictEqual(reloaded.toArray(), [
      [101, 100],
      [105, 160],
      [106, 170],
    ]);
    assert.strictEqual(fs.statSync(file).size, 3 * 8);
  });

  it('the same for a time index: what the file says after persist is what memory says', () => {
    const file = path.join(dir(), '00000000000000000000.timeindex');
    const first = new TimeIndex(file, 0);
    first.maybeAppend(1000, 2);
    first.maybeAppend(2000, 4);
    first.persist();
    const again = new TimeIndex(file, 0);
    assert.strictEqual(again.load(3), ''); // the log now ends at offset 3: the entry at 4 is dropped
    again.maybeAppend(1500, 3);
    assert.strictEqual(again.persist(), true);
    const reloaded = new TimeIndex(file, 0);
    reloaded.load(100);
    assert.deepStrictEqual(reloaded.toArray(), [
      [1000, 2],
      [1500, 3],
    ]);
  });

  it('an index file that cannot be opened for another reason than being missing is an error, not "missing"', () => {
    const notADir = path.join(dir(), 'plain-file');
    fs.writeFileSync(notADir, 'x');
    const index = new OffsetIndex(path.join(notADir, '00000000000000000000.index'), 0);
    assert.throws(() => index.load(0), /ENOTDIR/);
    // a file that is really missing is reported so, for a rebuild
    const missing = new OffsetIndex(path.join(dir(), '00000000000000000000.index'), 0);
    assert.strictEqual(missing.load(0), 'the offset index file is missing');
  });
});
