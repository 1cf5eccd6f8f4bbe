import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FakeClock } from '../../../../src/broker/clock';
import Datastore from 'nedb-promises';
import { checkOffsetLogFile, openOffsetStore } from '../../../../src/broker/offsets/offset-store';
import { realIo } from '../../../../src/broker/storage/segment';
import { crc32c } from '../../../../src/broker/storage/crc32c';

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
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => c.partition),
      [0, 1, 2],
    );
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
    assert.deepStrictEqual(b.fetch('g', [{ topic: 't', partitions: [0] }])[0], {
      topic: 't',
      partition: 0,
      offset: 8,
      metadata: 'second',
      leaderEpoch: -1,
      errorCode: 0,
    });
    assert.strictEqual(b.fetch('h', null)[0].metadata, 'x');
    assert.deepStrictEqual(
      b.history('g', 't', 0).map((h) => h.offset),
      [5, 8],
    );
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
    const lines = fs.readFileSync(path.join(dir, 'offsets.log'), 'utf8').trim().split('\n');
    assert.strictEqual(lines.length, 1, 'compacted on close: one document per group/topic/partition');
  });

  it('deleting a group or a topic removes their offsets, also after a restart', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await a.commit('g', 'm', 1, [
      { topic: 't', partition: 0, offset: 1, metadata: null },
      { topic: 'u', partition: 0, offset: 2, metadata: null },
    ]);
    await a.commit('h', 'm', 1, [{ topic: 't', partition: 0, offset: 3, metadata: null }]);
    await a.deleteGroup('h');
    await a.deleteTopic('t');
    assert.deepStrictEqual(a.groupsWithOffsets(), ['g']);
    assert.deepStrictEqual(
      a.fetch('g', null).map((c) => c.topic),
      ['u'],
    );
    await a.close();
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.deepStrictEqual(b.groupsWithOffsets(), ['g']);
    assert.deepStrictEqual(
      b.fetch('g', null).map((c) => c.topic),
      ['u'],
    );
    await b.close();
  });

  it('an invalid offset is refused and nothing is stored', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await assert.rejects(
      store.commit('g', 'm', 1, [
        { topic: 't', partition: 0, offset: 4, metadata: null },
        { topic: 't', partition: 1, offset: -7, metadata: null },
      ]),
      /offset -7 for t-1 is not a valid offset/,
    );
    assert.deepStrictEqual(store.fetch('g', null), []);
    await store.close();
  });
  it('a torn last line (crash mid-write) is cut off on open; earlier commits survive and new commits continue', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 10, metadata: null }]);
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 20, metadata: null }]);
    // no close; the process died while writing a third line
    const file = path.join(dir, 'offsets.log');
    const good = fs.readFileSync(file);
    const lastStart = good.lastIndexOf(0x0a, good.length - 2) + 1;
    fs.appendFileSync(file, good.subarray(lastStart, lastStart + 20));
    const warnings: string[] = [];
    const b = await openOffsetStore({
      dir,
      clock: new FakeClock(),
      historyLimit: 5,
      logger: (_l, m) => warnings.push(m),
    });
    assert.strictEqual(b.fetch('g', null)[0].offset, 20);
    assert.match(warnings.join('\n'), /torn line at byte \d+ \(no newline\); cut 20 bytes/);
    await b.commit('g', 'm', 2, [{ topic: 't', partition: 0, offset: 30, metadata: 'after' }]);
    const c = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.deepStrictEqual(
      c.history('g', 't', 0).map((h) => h.offset),
      [10, 20, 30],
    );
    await c.close();
  });

  it('a flipped byte in the last line fails its checksum: that line is dropped, nothing before it', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 111, metadata: null }]);
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 222, metadata: null }]);
    const file = path.join(dir, 'offsets.log');
    const buf = fs.readFileSync(file);
    const at = buf.lastIndexOf(Buffer.from('222'));
    buf[at] = '9'.charCodeAt(0); // still valid JSON, a different offset: only the checksum can tell
    fs.writeFileSync(file, buf);
    const warnings: string[] = [];
    const b = await openOffsetStore({
      dir,
      clock: new FakeClock(),
      historyLimit: 5,
      logger: (_l, m) => warnings.push(m),
    });
    assert.strictEqual(b.fetch('g', null)[0].offset, 111);
    assert.match(warnings.join('\n'), /checksum [0-9a-f]+ does not match/);
    await b.close();
  });

  it('a failed write (full disk) rejects the commit with KAFKA_STORAGE_ERROR and changes nothing, in memory or on disk', async () => {
    let fail = false;
    const io = {
      ...realIo,
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
        if (!fail) return realIo.writeSync(fd, buf, off, len, pos);
        realIo.writeSync(fd, buf, off, Math.min(5, len), pos); // a few bytes land, then the disk is full
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    };
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5, io });
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 5, metadata: 'ok' }]);
    const file = path.join(dir, 'offsets.log');
    const before = fs.readFileSync(file);
    fail = true;
    await assert.rejects(
      store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 6, metadata: null }]),
      (e: Error & { code?: number }) => {
        assert.strictEqual(e.code, 56);
        assert.match(e.message, /ENOSPC.*nothing was changed/);
        return true;
      },
    );
    assert.deepStrictEqual(fs.readFileSync(file), before);
    assert.deepStrictEqual(store.fetch('g', null)[0], {
      topic: 't',
      partition: 0,
      offset: 5,
      metadata: 'ok',
      leaderEpoch: -1,
      errorCode: 0,
    });
    assert.deepStrictEqual(
      store.history('g', 't', 0).map((h) => h.offset),
      [5],
    );
    fail = false;
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 7, metadata: null }]);
    await store.close();
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.deepStrictEqual(
      b.history('g', 't', 0).map((h) => h.offset),
      [5, 7],
    );
    await b.close();
  });

  it('offsets stored by the first version (a nedb offsets.db) are imported once, with their history', async () => {
    const legacy = Datastore.create({ filename: path.join(dir, 'offsets.db'), autoload: true });
    await legacy.insert({
      _id: 'g\u0000t\u00003',
      groupId: 'g',
      topic: 't',
      partition: 3,
      offset: 77,
      metadata: 'meta',
      history: [{ offset: 77, memberId: 'm', generationId: 4, timestamp: 1234 }],
    });
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.deepStrictEqual(store.fetch('g', null), [
      { topic: 't', partition: 3, offset: 77, metadata: 'meta', leaderEpoch: -1, errorCode: 0 },
    ]);
    assert.deepStrictEqual(store.history('g', 't', 3), [
      { offset: 77, memberId: 'm', generationId: 4, timestamp: 1234 },
    ]);
    assert.ok(!fs.existsSync(path.join(dir, 'offsets.db')), 'the nedb file is removed after the import');
    await store.close();
    const again = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    assert.strictEqual(again.fetch('g', null)[0].offset, 77);
    await again.close();
  });

  it('the log is compacted while running once it outgrows 4 MiB, without losing anything', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 3 });
    const file = path.join(dir, 'offsets.log');
    let maxSize = 0;
    for (let i = 0; i < 40000; i++) {
      await store.commit('g', 'member-with-a-longish-id', 1, [
        { topic: 'topic-name', partition: i % 4, offset: i, metadata: null },
      ]);
      if (i % 1000 === 0) maxSize = Math.max(maxSize, fs.statSync(file).size);
    }
    assert.ok(maxSize <= 4 * 1024 * 1024 + 1024, `the log stayed near 4 MiB (max seen ${maxSize})`);
    assert.ok(fs.statSync(file).size < 4 * 1024 * 1024);
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 3 });
    assert.deepStrictEqual(
      b.fetch('g', null).map((c) => c.offset),
      [39996, 39997, 39998, 39999],
    );
    assert.deepStrictEqual(
      b.history('g', 'topic-name', 3).map((h) => h.offset),
      [39991, 39995, 39999],
    );
    await b.close();
    await store.close();
  });
});

