// CreateTopics (key 19) over the wire, v0-4: partition counts (explicit, -1 = broker default, from
// assignments), replication factor checks for a single broker, configs, validateOnly, and one error code and
// message per refused topic while the others in the same request are created.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { Wire } from './harness';
import { openWire } from './harness';

interface NewTopic {
  name: string;
  partitions: number;
  replication?: number;
  assignments?: number[][];
  configs?: [string, string | null][];
}

describe('CreateTopics (key 19) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire({ defaultPartitions: 4 })));
  afterEach(async () => wire.close());

  async function createTopics(
    version: number,
    topics: NewTopic[],
    validateOnly = false,
  ): Promise<[string, number, string | null][]> {
    const body = (w: Writer) => {
      w.arrayLength(topics.length);
      for (const t of topics) {
        w.string(t.name)
          .int32(t.partitions)
          .int16(t.replication ?? 1);
        const asg = t.assignments ?? [];
        w.arrayLength(asg.length);
        asg.forEach((brokers, i) => {
          w.int32(i).arrayLength(brokers.length);
          for (const b of brokers) w.int32(b);
        });
        const cfg = t.configs ?? [];
        w.arrayLength(cfg.length);
        for (const [k, v] of cfg) w.string(k).nullableString(v);
      }
      w.int32(5000);
      if (version >= 1) w.bool(validateOnly);
    };
    const r = await wire.call(19, version, body);
    if (version >= 2) assert.strictEqual(r.int32(), 0, 'throttle time');
    const n = r.arrayLength();
    const out: [string, number, string | null][] = [];
    for (let i = 0; i < n; i++) {
      const name = r.string();
      const code = r.int16();
      out.push([name, code, version >= 1 ? r.nullableString() : null]);
    }
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return out;
  }

  const partitionsOf = (name: string) => wire.broker.getTopic(name)?.partitions;

  it('every version v0-4 creates a topic with the asked partition count and answers error 0', async () => {
    for (let v = 0; v <= 4; v++) {
      assert.deepStrictEqual(await createTopics(v, [{ name: `t${v}`, partitions: v + 1 }]), [[`t${v}`, 0, null]]);
      assert.strictEqual(partitionsOf(`t${v}`), v + 1);
    }
  });

  it('partition count -1 takes the broker default; explicit assignments set the count; configs with a value are kept', async () => {
    const answers = await createTopics(4, [
      { name: 'dflt', partitions: -1, replication: -1 },
      { name: 'assigned', partitions: -1, replication: -1, assignments: [[1], [1], [1]] },
      {
        name: 'configured',
        partitions: 1,
        configs: [
          ['retention.ms', '1000'],
          ['segment.bytes', null],
        ],
      },
    ]);
    assert.deepStrictEqual(
      answers.map((a) => a[1]),
      [0, 0, 0],
    );
    assert.strictEqual(partitionsOf('dflt'), 4);
    assert.strictEqual(partitionsOf('assigned'), 3);
    assert.deepStrictEqual(wire.broker.getTopic('configured')?.configs, { 'retention.ms': '1000' });
  });

  it('validateOnly checks and answers like a create, but creates nothing', async () => {
    assert.deepStrictEqual(await createTopics(1, [{ name: 'dry', partitions: 2 }], true), [['dry', 0, null]]);
    assert.strictEqual(wire.broker.getTopic('dry'), undefined);
    const [[, code]] = await createTopics(1, [{ name: 'dry', partitions: 0 }], true);
    assert.strictEqual(code, ErrorCode.INVALID_PARTITIONS);
  });

  it('refuses each bad topic with its own code and message; a name given twice is created from neither entry and answered once, last (as Kafka does)', async () => {
    await wire.broker.createTopic('exists', 1);
    const answers = await createTopics(1, [
      { name: 'good', partitions: 1 },
      { name: 'good', partitions: 1 },
      { name: 'exists', partitions: 1 },
      { name: 'bad name', partitions: 1 },
      { name: 'zero', partitions: 0 },
      { name: 'three', partitions: 1, replication: 3 },
      { name: 'rf2', partitions: 1, replication: 2 },
    ]);
    assert.deepStrictEqual(answers, [
      ['exists', ErrorCode.TOPIC_ALREADY_EXISTS, 'topic "exists" already exists'],
      [
        'bad name',
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        'A topic name may contain only letters, digits, ".", "_" and "-"; it contains a space.',
      ],
      ['zero', ErrorCode.INVALID_PARTITIONS, 'the partition count must be at least 1, got 0'],
      ['three', ErrorCode.INVALID_REPLICATION_FACTOR, 'replication factor 3 is larger than the number of brokers (1)'],
      ['rf2', ErrorCode.INVALID_REPLICATION_FACTOR, 'replication factor 2 is larger than the number of brokers (1)'],
      [
        'good',
        ErrorCode.INVALID_REQUEST,
        'topic "good" appears more than once in the request, so none of its entries was created',
      ],
    ]);
    assert.deepStrictEqual(
      wire.broker
        .listTopics()
        .map((t) => t.name)
        .sort(),
      ['exists'],
    );
  });

  it('a replication factor other than 1 is accepted when explicit assignments are given', async () => {
    assert.deepStrictEqual(
      await createTopics(1, [{ name: 'asg', partitions: -1, replication: 3, assignments: [[1], [1]] }]),
      [['asg', 0, null]],
    );
    assert.strictEqual(partitionsOf('asg'), 2);
  });
});
