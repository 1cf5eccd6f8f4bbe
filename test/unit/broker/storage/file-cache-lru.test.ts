/**
 * The bounded open-file cache on its own (file-cache.ts): which descriptor goes when the bound is reached, that a
 * closed-for-room file opens again by path with its bytes intact, that a pinned descriptor (an fsync in flight) is
 * never closed under its user, and that a file closed for good refuses use with an error naming it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { CachedFile, FileCache } from '../../../../src/broker/storage/file-cache';
import { tempDir } from './helpers';

/** What the file holds, read through the descriptor the cache hands out. */
function contentOf(f: CachedFile): string {
  const fd = f.fd();
  const size = fs.fstatSync(fd).size;
  const buf = Buffer.alloc(size);
  fs.readSync(fd, buf, 0, size, 0);
  return buf.toString();
}

describe('storage: the file cache bounds open descriptors (LRU)', () => {
  let dir: string;
  let caches: FileCache[];
  let files: CachedFile[];

  beforeEach(() => {
    dir = tempDir();
    caches = [];
    files = [];
  });
  afterEach(() => {
    for (const f of files) f.close();
    for (const c of caches) c.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function cache(max: number): FileCache {
    const c = new FileCache(max);
    caches.push(c);
    return c;
  }

  /** A file `name` holding `content` (unless null: not created), tracked by `c`. */
  function file(c: FileCache, name: string, content: string | null = name.toUpperCase(), create = false): CachedFile {
    const p = path.join(dir, name);
    if (content !== null) fs.writeFileSync(p, content);
    const f = create ? new CachedFile(c, p, true) : new CachedFile(c, p);
    files.push(f);
    return f;
  }

  it('opening past the bound closes exactly the least recently used file, which opens again by path with its bytes intact', () => {
    const c = cache(3);
    const [a, b, cc, d] = ['a', 'b', 'c', 'd'].map((n) => file(c, n));
    assert.strictEqual(contentOf(a), 'A', 'an existing file is opened as it is, not emptied');
    assert.strictEqual(contentOf(b), 'B');
    assert.strictEqual(contentOf(cc), 'C');
    assert.strictEqual(c.openCount, 3);
    a.fd(); // a is now the most recently used: b is the least
    assert.strictEqual(contentOf(d), 'D');
    assert.deepStrictEqual(
      [a, b, cc, d].map((f) => f.isOpen),
      [true, false, true, true],
      'only b (least recently used) was closed',
    );
    assert.strictEqual(c.openCount, 3);
    assert.strictEqual(contentOf(b), 'B', 'b opens again on use, with its bytes');
    assert.deepStrictEqual(
      [a, b, cc, d].map((f) => f.isOpen),
      [true, true, false, true],
      'then c was the least recently used',
    );
    assert.strictEqual(c.openCount, 3);
    assert.strictEqual(c.opens, 5);
  });

  it('a file made with `create` is emptied at its first open only: what was written survives being closed for room', () => {
    const c = cache(1);
    const log = file(c, 'log', 'stale bytes of an earlier life', true);
    assert.strictEqual(contentOf(log), '', 'the first open empties the file');
    fs.writeSync(log.fd(), 'written', 0);
    const other = file(c, 'other');
    other.fd();
    assert.ok(!log.isOpen, 'closed for room');
    assert.strictEqual(contentOf(log), 'written', 'the second open keeps the bytes');
    assert.strictEqual(fs.readFileSync(log.path, 'utf8'), 'written');
  });

  it('a file closed for good refuses use with an error naming it, whether it was open or not', () => {
    const c = cache(4);
    const opened = file(c, 'opened');
    const never = file(c, 'never');
    opened.fd();
    opened.close();
    never.close();
    assert.ok(!opened.isOpen);
    assert.strictEqual(c.openCount, 0);
    assert.throws(() => opened.fd(), { message: `${opened.path} is closed` });
    assert.throws(() => never.fd(), { message: `${never.path} is closed` });
    assert.throws(() => never.pin(), { message: `${never.path} is closed` });
    assert.strictEqual(c.opens, 1, 'a closed file never opens again');
  });

  it('a pinned descriptor stays open through eviction and close(); close takes effect at the last unpin', () => {
    const c = cache(1);
    const a = file(c, 'a');
    const fd = a.pin();
    a.pin(); // two fsyncs in flight
    const b = file(c, 'b');
    b.fd(); // no room: a is pinned, so the cache goes over its bound rather than close it
    assert.ok(a.isOpen && b.isOpen);
    assert.strictEqual(c.openCount, 2);
    a.evict(); // the cleaner giving the descriptor back while an fsync runs
    assert.ok(a.isOpen, 'evict leaves a pinned descriptor open');
    a.close();
    assert.ok(a.isOpen, 'close waits for the pins');
    assert.strictEqual(fs.fstatSync(fd).size, 1, 'the descriptor still works');
    a.unpin();
    assert.ok(a.isOpen, 'one pin is left');
    assert.strictEqual(fs.fstatSync(fd).size, 1);
    a.unpin();
    assert.ok(!a.isOpen, 'the last unpin closes a file closed meanwhile');
    assert.strictEqual(c.openCount, 1);
    assert.throws(() => a.fd(), /is closed/);
  });

  it('a file closed during an fsync, in a cache with room to spare, still has its descriptor closed when the fsync ends', () => {
    const c = cache(4);
    const a = file(c, 'a');
    a.pin();
    a.close();
    assert.ok(a.isOpen);
    a.unpin();
    assert.ok(!a.isOpen, 'not left open for want of eviction pressure');
    assert.strictEqual(c.openCount, 0);
  });

  it('when pins pushed the cache over its bound, the last unpin closes least recently used files back down to it', () => {
    const c = cache(2);
    const [a, b, d] = ['a', 'b', 'd'].map((n) => file(c, n));
    a.pin();
    b.pin();
    d.fd();
    assert.strictEqual(c.openCount, 3, 'both pinned: over the bound');
    a.unpin();
    assert.strictEqual(c.openCount, 2, 'back to the bound');
    assert.deepStrictEqual(
      [a, b, d].map((f) => f.isOpen),
      [false, true, true],
      'a, the least recently used and no longer pinned, went',
    );
    b.unpin();
    assert.strictEqual(c.openCount, 2);
    assert.ok(b.isOpen && d.isOpen);
  });

  it('an fsync pin and unpin under the bound leaves the descriptor open: the next use opens nothing', () => {
    const c = cache(4);
    const a = file(c, 'a');
    const fd = a.pin();
    a.unpin();
    assert.ok(a.isOpen);
    assert.strictEqual(a.fd(), fd);
    assert.strictEqual(c.opens, 1);
  });

  it('refuses a bound that is not a positive integer, naming the value', () => {
    for (const bad of [0, -3, 2.5, NaN])
      assert.throws(() => new FileCache(bad), { message: `maxOpenFiles must be a positive integer, not ${bad}` });
  });
});