describe('offset store: a damaged offsets.log costs the damaged line only', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-damage-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** 30 commits over 3 groups and 2 partitions (one line each, no close); returns them in order. */
  async function commits(): Promise<{ group: string; partition: number; offset: number }[]> {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    const done: { group: string; partition: number; offset: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const c = { group: `g${i % 3}`, partition: Math.floor(i / 3) % 2, offset: 100 + i };
      await store.commit(c.group, 'member', 1, [
        { topic: 't', partition: c.partition, offset: c.offset, metadata: null },
      ]);
      done.push(c);
    }
    return done; // not closed: the file holds one line per commit
  }

  /** The committed offset of every group/partition after replaying `list`. */
  function model(list: { group: string; partition: number; offset: number }[]): Map<string, number> {
    const m = new Map<string, number>();
    for (const c of list) m.set(`${c.group}/${c.partition}`, c.offset);
    return m;
  }

  function state(store: Awaited<ReturnType<typeof openOffsetStore>>): Map<string, number> {
    const m = new Map<string, number>();
    for (const g of ['g0', 'g1', 'g2'])
      for (const c of store.fetch(g, [{ topic: 't', partitions: [0, 1] }]))
        if (c.offset >= 0) m.set(`${g}/${c.partition}`, c.offset);
    return m;
  }

  it('one flipped bit in line 1 loses that commit only; every later commit of every group survives and the damaged file is kept', async () => {
    const list = await commits();
    const file = path.join(dir, 'offsets.log');
    const buf = fs.readFileSync(file);
    buf[20] ^= 0x04; // inside the JSON of line 1
    fs.writeFileSync(file, buf);
    const warnings: string[] = [];
    const store = await openOffsetStore({
      dir,
      clock: new FakeClock(),
      historyLimit: 50,
      logger: (_l, m) => warnings.push(m),
    });
    assert.deepStrictEqual(state(store), model(list.slice(1)));
    assert.deepStrictEqual(
      store.history('g1', 't', 0).map((h) => h.offset),
      list.filter((c) => c.group === 'g1' && c.partition === 0).map((c) => c.offset),
    );
    assert.match(warnings.join('\n'), /bad line at byte 0: .*skipped/);
    const copies = fs.readdirSync(dir).filter((f) => f.startsWith('offsets.log.corrupt-'));
    assert.strictEqual(copies.length, 1, fs.readdirSync(dir).join(' '));
    assert.deepStrictEqual(fs.readFileSync(path.join(dir, copies[0])), buf, 'the damaged original is kept as it was');
    await store.close();
  });

  it('a flipped byte at any position costs at most the line it is in (30 random positions)', async () => {
    const list = await commits();
    const file = path.join(dir, 'offsets.log');
    const original = fs.readFileSync(file);
    const lineStarts = [0];
    for (let i = 0; i < original.length - 1; i++) if (original[i] === 0x0a) lineStarts.push(i + 1);
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    for (let round = 0; round < 30; round++) {
      const at = Math.floor(rand() * original.length);
      const damaged = Buffer.from(original);
      damaged[at] ^= 1 << Math.floor(rand() * 8);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir);
      fs.writeFileSync(file, damaged);
      const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
      const line = lineStarts.filter((s) => s <= at).length - 1;
      const got = state(store);
      // That line alone is lost, or, when the flip hit its newline (joining it to the next), it and the next.
      const withoutLine = model(list.filter((_, i) => i !== line));
      const withoutTwo = model(list.filter((_, i) => i !== line && i !== line + 1));
      assert.ok(
        [withoutLine, withoutTwo].some((m) => JSON.stringify([...m].sort()) === JSON.stringify([...got].sort())),
        `flip at byte ${at} (line ${line}): ${JSON.stringify([...got])}`,
      );
      for (const [k, v] of model(list.slice(line + 2))) assert.strictEqual(got.get(k), v, `flip at ${at}: ${k}`);
      await store.close();
    }
  });

  it('a deleted offsets.log opens empty and takes new commits', async () => {
    await commits();
    fs.rmSync(path.join(dir, 'offsets.log'));
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    assert.deepStrictEqual(store.groupsWithOffsets(), []);
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.close();
  });
});

