/**
 * Keeping a damaged meta file: the copy is named `<file>.corrupt-<UTC time, digits only>`, holds the bytes the file
 * had, and a second copy in the same millisecond gets a counter instead of overwriting the first.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { corruptCopyName, keepDamagedCopy } from '../../../../src/broker/storage/damaged-file';
import { tempDir } from './helpers';

describe('storage: a damaged file is kept as a timestamped copy before it is repaired', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the copy name carries the UTC time without dashes, colons or dots (valid on every platform)', () => {
    const at = Date.UTC(2025, 0, 2, 3, 4, 5, 123);
    assert.strictEqual(corruptCopyName('/data/meta/topics.db', at), '/data/meta/topics.db.corrupt-20250102T030405123Z');
  });

  it('copies made in the same millisecond get -1, -2 and each keeps the bytes the file had then', () => {
    dir = tempDir();
    const file = path.join(dir, 'offsets.log');
    const at = Date.UTC(2025, 5, 30, 23, 59, 59, 999);
    const copies: string[] = [];
    for (const text of ['first', 'second', 'third']) {
      fs.writeFileSync(file, text);
      copies.push(keepDamagedCopy(file, at));
    }
    const stamp = `${file}.corrupt-20250630T235959999Z`;
    assert.deepStrictEqual(copies, [stamp, `${stamp}-1`, `${stamp}-2`]);
    assert.deepStrictEqual(
      copies.map((c) => fs.readFileSync(c, 'utf8')),
      ['first', 'second', 'third'],
    );
    assert.strictEqual(fs.readFileSync(file, 'utf8'), 'third', 'the file itself is left as it is');
  });
});
