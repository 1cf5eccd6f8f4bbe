/**
 * The file cache when the process runs out of descriptors (file-cache.ts): the default bound read from the
 * process's open-file limit, and EMFILE/ENFILE relieved by lowering the bound of every live cache and closing its
 * least recently used files, once, with one warning; an open that nothing can relieve, or that failed for another
 * reason, fails with its own error. The failures are injected into the fs module's open functions.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
// The module object itself (not the import's read-only view): the tests replace some of its functions.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import rawFs = require('fs');
import {
  CachedFile,
  defaultMaxOpenFiles,
  FileCache,
  openBriefly,
  openBrieflyAsync,
} from '../../../../src/broker/storage/file-cache';
import type { Harness, Manager } from './helpers';
import { append, batchOf, harness, tempDir } from './helpers';

function errno(code: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected, open '${p}'`), { code, path: p });
}

/**
 * Make the next `times` opens of paths ending in `suffix` fail with `code` (sync and promise opens); `calls`
 * counts every open of such a path, failed or not.
 */
function failOpens(suffix: string, code: string, times = 1): { calls: number; restore: () => void } {
  const { openSync, promises } = rawFs;
  const open = promises.open;
  const state = { calls: 0, restore: () => undefined as void };
  let left = times;
  const hit = (p: unknown) => {
    if (typeof p !== 'string' || !p.endsWith(suffix)) return false;
    state.calls++;
    return left-- > 0;
  };
  rawFs.openSync = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (hit(p)) throw errno(code, p as string);
    return (openSync as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  promises.open = ((p: fs.PathLike, ...rest: unknown[]) => {
    if (hit(p)) return Promise.reject(errno(code, p as string));
    return (open as (...a: unknown[]) => Promise<fs.promises.FileHandle>)(p, ...rest);
  }) as typeof promises.open;
  state.restore = () => {
    rawFs.openSync = openSync;
    promises.open = open;
  };
  return state;
}

describe('storage: the default open-file bound follows the process limit', () => {
  function withLimits(text: string | null, fn: () => void): void {
    const { readFileSync } = rawFs;
    rawFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (p === '/proc/self/limits') {
        if (text === null) throw errno('ENOENT', p);
        return text;
      }
      return (readFileSync as (...a: unknown[]) => unknown)(p, ...rest);
    }) as typeof fs.readFileSync;
    try {
      fn();
    } finally {
      rawFs.readFileSync = readFileSync;
    }
  }
  const limits = (soft: string) =>
    [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             96364                96364                processes ',
      `Max open files            ${soft.padEnd(20)} 1048576              files     `,
      'Max locked memory         8388608              8388608              bytes     ',
      '',
    ].join('\n');

  it('is half the soft limit, at most 512 and at least 8; 512 when the limit is unknown', () => {
    const cases: [string | null, number][] = [
      [limits('100'), 50],
      [limits('1000'), 500],
      [limits('1024'), 512],
      [limits('65536'), 512],
      [limits('17'), 8],
      [limits('4'), 8],
      [limits('unlimited'), 512],
      ['no such line\n', 512],
      [null, 512],
    ];
    for (const [text, expected] of cases)
      withLimits(text, () => assert.strictEqual(defaultMaxOpenFiles(), expected, String(text?.split('\n')[2])));
  });
});