describe('offset store: committed leader epoch', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-epoch-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (json: unknown) => {
    const body = Buffer.from(JSON.stringify(json), 'utf8');
    return `${crc32c(body).toString(16).padStart(8, '0')} ${body.toString('utf8')}\n`;
  };

  it('a commit at offset 50 with leader epoch 2 reads back with epoch 2, also after a restart (compaction)', async () => {
    const a = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    await a.commit('g', 'm', 1, [
      { topic: 't', partition: 0, offset: 50, metadata: null, leaderEpoch: 2 },
      { topic: 't', partition: 1, offset: 3, metadata: null },
    ]);
    const epochs = (s: typeof a) => s.fetch('g', [{ topic: 't', partitions: [0, 1, 2] }]).map((c) => c.leaderEpoch);
    assert.deepStrictEqual(epochs(a), [2, -1, -1]);
    await a.close();
    const b = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    assert.deepStrictEqual(epochs(b), [2, -1, -1]);
    await b.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 51, metadata: null }]);
    assert.deepStrictEqual(epochs(b), [-1, -1, -1], 'a commit without an epoch leaves none');
    await b.close();
  });

  it('lines written before the leader epoch was stored (no epoch element) read as epoch -1', async () => {
    fs.writeFileSync(
      path.join(dir, 'offsets.log'),
      line({ s: ['g', 't', 0, 10, 'm', [[10, 'a', 1, 5]]] }) + line({ c: ['g', 'b', 2, 6, [['t', 1, 20, null]]] }),
    );
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => [c.partition, c.offset, c.metadata, c.leaderEpoch]),
      [
        [0, 10, 'm', -1],
        [1, 20, null, -1],
      ],
    );
    await store.close();
  });
});

