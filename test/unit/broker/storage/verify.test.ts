/**
 * verifyDataDir (and `kafka-lite verify`): a deep, read-only check that names the file, the byte and the
 * offset of every problem, reports healthy folders as healthy, and never changes a byte.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { verifyDataDir } from '../../../../src/broker/storage/verify';
import type { VerifyReport } from '../../../../src/broker/storage/verify';
import type { Harness } from './helpers';
import { append, batch, batchOf, harness, rec } from './helpers';

/** Every file under dir with its bytes and mtime (to prove nothing was touched). */
function everything(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), `${fs.statSync(p).mtimeMs} ${fs.readFileSync(p).toString('base64')}`);
    }
  };
  walk(dir);
  return out;
}

function repoRoot(): string {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d))
    if (fs.existsSync(path.join(d, 'package.json')) && fs.existsSync(path.join(d, 'src', 'cli.ts'))) return d;
  return process.cwd();
}

const damageOf = (r: VerifyReport) => [
  ...r.partitions.flatMap((p) => p.problems.filter((x) => x.severity === 'damage')),
  ...r.problems.filter((x) => x.severity === 'damage'),
];

describe('storage: verify checks every batch, index and meta file, read-only', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  /** Several kinds of partitions: multi-segment, LogAppendTime, compacted, gzip; closed cleanly. */
  async function healthy(): Promise<Harness> {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('multi', 2, { 'segment.bytes': '4096', 'index.interval.bytes': '200' });
    await m.createTopic('appendtime', 1, { 'message.timestamp.type': 'LogAppendTime', 'index.interval.bytes': '100' });
    await m.createTopic('compacted', 1, { 'cleanup.policy': 'compact', 'segment.bytes': '2048' });
    for (let i = 0; i < 120; i++) {
      append(m, 'multi', i % 2, batchOf(3, `m${i}`, 1000 + (i % 7) * 10, 20));
      h.clock.advance(1);
      append(m, 'appendtime', 0, batchOf(2, `a${i}`, 5));
      append(m, 'compacted', 0, batch([rec(`v${i}`, 2000 + i, `k${i % 5}`)], i % 3 === 0 ? 1 : 0));
    }
    await m.compactTopic('compacted');
    await m.close();
    return h;
  }

  it('a healthy folder (segments, LogAppendTime, compaction, gzip) is reported ok with every record counted', async () => {
    const h = await healthy();
    const r = await verifyDataDir(h.dir);
    assert.deepStrictEqual(damageOf(r), []);
    assert.strictEqual(r.ok, true);
    assert.deepStrictEqual(
      r.partitions.map((p) => [`${p.topic}-${p.partition}`, p.ok]),
      [
        ['appendtime-0', true],
        ['compacted-0', true],
        ['multi-0', true],
        ['multi-1', true],
      ],
    );
    assert.strictEqual(r.partitions.find((p) => p.topic === 'multi')!.records, 180);
    assert.ok(r.partitions.find((p) => p.topic === 'multi')!.segments >= 3);
  });

  it('a flipped byte inside a flushed batch is reported with its file, byte and offset, and verify changes nothing', async () => {
    const h = await healthy();
    const file = path.join(h.dir, 'topics', 'multi-1', '00000000000000000000.log');
    const buf = fs.readFileSync(file);
    const second = 12 + buf.readInt32BE(8); // start of the second batch (offset 3)
    buf[second + 70] ^= 0x01;
    fs.writeFileSync(file, buf);
    const before = everything(h.dir);
    const r = await verifyDataDir(h.dir);
    assert.deepStrictEqual(everything(h.dir), before, 'verify is read-only');
    assert.strictEqual(r.ok, false);
    const p = r.partitions.find((x) => x.topic === 'multi' && x.partition === 1)!;
    assert.strictEqual(p.ok, false);
    assert.deepStrictEqual(
      p.problems.map((x) => [x.file, x.position, x.offset, x.severity]),
      [['topics/multi-1/00000000000000000000.log', second, 3, 'damage']],
    );
    assert.match(p.problems[0].message, /CRC-32C mismatch/);
    assert.ok(r.partitions.filter((x) => x !== p).every((x) => x.ok));
  });

  it('damaged index entries are reported by file and entry (offset index position, time index timestamp)', async () => {
    const h = await healthy();
    const dir = path.join(h.dir, 'topics', 'multi-0');
    const index = fs.readFileSync(path.join(dir, '00000000000000000000.index'));
    assert.ok(index.length >= 24, 'the segment has a few index entries');
    index.writeInt32BE(index.readInt32BE(12) + 1, 12); // entry 1: position one byte too far
    fs.writeFileSync(path.join(dir, '00000000000000000000.index'), index);
    const timeindex = fs.readFileSync(path.join(dir, '00000000000000000000.timeindex'));
    timeindex.writeUInt32BE(timeindex.readUInt32BE(4) - 1, 4); // entry 0: an older timestamp than the records'
    fs.writeFileSync(path.join(dir, '00000000000000000000.timeindex'), timeindex);
    const r = await verifyDataDir(h.dir);
    const p = r.partitions.find((x) => x.topic === 'multi' && x.partition === 0)!;
    assert.deepStrictEqual(
      p.problems.map((x) => [x.file, x.position]),
      [
        ['topics/multi-0/00000000000000000000.index', 8],
        ['topics/multi-0/00000000000000000000.timeindex', 0],
      ],
    );
    assert.match(p.problems[0].message, /does not start at byte/);
    assert.match(p.problems[1].message, /newest timestamp of the records before offset/);
  });

  it('a missing index file, a damaged topics.db line, offsets.log line and producer-ids.json are each reported', async () => {
    const h = await healthy();
    fs.rmSync(path.join(h.dir, 'topics', 'appendtime-0', '00000000000000000000.timeindex'));
    const topicsDb = path.join(h.dir, 'meta', 'topics.db');
    fs.writeFileSync(topicsDb, fs.readFileSync(topicsDb, 'utf8').replace('"name":"multi"', '"name":"multi'));
    fs.writeFileSync(path.join(h.dir, 'meta', 'offsets.log'), 'deadbeef {"dg":"x"}\n');
    fs.writeFileSync(path.join(h.dir, 'meta', 'producer-ids.json'), '{"nextProducerId":');
    const r = await verifyDataDir(h.dir);
    const found = damageOf(r).map((x) => x.file);
    for (const f of [
      'topics/appendtime-0/00000000000000000000.timeindex',
      'meta/topics.db',
      'meta/offsets.log',
      'meta/producer-ids.json',
    ])
      assert.ok(found.includes(f), `${f} in ${found.join(', ')}`);
    assert.ok(damageOf(r).some((x) => x.file === 'meta/topics.db' && /topic "multi"/.test(x.message)));
  });

  it('after a crash a torn unflushed tail is reported as unflushed, not as damage', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('t', 1);
    for (let i = 0; i < 5; i++) append(m, 't', 0, batchOf(3, `f${i}`, i));
    await m.flush();
    append(m, 't', 0, batchOf(3, 'tail', 9));
    m.crash();
    const file = path.join(h.dir, 'topics', 't-0', '00000000000000000000.log');
    fs.truncateSync(file, fs.statSync(file).size - 5);
    const r = await verifyDataDir(h.dir);
    assert.strictEqual(r.ok, true);
    assert.deepStrictEqual(
      r.partitions[0].problems.map((x) => x.severity),
      ['unflushed'],
    );
    assert.match(r.partitions[0].problems[0].message, /torn batch/);
  });

  it('runs against a folder a broker of the same process has open (its own flushes and appends go on)', async () => {
    const h = harness();
    dirs.push(h.dir);
    const m = await h.open();
    await m.createTopic('live', 1, { 'index.interval.bytes': '100' });
    for (let i = 0; i < 50; i++) append(m, 'live', 0, batchOf(2, `x${i}`, i));
    await m.flush();
    const r = await verifyDataDir(h.dir);
    assert.deepStrictEqual(damageOf(r), []);
    append(m, 'live', 0, batchOf(2, 'after', 99));
    await m.close();
  });

  it('kafka-lite verify: exit 0 when healthy, 1 on damage, 2 when a live process holds the folder lock', async function () {
    const cli = path.join(repoRoot(), 'dist', 'cli.js');
    if (!fs.existsSync(cli)) this.skip(); // built by `npm run build`
    const h = await healthy();
    const run = () => spawnSync(process.execPath, [cli, 'verify', '--data-dir', h.dir], { encoding: 'utf8' });
    let res = run();
    assert.strictEqual(res.status, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /multi-0: ok/);
    const file = path.join(h.dir, 'topics', 'appendtime-0', '00000000000000000000.log');
    const buf = fs.readFileSync(file);
    buf[buf.length - 1] ^= 0x80;
    fs.writeFileSync(file, buf);
    res = run();
    assert.strictEqual(res.status, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /appendtime-0: DAMAGED/);
    assert.match(
      res.stdout,
      /damage: topics\/appendtime-0\/00000000000000000000\.log byte \d+ offset \d+: CRC-32C mismatch/,
    );
    fs.writeFileSync(
      path.join(h.dir, '.lock'),
      JSON.stringify({
        pid: process.pid,
        sessionId: 's',
        window: 'test window',
        host: '127.0.0.1',
        port: 1,
        startedAt: 0,
      }),
    );
    const before = everything(h.dir);
    res = run();
    assert.strictEqual(res.status, 2, res.stdout + res.stderr);
    assert.match(res.stderr, /in use by a running broker \(test window, pid \d+\)/);
    assert.deepStrictEqual(everything(h.dir), before);
  });
});
