/**
 * verifyDataDir over the folder as a whole: which directories are partitions (and in what order they are
 * reported), partitions without metadata and topics without directories, the meta files (a torn offsets.log tail
 * is unflushed, a broken producer-state.json is damage), the report's ok, and formatVerifyReport's lines (what
 * `kafka-lite verify` and the extension's output channel print).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { VerifyReport } from '../../../../src/broker/storage/verify';
import { formatVerifyReport, verifyDataDir } from '../../../../src/broker/storage/verify';
import { batchAt, emptyFolder, everyByte, partitionDir, writeSegment } from './verify-helpers';

describe('storage: verify checks the folder: partitions, topics and meta files, and prints a report', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a folder without a topics directory has no partitions and no damage; a topics path that is no directory fails', async () => {
    dir = await emptyFolder({});
    fs.rmSync(path.join(dir, 'topics'), { recursive: true, force: true });
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual([r.partitions, r.problems, r.ok, r.cleanShutdown], [[], [], true, true]);
    fs.writeFileSync(path.join(dir, 'topics'), '');
    await assert.rejects(verifyDataDir(dir), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
  });

  it('verifying a path that is not a directory fails naming it', async () => {
    dir = await emptyFolder({});
    const file = path.join(dir, 'not-a-folder');
    fs.writeFileSync(file, 'x');
    await assert.rejects(verifyDataDir(file), { message: `${file} is not a directory` });
  });

  it('partitions are the <topic>-<partition> directories, reported by topic then partition number; other names are ignored', async () => {
    dir = await emptyFolder({ p: 11, a: 1 });
    for (const stray of ['p-3.bak', 'p-123456', 'notes']) fs.mkdirSync(path.join(dir, 'topics', stray));
    fs.writeFileSync(path.join(dir, 'topics', 'q-0'), ''); // a file, not a directory
    const before = everyByte(dir);
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(everyByte(dir), before, 'verify changes nothing');
    assert.deepStrictEqual(
      r.partitions.map((p) => `${p.topic}-${p.partition}`),
      ['a-0', ...Array.from({ length: 11 }, (_, i) => `p-${i}`)],
    );
    assert.deepStrictEqual([r.problems, r.ok], [[], true]);
  });

  it('a partition directory of a topic topics.db does not know, and a known partition without a directory, are damage', async () => {
    dir = await emptyFolder({ t: 2 });
    fs.rmSync(partitionDir(dir, 't', 1), { recursive: true });
    writeSegment(dir, 'ghost', 0, 0, { log: [batchAt(0, 1, 1000)] });
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(r.problems, [
      {
        file: 'topics/ghost-0',
        message: 'topic "ghost" has no readable metadata in meta/topics.db (the next open adopts it)',
        severity: 'damage',
      },
      { file: 'topics/t-1', message: 'partition 1 of topic "t" has no directory', severity: 'damage' },
    ]);
    assert.deepStrictEqual(
      r.partitions.map((p) => [`${p.topic}-${p.partition}`, p.ok]),
      [
        ['ghost-0', true],
        ['t-0', true],
      ],
    );
    assert.strictEqual(r.ok, false, 'damage outside the partitions makes the folder not ok');
  });

  it('a torn last line of offsets.log is unflushed and leaves the folder ok; a healthy folder has no problems at all', async () => {
    dir = await emptyFolder({ t: 1 });
    writeSegment(dir, 't', 0, 0, { log: [batchAt(0, 2, 1000)] });
    const healthy = await verifyDataDir(dir);
    assert.deepStrictEqual([healthy.problems, healthy.ok], [[], true]);
    fs.writeFileSync(path.join(dir, 'meta', 'offsets.log'), '0123abcd {"g"');
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(r.problems, [
      { file: 'meta/offsets.log', message: 'torn line at byte 0 (13 bytes, no newline)', severity: 'unflushed' },
    ]);
    assert.strictEqual(r.ok, true);
  });

  it('a producer-state.json that is not JSON is damage naming the parse error; a valid one is no finding', async () => {
    dir = await emptyFolder({ t: 1 });
    const file = path.join(dir, 'meta', 'producer-state.json');
    fs.writeFileSync(file, '{"producers":[]}');
    assert.deepStrictEqual((await verifyDataDir(dir)).problems, []);
    fs.writeFileSync(file, '{"producers":');
    let parseError = '';
    try {
      JSON.parse('{"producers":');
    } catch (e) {
      parseError = (e as Error).message;
    }
    const r = await verifyDataDir(dir);
    assert.deepStrictEqual(r.problems, [
      { file: 'meta/producer-state.json', message: `invalid JSON (${parseError})`, severity: 'damage' },
    ]);
    assert.deepStrictEqual([r.partitions[0].ok, r.ok], [true, false]);
  });

  it('formatVerifyReport prints one line per partition, one per problem with its byte and offset, then the verdict', () => {
    const report: VerifyReport = {
      dataDir: '/data',
      ok: false,
      cleanShutdown: false,
      partitions: [
        { topic: 't', partition: 0, ok: true, segments: 1, batches: 2, records: 5, bytes: 300, problems: [] },
        {
          topic: 't',
          partition: 1,
          ok: false,
          segments: 2,
          batches: 3,
          records: 7,
          bytes: 410,
          problems: [
            {
              file: 'topics/t-1/00000000000000000000.log',
              position: 70,
              offset: 3,
              message: 'CRC-32C mismatch',
              severity: 'damage',
            },
          ],
        },
        {
          topic: 't',
          partition: 2,
          ok: true,
          segments: 1,
          batches: 1,
          records: 1,
          bytes: 90,
          problems: [
            {
              file: 'topics/t-2/00000000000000000000.index',
              message: 'the offset index file is missing',
              severity: 'unflushed',
            },
            { file: 'topics/t-2/00000000000000000000.txnindex', offset: 4, message: 'no entry', severity: 'unflushed' },
            {
              file: 'topics/t-2/00000000000000000000.timeindex',
              position: 12,
              message: 'partial',
              severity: 'unflushed',
            },
          ],
        },
      ],
      problems: [{ file: 'meta/producer-state.json', message: 'invalid JSON (x)', severity: 'damage' }],
    };
    assert.deepStrictEqual(formatVerifyReport(report), [
      't-0: ok; 1 segment(s), 2 batch(es), 5 record(s), 300 bytes',
      't-1: DAMAGED; 2 segment(s), 3 batch(es), 7 record(s), 410 bytes',
      '  damage: topics/t-1/00000000000000000000.log byte 70 offset 3: CRC-32C mismatch',
      't-2: ok (unflushed tail); 1 segment(s), 1 batch(es), 1 record(s), 90 bytes',
      '  unflushed: topics/t-2/00000000000000000000.index: the offset index file is missing',
      '  unflushed: topics/t-2/00000000000000000000.txnindex offset 4: no entry',
      '  unflushed: topics/t-2/00000000000000000000.timeindex byte 12: partial',
      'damage: meta/producer-state.json: invalid JSON (x)',
      'verified 3 partition(s) in /data: DAMAGE FOUND',
    ]);
    assert.deepStrictEqual(
      formatVerifyReport({ dataDir: '/empty', ok: true, cleanShutdown: true, partitions: [], problems: [] }),
      ['verified 0 partition(s) in /empty: no damage'],
    );
  });
});