describe('offset store: transactional offsets', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-txn-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('held offsets are not committed until their transaction commits; a later TxnOffsetCommit replaces the held offset', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    await store.commitTxnOffsets('g', 7, 0, 'm', 3, [
      { topic: 't', partition: 0, offset: 10, metadata: 'a', leaderEpoch: 2 },
    ]);
    await store.commitTxnOffsets('g', 7, 0, 'm', 3, [
      { topic: 't', partition: 0, offset: 12, metadata: 'b' },
      { topic: 't', partition: 1, offset: 4, metadata: null },
    ]);
    assert.deepStrictEqual(store.fetch('g', null), []);
    assert.deepStrictEqual(store.pendingTxnOffsets(), [{ groupId: 'g', producerId: 7 }]);
    await store.completeTxnOffsets('g', 7, true);
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => [c.partition, c.offset, c.metadata, c.leaderEpoch]),
      [
        [0, 12, 'b', -1],
        [1, 4, null, -1],
      ],
    );
    assert.deepStrictEqual(store.pendingTxnOffsets(), []);
    await store.close();
  });

  it('held offsets survive a crash (no close) and a compaction (close and reopen), and an abort after either drops them', async () => {
    const clock = new FakeClock();
    const a = await openOffsetStore({ dir, clock, historyLimit: 50 });
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await a.commitTxnOffsets('g', 7, 0, 'm', 1, [{ topic: 't', partition: 0, offset: 5, metadata: null }]);
    const b = await openOffsetStore({ dir, clock, historyLimit: 50 }); // a crashed: never closed
    assert.deepStrictEqual(b.pendingTxnPartitions('g'), [{ topic: 't', partition: 0 }]);
    await b.close();
    const c = await openOffsetStore({ dir, clock, historyLimit: 50 });
    assert.deepStrictEqual(c.pendingTxnPartitions('g'), [{ topic: 't', partition: 0 }]);
    await c.completeTxnOffsets('g', 7, false);
    assert.strictEqual(c.fetch('g', null)[0].offset, 1);
    await c.close();
    const d = await openOffsetStore({ dir, clock, historyLimit: 50 });
    assert.deepStrictEqual([d.pendingTxnOffsets(), d.fetch('g', null)[0].offset], [[], 1]);
    await d.close();
  });

  it('deleting the group drops its held offsets; deleting a topic drops the held offsets of that topic', async () => {
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50 });
    await store.commitTxnOffsets('g', 7, 0, '', -1, [{ topic: 't', partition: 0, offset: 5, metadata: null }]);
    await store.commitTxnOffsets('h', 8, 0, '', -1, [
      { topic: 't', partition: 0, offset: 5, metadata: null },
      { topic: 'u', partition: 0, offset: 5, metadata: null },
    ]);
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.deleteGroup('g');
    await store.deleteTopic('t');
    assert.deepStrictEqual(store.pendingTxnPartitions('g'), []);
    assert.deepStrictEqual(store.pendingTxnPartitions('h'), [{ topic: 'u', partition: 0 }]);
    await store.close();
  });
});

