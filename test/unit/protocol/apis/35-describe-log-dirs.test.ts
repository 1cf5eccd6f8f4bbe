// DescribeLogDirs (key 35) v1-v5 on the wire, as `kafka-log-dirs.sh --describe` and the Admin's
// describeLogDirs() send it: the one log directory (<dataDir>/topics), each partition's size in bytes, offset
// lag 0, never a future log; the named partitions only; v4's volume sizes and v5's IsCordoned.
import * as assert from 'assert';
import * as path from 'path';
import type { Reader } from '../../../../src/protocol/codec/reader';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

interface Dir {
  errorCode: number;
  logDir: string;
  partitions: Map<string, [number, number, boolean]>;
  totalBytes?: number;
  usableBytes?: number;
  cordoned?: boolean;
}

function read(r: Reader, version: number): Dir[] {
  const flexible = version >= 2;
  const arrayLength = () => (flexible ? r.compactArrayLength() : r.arrayLength());
  const str = () => (flexible ? r.compactString() : r.string());
  const tags = () => flexible && r.skipTaggedFields();
  assert.strictEqual(r.int32(), 0, 'throttle time');
  if (version >= 3) assert.strictEqual(r.int16(), 0, 'top-level error code');
  const out: Dir[] = [];
  for (let n = arrayLength(); n > 0; n--) {
    const d: Dir = { errorCode: r.int16(), logDir: str(), partitions: new Map() };
    for (let t = arrayLength(); t > 0; t--) {
      const topic = str();
      for (let p = arrayLength(); p > 0; p--) {
        const index = r.int32();
        d.partitions.set(`${topic}-${index}`, [r.int64(), r.int64(), r.bool()]);
        tags();
      }
      tags();
    }
    if (version >= 4) {
      d.totalBytes = r.int64();
      d.usableBytes = r.int64();
    }
    if (version >= 5) d.cordoned = r.bool();
    tags();
    out.push(d);
  }
  tags();
  assertConsumed(r);
  return out;
}

describe('DescribeLogDirs API v1-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('full', 2);
    await wire.broker.createTopic('empty', 1);
    await wire.broker.produce('full', [{ key: null, value: 'x'.repeat(500) }], { partition: 1 });
  });
  afterEach(() => wire.close());

  const ask = async (version: number, topics: [string, number[]][] | null) => {
    const flexible = version >= 2;
    return read(
      await wire.call(35, version, flexible, (w) => {
        if (topics === null) {
          if (flexible) w.compactArrayLength(null);
          else w.arrayLength(null);
        } else {
          if (flexible) w.compactArrayLength(topics.length);
          else w.arrayLength(topics.length);
          for (const [name, parts] of topics) {
            if (flexible) w.compactString(name).compactArrayLength(parts.length);
            else w.string(name).arrayLength(parts.length);
            for (const p of parts) w.int32(p);
            if (flexible) w.emptyTaggedFields();
          }
        }
        if (flexible) w.emptyTaggedFields();
      }),
      version,
    );
  };

  it('all topics (null): one log directory with every partition, its size on disk and offset lag 0', async () => {
    const [dir, ...more] = await ask(4, null);
    assert.strictEqual(more.length, 0, 'one log directory');
    assert.strictEqual(dir.errorCode, 0);
    assert.strictEqual(dir.logDir, path.join(path.resolve(wire.broker.dataDir), 'topics'));
    assert.deepStrictEqual([...dir.partitions.keys()].sort(), ['empty-0', 'full-0', 'full-1']);
    const size = wire.broker.partitionInfo('full', 1).sizeBytes;
    assert.ok(size > 500, `the partition holds the record (${size} bytes)`);
    assert.deepStrictEqual(dir.partitions.get('full-1'), [size, 0, false]);
    assert.deepStrictEqual(dir.partitions.get('full-0'), [0, 0, false]);
    assert.ok(dir.totalBytes! > 0 && dir.usableBytes! >= 0 && dir.usableBytes! <= dir.totalBytes!);
  });

  it('named partitions only: unknown topics and partitions are left out (v1 classic, v5 with IsCordoned)', async () => {
    const [v1] = await ask(1, [
      ['full', [1, 7]],
      ['ghost', [0]],
    ]);
    assert.deepStrictEqual([...v1.partitions.keys()], ['full-1']);
    const [v5] = await ask(5, [['empty', [0]]]);
    assert.deepStrictEqual([...v5.partitions.entries()], [['empty-0', [0, 0, false]]]);
    assert.strictEqual(v5.cordoned, false);
  });

  it('partition indexes out of range (-1, the partition count) are left out and the rest answered with error 0', async () => {
    const [d] = await ask(4, [
      ['full', [-1, 0, 2]],
      ['empty', [1]],
    ]);
    assert.strictEqual(d.errorCode, 0);
    assert.deepStrictEqual([...d.partitions.keys()], ['full-0']);
  });
});
