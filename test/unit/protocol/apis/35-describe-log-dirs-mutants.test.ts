// DescribeLogDirs (key 35): the volume's usable bytes are what this process may still write (free blocks times
// the block size, as statfs reports them); a topic none of whose asked partitions exists is left out; an
// engine failure while sizing the partitions is the log dir's error (-1), logged naming DescribeLogDirs, with no
// topics; a log dir whose volume cannot be read (statfs fails) answers -1 for both sizes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Broker } from '../../../../src/broker/broker';
import { describeLogDirs } from '../../../../src/protocol/apis/35-describe-log-dirs';
import { ctxOf } from './mutants-helpers';

describe('DescribeLogDirs sizes, empty topics and failures (stand-in engine)', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-logdirs-'));
    fs.mkdirSync(path.join(dir, 'topics'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  type Result = {
    errorCode: number;
    topics: { name: string; partitions: unknown[] }[];
    totalBytes: number;
    usableBytes: number;
  };
  const engine = (dataDir: string, fail = false): Partial<Broker> =>
    ({
      dataDir,
      getTopic: (name: string) => (name === 't' ? { name: 't', partitions: 2 } : undefined),
      partitionInfo: () => {
        if (fail) throw new Error('index unreadable');
        return { sizeBytes: 10 };
      },
    }) as never;
  const describe_ = (broker: Partial<Broker>, partitions: number[]) => {
    const ctx = ctxOf(broker, 4);
    const resp = describeLogDirs.handle(ctx, { topics: [{ topic: 't', partitions }] }) as { results: Result[] };
    return { result: resp.results[0], logs: ctx.logs };
  };

  it('usable bytes are the free blocks this process may use times the block size', () => {
    const { result } = describe_(engine(dir), [0]);
    const s = fs.statfsSync(path.join(dir, 'topics'));
    assert.strictEqual(result.totalBytes, s.blocks * s.bsize);
    assert.strictEqual(result.usableBytes, s.bavail * s.bsize);
    assert.deepStrictEqual(
      result.topics.map((t) => [t.name, t.partitions.length]),
      [['t', 1]],
    );
  });

  it('a topic none of whose asked partitions exists is not listed', () => {
    assert.deepStrictEqual(describe_(engine(dir), [7, -1]).result.topics, []);
  });

  it('an engine failure while sizing is the log dir error -1 with no topics, logged naming DescribeLogDirs', () => {
    const { result, logs } = describe_(engine(dir, true), [0]);
    assert.strictEqual(result.errorCode, -1);
    assert.deepStrictEqual(result.topics, []);
    assert.strictEqual(logs.length, 1);
    assert.match(logs[0], /^error DescribeLogDirs: unexpected failure: Error: index unreadable/);
  });

  it('a log dir whose volume cannot be read answers -1 for the total and usable bytes', () => {
    const { result } = describe_(engine(path.join(dir, 'missing')), [0]);
    assert.deepStrictEqual([result.totalBytes, result.usableBytes], [-1, -1]);
  });
});