describe('offset store: the rules at their edges', () => {
  let dir: string;
  const file = () => path.join(dir, 'offsets.log');
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-edges-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (json: unknown) => {
    const body = Buffer.from(JSON.stringify(json), 'utf8');
    return `${crc32c(body).toString(16).padStart(8, '0')} ${body.toString('utf8')}\n`;
  };
  const open = (historyLimit = 50, logs: string[] = []) =>
    openOffsetStore({ dir, clock: new FakeClock(), historyLimit, logger: (_l, m) => logs.push(m) });

  it('offset -1 (no offset) is a valid commit; -2 and 1.5 are refused, for plain and transactional commits alike', async () => {
    const store = await open();
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: -1, metadata: null }]);
    assert.deepStrictEqual(
      store.history('g', 't', 0).map((h) => h.offset),
      [-1],
    );
    await assert.rejects(
      store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: -2, metadata: null }]),
      /offset -2 for t-0 is not a valid offset/,
    );
    await assert.rejects(
      store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1.5, metadata: null }]),
      /offset 1.5 for t-0/,
    );
    await store.commitTxnOffsets('g', 9, 0, 'm', 1, [{ topic: 't', partition: 1, offset: -1, metadata: null }]);
    await assert.rejects(
      store.commitTxnOffsets('g', 9, 0, 'm', 1, [{ topic: 't', partition: 1, offset: -2, metadata: null }]),
      (e: Error & { code?: number }) => e.code === 42 && /offset -2 for t-1 is not a valid offset/.test(e.message),
    );
    assert.deepStrictEqual(store.pendingTxnPartitions('g'), [{ topic: 't', partition: 1 }]);
    await store.close();
  });

  it('leader epoch 0 is a known epoch: it reads back as 0 after a restart, for plain and transactional commits', async () => {
    const a = await open();
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 5, metadata: null, leaderEpoch: 0 }]);
    await a.commitTxnOffsets('g', 9, 0, 'm', 1, [
      { topic: 't', partition: 1, offset: 6, metadata: null, leaderEpoch: 0 },
    ]);
    // a crash: the lines themselves must carry epoch 0
    const b = await open();
    await b.completeTxnOffsets('g', 9, true);
    assert.deepStrictEqual(
      b.fetch('g', null).map((c) => [c.partition, c.offset, c.leaderEpoch]),
      [
        [0, 5, 0],
        [1, 6, 0],
      ],
    );
    await b.close(); // compaction writes snapshot lines: they carry it too
    const c = await open();
    assert.deepStrictEqual(
      c.fetch('g', null).map((x) => x.leaderEpoch),
      [0, 0],
    );
    await c.commitTxnOffsets('g', 10, 0, 'm', 1, [
      { topic: 't', partition: 2, offset: 7, metadata: null, leaderEpoch: 0 },
    ]);
    await c.close(); // a held offset written again by the compaction keeps its epoch
    const d = await open();
    await d.completeTxnOffsets('g', 10, true);
    assert.strictEqual(d.fetch('g', [{ topic: 't', partitions: [2] }])[0].leaderEpoch, 0);
    await d.close();
  });

  it('every partition read back in topic then partition order, and groups listed by name', async () => {
    const store = await open();
    await store.commit('z', 'm', 1, [{ topic: 'b', partition: 0, offset: 1, metadata: null }]);
    await store.commit('a', 'm', 1, [
      { topic: 'b', partition: 2, offset: 1, metadata: null },
      { topic: 'b', partition: 10, offset: 1, metadata: null },
      { topic: 'a', partition: 1, offset: 1, metadata: null },
      { topic: 'b', partition: 0, offset: 1, metadata: null },
      { topic: 'a', partition: 0, offset: 1, metadata: null },
    ]);
    assert.deepStrictEqual(
      store.fetch('a', null).map((c) => `${c.topic}-${c.partition}`),
      ['a-0', 'a-1', 'b-0', 'b-2', 'b-10'],
    );
    assert.deepStrictEqual(store.groupsWithOffsets(), ['a', 'z']);
    await store.close();
  });

  it('history is a copy: changing what it returned changes nothing stored', async () => {
    const store = await open();
    await store.commit('g', 'm', 4, [{ topic: 't', partition: 0, offset: 3, metadata: null }]);
    const h = store.history('g', 't', 0);
    h[0].offset = 999;
    h.push({ offset: 1, memberId: 'x', generationId: 1, timestamp: 1 });
    assert.deepStrictEqual(
      store.history('g', 't', 0).map((e) => e.offset),
      [3],
    );
    await store.close();
  });

  it('a lower historyLimit at the next open keeps only the newest entries of the stored history', async () => {
    const a = await open(50);
    for (let i = 1; i <= 5; i++) await a.commit('g', 'm', i, [{ topic: 't', partition: 0, offset: i, metadata: null }]);
    await a.close();
    const b = await open(2);
    assert.deepStrictEqual(
      b.history('g', 't', 0).map((e) => e.offset),
      [4, 5],
    );
    await b.close();
  });

  it("OffsetDelete of a group's last partitions removes the group from the list, also after a restart", async () => {
    const a = await open();
    await a.commit('g', 'm', 1, [
      { topic: 't', partition: 0, offset: 1, metadata: null },
      { topic: 't', partition: 1, offset: 1, metadata: null },
    ]);
    await a.commit('h', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await a.deleteOffsets('g', [{ topic: 't', partition: 0 }]);
    assert.deepStrictEqual(a.groupsWithOffsets(), ['g', 'h']);
    await a.deleteOffsets('g', [
      { topic: 't', partition: 1 },
      { topic: 'u', partition: 0 },
    ]);
    assert.deepStrictEqual(a.groupsWithOffsets(), ['h']);
    // no close: the deletion lines are replayed
    const b = await open();
    assert.deepStrictEqual(b.groupsWithOffsets(), ['h']);
    assert.deepStrictEqual(b.fetch('g', null), []);
    await b.close();
  });

  it('deletions and transaction ends with nothing to do write nothing to the log', async () => {
    const store = await open();
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    const size = fs.statSync(file()).size;
    await store.deleteGroup('other');
    await store.deleteOffsets('g', [{ topic: 't', partition: 5 }]);
    await store.deleteOffsets('other', [{ topic: 't', partition: 0 }]);
    await store.deleteTopic('u');
    await store.completeTxnOffsets('g', 77, true);
    assert.strictEqual(fs.statSync(file()).size, size);
    assert.deepStrictEqual(store.fetch('g', null)[0].offset, 1);
    await store.close();
  });

  it('deleting a topic that only a transaction holds offsets of is stored: the held offsets stay gone after a crash', async () => {
    const a = await open();
    await a.commitTxnOffsets('g', 7, 0, 'm', 1, [{ topic: 't', partition: 0, offset: 5, metadata: null }]);
    await a.deleteTopic('t');
    assert.deepStrictEqual(a.pendingTxnPartitions('g'), []);
    const b = await open();
    assert.deepStrictEqual(b.pendingTxnPartitions('g'), []);
    await b.completeTxnOffsets('g', 7, true);
    assert.deepStrictEqual(b.fetch('g', null), [], 'a commit of the transaction commits nothing of the deleted topic');
    await b.close();
  });

  it('a transaction end for a producer the log never held is skipped on replay; an abort commits nothing', async () => {
    fs.writeFileSync(
      file(),
      line({ te: ['g', 5, 1, 10] }) +
        line({ tc: ['g', 6, 0, 'm', 1, 10, [['t', 0, 8, null]]] }) +
        line({ tc: ['g', 6, 1, 'm2', 2, 11, [['t', 1, 9, 'x']]] }) +
        line({ te: ['g', 6, 0, 12] }) +
        line({ tc: ['g', 8, 0, 'm3', 3, 13, [['t', 2, 4, null]]] }) +
        line({ te: ['g', 8, 1, 14] }),
    );
    const store = await open();
    assert.deepStrictEqual(store.pendingTxnOffsets(), []);
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => [c.partition, c.offset]),
      [[2, 4]],
    );
    assert.deepStrictEqual(store.history('g', 't', 2), [{ offset: 4, memberId: 'm3', generationId: 3, timestamp: 14 }]);
    await store.close();
  });

  it('a later TxnOffsetCommit of the same producer takes its member and generation into the committed history', async () => {
    const clock = new FakeClock(100);
    const store = await openOffsetStore({ dir, clock, historyLimit: 50 });
    await store.commitTxnOffsets('g', 7, 0, 'first', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.commitTxnOffsets('g', 7, 1, 'second', 2, [{ topic: 't', partition: 1, offset: 2, metadata: null }]);
    clock.advance(5);
    await store.close(); // the held offsets are written again by the compaction
    const b = await openOffsetStore({ dir, clock, historyLimit: 50 });
    await b.completeTxnOffsets('g', 7, true);
    assert.deepStrictEqual(
      [b.history('g', 't', 0), b.history('g', 't', 1)],
      [
        [{ offset: 1, memberId: 'second', generationId: 2, timestamp: 105 }],
        [{ offset: 2, memberId: 'second', generationId: 2, timestamp: 105 }],
      ],
    );
    await b.close();
  });

  it('lines that are not "<8 hex digits> <json object>" are skipped one by one and named', async () => {
    const good = line({ c: ['g', 'm', 1, 1, [['t', 0, 3, null]]] });
    const body = JSON.stringify(5);
    const notObject = `${crc32c(Buffer.from(body)).toString(16).padStart(8, '0')} ${body}\n`;
    const nullBody = `${crc32c(Buffer.from('null')).toString(16).padStart(8, '0')} null\n`;
    const upper = good.replace(/^[0-9a-f]{8}/, (h) => h.toUpperCase().replace(/^[0-9]/, 'A'));
    fs.writeFileSync(
      file(),
      'short\n' + good.replace(' ', '_') + notObject + nullBody + 'zzzzzzzz {"c":1}\n' + upper + good,
    );
    const logs: string[] = [];
    const store = await open(50, logs);
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => c.offset),
      [3],
    );
    const text = logs.join('\n');
    assert.match(text, /bad line at byte 0: not "<crc> <json>"/);
    assert.match(text, /bad line at byte 6: not "<crc> <json>"/);
    assert.match(text, /not an object; that line is skipped/);
    assert.match(text, /checksum is not 8 hex digits/);
    assert.match(text, /6 damaged line\(s\) skipped \(1 read\)/);
    assert.strictEqual(text.match(/not an object/g)?.length, 2, 'both 5 and null');
    await store.close();
  });

  it('a commit after close is refused with COORDINATOR_NOT_AVAILABLE; closing twice is harmless', async () => {
    const store = await open();
    await store.close();
    await store.close();
    await assert.rejects(
      store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]),
      (e: Error & { code?: number }) => e.code === 15 && /the offset store is closed/.test(e.message),
    );
  });
});