describe('storage: running out of file descriptors lowers the open-file bound instead of failing', () => {
  let dir: string;
  let caches: FileCache[];
  let files: CachedFile[];
  let logs: string[];
  let injected: { calls: number; restore: () => void } | undefined;

  beforeEach(() => {
    dir = tempDir();
    caches = [];
    files = [];
    logs = [];
    injected = undefined;
  });
  afterEach(() => {
    injected?.restore();
    for (const f of files) f.close();
    for (const c of caches) c.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A cache of bound 100 with `n` files open (opened in order f0, f1, ...). */
  function cacheWithOpen(n: number, pin = false): { c: FileCache; open: CachedFile[] } {
    const c = new FileCache(100, (level, message) => logs.push(`${level}: ${message}`));
    caches.push(c);
    const open: CachedFile[] = [];
    for (let i = 0; i < n; i++) {
      const f = new CachedFile(c, path.join(dir, `c${caches.length}-f${i}`), true);
      files.push(f);
      if (pin) f.pin();
      else f.fd();
      open.push(f);
    }
    return { c, open };
  }

  function target(name: string): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, 'x');
    return p;
  }

  /** The three ways storage opens a file: briefly (sync and async), and a cached file's own open. */
  const entryPoints: [string, (p: string, c: FileCache) => Promise<void>][] = [
    [
      'openBriefly',
      async (p) => {
        await Promise.resolve();
        fs.closeSync(openBriefly(p, 'r'));
      },
    ],
    ['openBrieflyAsync', async (p) => (await openBrieflyAsync(p, 'r')).close()],
    [
      'a cached file',
      async (p, c) => {
        const f = new CachedFile(c, p);
        files.push(f);
        await Promise.resolve();
        f.fd();
      },
    ],
  ];

  for (const [name, openWith] of entryPoints) {
    for (const code of ['EMFILE', 'ENFILE']) {
      it(`${name}: ${code} with 20 files open keeps at most 10 from then on (the 11 least recently used are closed) and the open succeeds`, async () => {
        const { c, open } = cacheWithOpen(20);
        open[0].fd(); // f0 is now the most recently used
        const p = target('new');
        injected = failOpens('new', code);
        await openWith(p, c);
        assert.strictEqual(injected.calls, 2, 'tried once more after making room');
        assert.strictEqual(c.maxOpenFiles, 10);
        const own = name === 'a cached file' ? 1 : 0;
        assert.strictEqual(c.openCount, 9 + own, 'room for the retried open under the lowered bound');
        assert.deepStrictEqual(
          open.map((f, i) => (f.isOpen ? i : -1)).filter((i) => i >= 0),
          [0, 12, 13, 14, 15, 16, 17, 18, 19],
          'the least recently used files were closed',
        );
        assert.deepStrictEqual(logs, [
          'warn: the process ran out of file descriptors with 20 segment files open: keeping at most 10 open from now on (raise the limit with ulimit -n, or lower maxOpenFiles)',
        ]);
        for (const f of open) f.fd();
        assert.strictEqual(c.openCount, 10, 'the lowered bound holds for later opens');
      });
    }

    it(`${name}: EMFILE with only 8 files open (the floor) is thrown as it is, without a retry; the cache is unchanged`, async () => {
      const { c, open } = cacheWithOpen(8);
      const p = target('new');
      injected = failOpens('new', 'EMFILE');
      await assert.rejects(openWith(p, c), { code: 'EMFILE' });
      assert.strictEqual(injected.calls, 1);
      assert.strictEqual(c.maxOpenFiles, 100);
      assert.ok(
        open.every((f) => f.isOpen),
        'no file closed',
      );
      assert.deepStrictEqual(logs, []);
    });

    it(`${name}: EMFILE while every open file is pinned (fsyncs in flight) closes none of them and is thrown`, async () => {
      const { c, open } = cacheWithOpen(12, true);
      const p = target('new');
      injected = failOpens('new', 'EMFILE');
      await assert.rejects(openWith(p, c), { code: 'EMFILE' });
      assert.strictEqual(injected.calls, 1);
      assert.ok(open.every((f) => f.isOpen));
      for (const f of open) f.unpin();
    });

    it(`${name}: another open error (EACCES) is thrown as it is and costs the cache no file`, async () => {
      const { c, open } = cacheWithOpen(20);
      const p = target('new');
      injected = failOpens('new', 'EACCES');
      await assert.rejects(openWith(p, c), { code: 'EACCES' });
      assert.strictEqual(injected.calls, 1);
      assert.strictEqual(c.maxOpenFiles, 100);
      assert.strictEqual(c.openCount, 20);
      assert.ok(open.every((f) => f.isOpen));
      assert.deepStrictEqual(logs, []);
    });
  }

  it('a second shortage halves the bound again (not below 8) but warns only once', () => {
    const { c } = cacheWithOpen(20);
    injected = failOpens('first', 'EMFILE');
    fs.closeSync(openBriefly(target('first'), 'r'));
    injected.restore();
    assert.strictEqual(c.maxOpenFiles, 10);
    for (let i = 0; i < 4; i++) {
      const f = new CachedFile(c, path.join(dir, `more${i}`), true);
      files.push(f);
      f.fd();
    }
    assert.strictEqual(c.openCount, 10);
    injected = failOpens('second', 'EMFILE');
    fs.closeSync(openBriefly(target('second'), 'r'));
    assert.strictEqual(c.maxOpenFiles, 8);
    assert.strictEqual(c.openCount, 7);
    assert.strictEqual(logs.length, 1, logs.join('\n'));
  });

  it('every live cache gives up descriptors for a brief open; a disposed one is left alone', () => {
    const first = cacheWithOpen(20);
    const second = cacheWithOpen(16);
    const gone = cacheWithOpen(12);
    gone.c.dispose();
    injected = failOpens('new', 'EMFILE');
    fs.closeSync(openBriefly(target('new'), 'r'));
    assert.deepStrictEqual([first.c.openCount, second.c.openCount, gone.c.openCount], [9, 7, 12]);
  });
});

describe('storage: a log manager out of file descriptors', () => {
  let h: Harness;
  let m: Manager;
  afterEach(async () => {
    await m.close();
    fs.rmSync(h.dir, { recursive: true, force: true });
  });

  it('says so once in its log, with the numbers, lowers its bound, and the append that hit the limit is stored', async () => {
    h = harness();
    m = await h.open({ maxOpenFiles: 100 });
    await m.createTopic('wide', 12);
    await m.createTopic('late', 1);
    for (let p = 0; p < 12; p++) append(m, 'wide', p, batchOf(1, `w${p}`, 1));
    append(m, 'late', 0, batchOf(1, 'first', 1));
    await m.close();
    m = await h.open({ maxOpenFiles: 100 }); // clean: every partition opens at its first use
    for (let p = 0; p < 12; p++) append(m, 'wide', p, batchOf(1, `w${p}`, 2));
    assert.strictEqual(m.fileStats().open, 12);
    const injected = failOpens(path.join('late-0', '00000000000000000000.log'), 'EMFILE');
    try {
      assert.strictEqual(append(m, 'late', 0, batchOf(2, 'l', 1)), 1);
    } finally {
      injected.restore();
    }
    assert.ok(injected.calls >= 2, `the log file open was retried (${injected.calls} opens)`);
    assert.strictEqual(m.fileStats().maxOpenFiles, 8);
    assert.deepStrictEqual(
      h.logs.filter((l) => l.startsWith('warn')),
      [
        'warn: the process ran out of file descriptors with 12 segment files open: keeping at most 8 open from now on (raise the limit with ulimit -n, or lower maxOpenFiles)',
      ],
    );
    assert.strictEqual(m.read('late', 0, 0, 1 << 20).highWatermark, 3);
    assert.ok(m.fileStats().open <= 8);
  });
});
