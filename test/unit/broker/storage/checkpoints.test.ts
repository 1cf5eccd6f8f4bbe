// The checkpoint file grammar (docs/LOG_FORMAT.md "Checkpoint files", src/broker/storage/checkpoints.ts): what
// is written byte for byte, which lines a reader takes and which it ignores (a damaged line never becomes a
// number the log is trusted by), the atomic replace, and the directory fsync that makes renames durable.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import {
  fsyncDir,
  readCheckpoint,
  replaceFileDurably,
  writeCheckpoint,
  writeCheckpointAsync,
} from '../../../../src/broker/storage/checkpoints';
import { tempDir } from './helpers';
import { recordFs } from './sched-helpers';

const HEADER = 'kafka-lite-checkpoint v1';

describe('storage: checkpoint files', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = tempDir();
    file = path.join(dir, 'log-start-offset-checkpoint');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is written as the version line then one LF-terminated line per partition, and reads back the same', async () => {
    const entries = new Map([
      ['orders 0', [12]],
      ['orders 1', [0]],
    ]);
    writeCheckpoint(file, entries, true);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), `${HEADER}\norders 0 12\norders 1 0\n`);
    assert.deepStrictEqual(readCheckpoint(file, 1), entries);
    const other = path.join(dir, 'recovery-point-offset-checkpoint');
    await writeCheckpointAsync(other, new Map([['t 3', [5, 100, 7]]]));
    assert.strictEqual(fs.readFileSync(other, 'utf8'), `${HEADER}\nt 3 5 100 7\n`);
    assert.deepStrictEqual(fs.readdirSync(dir).sort(), [
      'log-start-offset-checkpoint',
      'recovery-point-offset-checkpoint',
    ]);
  });

  it('a missing file, or one without the version line, reads as empty (recovery rebuilds from the log)', () => {
    assert.strictEqual(readCheckpoint(path.join(dir, 'absent'), 1).size, 0);
    fs.writeFileSync(file, 'kafka-lite-checkpoint v2\norders 0 12\n');
    assert.strictEqual(readCheckpoint(file, 1).size, 0, 'an unknown version is not guessed at');
    fs.writeFileSync(file, 'orders 0 12\norders 1 3\n');
    assert.strictEqual(readCheckpoint(file, 1).size, 0, 'no version line: not a checkpoint');
  });

  it('damaged lines are skipped and the good ones kept: too few columns, a bad partition, negative, fractional or non-numeric values', () => {
    fs.writeFileSync(
      file,
      [
        HEADER,
        'good 0 5 10',
        'short 0 5', // one column of the two asked for
        'name', // no partition at all
        'badpart x 5 10',
        'negative 0 -1 10',
        'negative2 0 5 -3', // only the second value is bad
        'fraction 0 1.5 10',
        'word 0 five 10',
        'huge 0 9007199254740993 10', // past 2^53: not a safe integer
        '',
      ].join('\n'),
    );
    assert.deepStrictEqual([...readCheckpoint(file, 2)], [['good 0', [5, 10]]]);
  });

  it('a line with extra columns (a newer writer) keeps them all; spaces around a hand-edited line are ignored', () => {
    fs.writeFileSync(file, `${HEADER}\nt 0 5 6 7 8\n  spaced 1 9 \n`);
    assert.deepStrictEqual(
      [...readCheckpoint(file, 1)],
      [
        ['t 0', [5, 6, 7, 8]],
        ['spaced 1', [9]],
      ],
    );
  });

  it('the durable write fsyncs the temporary file before renaming it over the old one', () => {
    writeCheckpoint(file, new Map([['t 0', [1]]]), true);
    const rec = recordFs(['openSync', 'fsyncSync', 'closeSync', 'renameSync']);
    try {
      writeCheckpoint(file, new Map([['t 0', [2]]]), true);
    } finally {
      rec.restore();
    }
    const fd = rec.calls.find((c) => c.fn === 'openSync')!;
    const tmp = fd.args[0] as string;
    assert.notStrictEqual(tmp, file, 'written elsewhere first');
    const order = rec.calls.map((c) => c.fn);
    assert.ok(
      order.indexOf('fsyncSync') >= 0 && order.indexOf('fsyncSync') < order.indexOf('renameSync'),
      order.join(),
    );
    assert.deepStrictEqual(rec.calls.find((c) => c.fn === 'renameSync')!.args, [tmp, file]);
    assert.strictEqual(readCheckpoint(file, 1).get('t 0')![0], 2);
    assert.ok(!fs.existsSync(tmp));
  });

  it('replaceFileDurably writes the bytes to <file>.tmp, fsyncs, runs beforeRename, then renames; empty data leaves an empty file', () => {
    const target = path.join(dir, 'producer-ids.json');
    fs.writeFileSync(target, 'old');
    const seen: string[] = [];
    replaceFileDurably(target, Buffer.from('{"n":1}'), () => seen.push(fs.readFileSync(target, 'utf8')));
    assert.deepStrictEqual(seen, ['old'], 'beforeRename runs while the old file is still in place');
    assert.strictEqual(fs.readFileSync(target, 'utf8'), '{"n":1}');
    replaceFileDurably(target, '');
    assert.strictEqual(fs.readFileSync(target, 'utf8'), '');
    assert.ok(!fs.existsSync(`${target}.tmp`));
  });

  it('fsyncDir fsyncs the directory itself and closes it', () => {
    const rec = recordFs(['openSync', 'fsyncSync', 'closeSync']);
    try {
      fsyncDir(dir);
    } finally {
      rec.restore();
    }
    const open = rec.calls.find((c) => c.fn === 'openSync');
    assert.ok(open, 'the directory is opened');
    assert.strictEqual(open.args[0], dir);
    const fsyncs = rec.calls.filter((c) => c.fn === 'fsyncSync');
    assert.strictEqual(fsyncs.length, 1);
    const closes = rec.calls.filter((c) => c.fn === 'closeSync');
    assert.deepStrictEqual(
      closes.map((c) => c.args[0]),
      [fsyncs[0].args[0]],
      'the descriptor fsynced is the one closed',
    );
  });

  it('fsyncDir on a directory that cannot be opened does nothing and throws nothing (no other descriptor is closed)', () => {
    const rec = recordFs(['closeSync'], { closeSync: () => undefined });
    try {
      assert.doesNotThrow(() => fsyncDir(path.join(dir, 'no-such-dir')));
    } finally {
      rec.restore();
    }
    assert.deepStrictEqual(rec.calls, []);
  });
});