describe('offset store: verify reads an offsets.log without changing it', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-verify-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('names the damaged lines and a torn tail, counts the good lines, and a missing file is empty', async () => {
    const file = path.join(dir, 'offsets.log');
    assert.deepStrictEqual(checkOffsetLogFile(file), { damaged: [], torn: '', lines: 0 });
    const store = await openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 5 });
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 2, metadata: null }]);
    assert.deepStrictEqual(checkOffsetLogFile(file), { damaged: [], torn: '', lines: 2 });
    const size = fs.statSync(file).size;
    fs.appendFileSync(file, 'garbage\n0000');
    const before = fs.readFileSync(file);
    const got = checkOffsetLogFile(file);
    assert.deepStrictEqual(got, {
      damaged: [`bad line at byte ${size}: not "<crc> <json>"`],
      torn: `torn line at byte ${size + 8} (4 bytes, no newline)`,
      lines: 2,
    });
    assert.deepStrictEqual(fs.readFileSync(file), before, 'nothing changed');
    await store.close();
    assert.throws(() => checkOffsetLogFile(dir), /EISDIR/);
  });
});

describe('offset store: replay, failures and bookkeeping at their edges', () => {
  let dir: string;
  const file = () => path.join(dir, 'offsets.log');
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-offsets-edges2-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const line = (json: unknown) => {
    const body = Buffer.from(JSON.stringify(json), 'utf8');
    return `${crc32c(body).toString(16).padStart(8, '0')} ${body.toString('utf8')}\n`;
  };
  const open = (logs: string[] = [], io?: typeof realIo) =>
    openOffsetStore({ dir, clock: new FakeClock(), historyLimit: 50, logger: (_l, m) => logs.push(m), io });

  it('an empty first line, a line with a crc but no body and a line of invalid JSON are each skipped, the rest is read', async () => {
    const badJson = '{"c":[';
    fs.writeFileSync(
      file(),
      '\n' +
        line({ c: ['g', 'm', 1, 1, [['t', 0, 3, null]]] }) +
        '00000000 \n' +
        `${crc32c(Buffer.from(badJson)).toString(16).padStart(8, '0')} ${badJson}\n` +
        line({ c: ['g', 'm', 1, 2, [['t', 1, 4, null, -7]]] }),
    );
    const logs: string[] = [];
    const store = await open(logs);
    assert.deepStrictEqual(
      store.fetch('g', null).map((c) => [c.partition, c.offset, c.leaderEpoch]),
      [
        [0, 3, -1],
        [1, 4, -1],
      ],
      'a negative stored epoch reads as -1 (unknown)',
    );
    const text = logs.join('\n');
    assert.match(text, /bad line at byte 0: not "<crc> <json>"/);
    const second = 1 + line({ c: ['g', 'm', 1, 1, [['t', 0, 3, null]]] }).length;
    assert.match(text, new RegExp(`bad line at byte ${second}: not "<crc> <json>"`));
    assert.match(text, /invalid JSON \(/);
    assert.match(text, /3 damaged line\(s\) skipped \(2 read\)/);
    await store.close();
  });

  it('opening a sound log, or none, logs nothing and keeps no damaged copy', async () => {
    const logs: string[] = [];
    const a = await open(logs);
    await a.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await a.close();
    const b = await open(logs);
    await b.close();
    assert.deepStrictEqual(logs, []);
    assert.deepStrictEqual(fs.readdirSync(dir), ['offsets.log']);
  });

  it("one producer's transaction ending leaves another producer's held offsets of the same group, also after a restart", async () => {
    const a = await open();
    await a.commitTxnOffsets('g', 1, 0, 'm', 1, [{ topic: 't', partition: 0, offset: 5, metadata: null }]);
    await a.commitTxnOffsets('g', 2, 0, 'm', 1, [{ topic: 't', partition: 1, offset: 6, metadata: null }]);
    await a.completeTxnOffsets('g', 1, true);
    assert.deepStrictEqual(a.pendingTxnOffsets(), [{ groupId: 'g', producerId: 2 }]);
    assert.deepStrictEqual(a.pendingTxnPartitions('g'), [{ topic: 't', partition: 1 }]);
    const b = await open(); // replay of the lines (a crashed)
    assert.deepStrictEqual(b.pendingTxnOffsets(), [{ groupId: 'g', producerId: 2 }]);
    await b.completeTxnOffsets('g', 2, true);
    assert.deepStrictEqual(
      b.fetch('g', null).map((c) => [c.partition, c.offset]),
      [
        [0, 5],
        [1, 6],
      ],
    );
    await b.close();
  });

  it('a group emptied by OffsetDelete or a topic deletion is gone: deleting it then writes nothing', async () => {
    const store = await open();
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.commit('h', 'm', 1, [{ topic: 'u', partition: 0, offset: 1, metadata: null }]);
    await store.commitTxnOffsets('k', 3, 0, 'm', 1, [{ topic: 'v', partition: 0, offset: 1, metadata: null }]);
    await store.deleteOffsets('g', [{ topic: 't', partition: 0 }]);
    let size = fs.statSync(file()).size;
    await store.deleteGroup('g');
    assert.strictEqual(fs.statSync(file()).size, size, 'g went with its last offset');
    await store.deleteTopic('u');
    size = fs.statSync(file()).size;
    await store.deleteGroup('h');
    await store.deleteTopic('w'); // no committed and no held offsets of w (only of v)
    assert.strictEqual(fs.statSync(file()).size, size);
    await store.close();
  });

  it('an offset imported from the first version without a metadata field reads as null', async () => {
    const legacy = Datastore.create({ filename: path.join(dir, 'offsets.db'), autoload: true });
    await legacy.insert({ _id: 'x', groupId: 'g', topic: 't', partition: 0, offset: 9 });
    const logs: string[] = [];
    const store = await open(logs);
    assert.deepStrictEqual(store.fetch('g', null)[0].metadata, null);
    assert.deepStrictEqual(store.history('g', 't', 0), []);
    assert.match(logs.join('\n'), /imported 1 committed offsets from .*offsets\.db into .*offsets\.log/);
    await store.close();
  });

  it('short writes (a few bytes per call) still store every line whole, at the right place', async () => {
    const io = {
      ...realIo,
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) =>
        realIo.writeSync(fd, buf, off, Math.min(7, len), pos),
    };
    const a = await open([], io);
    for (let i = 0; i < 5; i++)
      await a.commit('g', 'm', 1, [{ topic: 't', partition: i, offset: i * 10, metadata: `m${i}` }]);
    const logs: string[] = [];
    const b = await open(logs); // replay of the lines as written
    assert.deepStrictEqual(
      b.fetch('g', null).map((c) => [c.offset, c.metadata]),
      [0, 1, 2, 3, 4].map((i) => [i * 10, `m${i}`]),
    );
    assert.deepStrictEqual(logs, []);
    await b.close();
  });

  it('a running log is rewritten when it outgrows 4 MiB or 4 times its compacted size, whichever is larger, and not before', async () => {
    const meta = 'x'.repeat(10_000);
    const a = await open();
    for (let p = 0; p < 150; p++)
      await a.commit('g', 'm', 1, [{ topic: 't', partition: p, offset: p, metadata: meta }]);
    await a.close();
    const compacted = fs.statSync(file()).size; // ~1.5 MB of live offsets: the next rewrite waits for 4 x that
    assert.ok(compacted > 1.4e6 && compacted < 1.6e6, `${compacted} bytes`);
    const b = await open();
    let size = fs.statSync(file()).size;
    let maxSize = size;
    let rewrites = 0;
    for (let i = 0; i < 500; i++) {
      await b.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1000 + i, metadata: meta }]);
      const now = fs.statSync(file()).size;
      if (now < size) {
        rewrites++;
        assert.ok(size > 4 * compacted - 20_000, `rewritten at ${size} bytes, before 4 x ${compacted}`);
      }
      size = now;
      maxSize = Math.max(maxSize, now);
    }
    assert.strictEqual(rewrites, 1, 'one rewrite in ~5 MB of commits');
    assert.ok(maxSize <= 4 * compacted + 20_000, `the log grew to ${maxSize}`);
    await b.close();
    const c = await open();
    assert.strictEqual(c.fetch('g', [{ topic: 't', partitions: [0] }])[0].offset, 1499);
    await c.close();
  });

  it('a failed write names what could not be stored', async () => {
    let fail = false;
    const io = {
      ...realIo,
      writeSync: (fd: number, buf: Uint8Array, off: number, len: number, pos: number) => {
        if (fail) throw new Error('ENOSPC: no space left on device, write');
        return realIo.writeSync(fd, buf, off, len, pos);
      },
    };
    const store = await open([], io);
    await store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 1, metadata: null }]);
    await store.commitTxnOffsets('g', 4, 0, 'm', 1, [{ topic: 't', partition: 1, offset: 1, metadata: null }]);
    await store.commitTxnOffsets('g', 5, 0, 'm', 1, [{ topic: 't', partition: 2, offset: 1, metadata: null }]);
    fail = true;
    const cases: [Promise<void>, string][] = [
      [store.commit('g', 'm', 1, [{ topic: 't', partition: 0, offset: 2, metadata: null }]), 'the commit of group "g"'],
      [
        store.commitTxnOffsets('g', 4, 0, 'm', 1, [{ topic: 't', partition: 1, offset: 2, metadata: null }]),
        'the transactional offsets of group "g" (producer 4)',
      ],
      [store.completeTxnOffsets('g', 4, true), 'the commit of the transactional offsets of group "g" (producer 4)'],
      [store.completeTxnOffsets('g', 5, false), 'the abort of the transactional offsets of group "g" (producer 5)'],
      [store.deleteGroup('g'), 'the deletion of group "g"'],
      [store.deleteOffsets('g', [{ topic: 't', partition: 0 }]), 'the deletion of 1 committed offset(s) of group "g"'],
      [store.deleteTopic('t'), `the deletion of topic "t"'s offsets`],
    ];
    for (const [p, what] of cases) {
      await assert.rejects(p, (e: Error) => {
        assert.strictEqual(
          e.message,
          `could not store ${what} in ${file()}: ENOSPC: no space left on device, write; nothing was changed`,
        );
        return true;
      });
    }
    fail = false;
    assert.deepStrictEqual(store.pendingTxnOffsets().length, 2);
    await store.close();
  });
});
