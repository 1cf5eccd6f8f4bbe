// CreateTopics (key 19) v5-v6 on the wire (flexible): what the Java Admin's createTopics() sends, and the
// KIP-525 result it reads back: partition count, replication factor and every config of the new topic with its
// source. validateOnly checks configs too and creates nothing.
// CreateTopics (key 19) over the wire, v0-4: partition counts (explicit, -1 = broker default, from
// assignments), replication factor checks for a single broker, configs, validateOnly, and one error code and
// message per refused topic while the others in the same request are created.
import * as assert from 'assert';
import type { Reader } from '../../../../src/protocol/codec/reader';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import * as harness from './harness';
import { GroupWire } from './group-wire';

interface Result {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  numPartitions: number;
  replicationFactor: number;
  configs: Map<string, { value: string | null; readOnly: boolean; source: number; sensitive: boolean }> | null;
}

describe('CreateTopics API v5-v6 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const create = (
    version: number,
    topics: { name: string; partitions: number; replication: number; configs?: Record<string, string> }[],
    validateOnly = false,
  ) =>
    wire.call(19, version, true, (w) => {
      w.compactArrayLength(topics.length);
      for (const t of topics) {
        w.compactString(t.name).int32(t.partitions).int16(t.replication);
        w.compactArrayLength(0); // assignments
        const cfg = Object.entries(t.configs ?? {});
        w.compactArrayLength(cfg.length);
        for (const [k, v] of cfg) w.compactString(k).compactNullableString(v).emptyTaggedFields();
        w.emptyTaggedFields();
      }
      w.int32(30000).bool(validateOnly).emptyTaggedFields();
    });

  function read(r: Reader): Result[] {
    assert.strictEqual(r.int32(), 0, 'throttle');
    const out: Result[] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      const res: Result = {
        name: r.compactString(),
        errorCode: r.int16(),
        errorMessage: r.compactNullableString(),
        numPartitions: r.int32(),
        replicationFactor: r.int16(),
        configs: null,
      };
      const c = r.compactArrayLength();
      if (c >= 0) {
        res.configs = new Map();
        for (let i = 0; i < c; i++) {
          const name = r.compactString();
          res.configs.set(name, {
            value: r.compactNullableString(),
            readOnly: r.bool(),
            source: r.int8(),
            sensitive: r.bool(),
          });
          r.skipTaggedFields();
        }
      }
      r.skipTaggedFields();
      out.push(res);
    }
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  }

  it('v6: a created topic comes back with its partitions, replication factor 1 and its configs with sources', async () => {
    const [res] = read(
      await create(6, [{ name: 'orders', partitions: 3, replication: 1, configs: { 'retention.ms': '60000' } }]),
    );
    assert.deepStrictEqual(
      [res.name, res.errorCode, res.errorMessage, res.numPartitions, res.replicationFactor],
      ['orders', 0, null, 3, 1],
    );
    assert.deepStrictEqual(res.configs?.get('retention.ms'), {
      value: '60000',
      readOnly: false,
      source: 1,
      sensitive: false,
    });
    assert.deepStrictEqual(res.configs?.get('cleanup.policy'), {
      value: 'delete',
      readOnly: false,
      source: 5,
      sensitive: false,
    });
    assert.strictEqual(wire.broker.getTopic('orders')?.partitions, 3);
  });

  it('v5: partition count and replication factor -1 mean the broker defaults', async () => {
    const [res] = read(await create(5, [{ name: 'dflt', partitions: -1, replication: -1 }]));
    assert.deepStrictEqual([res.errorCode, res.numPartitions, res.replicationFactor], [0, 1, 1]);
  });

  it('a failed topic carries its error and message, -1 counts and no configs; the others are still created', async () => {
    await wire.broker.createTopic('taken', 1);
    const results = read(
      await create(6, [
        { name: 'taken', partitions: 1, replication: 1 },
        { name: 'bad-config', partitions: 1, replication: 1, configs: { 'no.such': '1' } },
        { name: 'fine', partitions: 2, replication: 1 },
      ]),
    );
    assert.deepStrictEqual(
      results.map((r) => [r.name, r.errorCode, r.numPartitions, r.replicationFactor, r.configs?.size]),
      [
        ['taken', 36, -1, -1, 0],
        ['bad-config', 40, -1, -1, 0],
        ['fine', 0, 2, 1, results[2].configs?.size],
      ],
    );
    assert.match(results[0].errorMessage ?? '', /already exists/);
    assert.match(results[1].errorMessage ?? '', /unknown topic config "no\.such"/);
    assert.ok((results[2].configs?.size ?? 0) > 10, 'every topic config is listed');
  });

  it('validateOnly answers as a creation would, refuses a bad config, and creates nothing', async () => {
    const [ok, bad] = read(
      await create(
        6,
        [
          { name: 'dry', partitions: 4, replication: 1, configs: { 'cleanup.policy': 'compact' } },
          { name: 'dry-bad', partitions: 1, replication: 1, configs: { 'retention.ms': 'soon' } },
        ],
        true,
      ),
    );
    assert.deepStrictEqual(
      [ok.errorCode, ok.numPartitions, ok.configs?.get('cleanup.policy')?.value],
      [0, 4, 'compact'],
    );
    assert.strictEqual(bad.errorCode, 40, 'INVALID_CONFIG');
    assert.strictEqual(wire.broker.getTopic('dry'), undefined);
  });

  it('validateOnly of a name that exists is TOPIC_ALREADY_EXISTS; a name given twice answers -1 counts and no configs', async () => {
    await wire.broker.createTopic('there', 2);
    const [exists] = read(await create(6, [{ name: 'there', partitions: 1, replication: 1 }], true));
    assert.deepStrictEqual(
      [exists.errorCode, exists.errorMessage, exists.numPartitions, exists.replicationFactor],
      [36, 'topic "there" already exists', -1, -1],
    );
    const [twice] = read(
      await create(6, [
        { name: 'twice', partitions: 3, replication: 1 },
        { name: 'twice', partitions: 3, replication: 1 },
      ]),
    );
    assert.deepStrictEqual(
      [twice.name, twice.errorCode, twice.numPartitions, twice.replicationFactor, twice.configs?.size],
      ['twice', 42, -1, -1, 0],
    );
  });
});

describe('CreateTopics API: the same name twice in one request', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  /** CreateTopics v4 (classic encoding): one partition, replication 1, no assignments or configs per name. */
  async function createV4(
    names: string[],
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]> {
    const r = await wire.call(19, 4, false, (w) => {
      w.arrayLength(names.length);
      for (const n of names) w.string(n).int32(1).int16(1).arrayLength(0).arrayLength(0);
      w.int32(30000).bool(false);
    });
    assert.strictEqual(r.int32(), 0, 'throttle');
    const out = [];
    for (let n = r.arrayLength(); n > 0; n--)
      out.push({ name: r.string(), errorCode: r.int16(), errorMessage: r.nullableString() });
    assertConsumed(r);
    return out;
  }

  it('creates nothing for a repeated name and answers it once with INVALID_REQUEST, after the other topics', async () => {
    const results = await createV4(['twice', 'once', 'twice']);
    assert.deepStrictEqual(
      results.map((r) => [r.name, r.errorCode]),
      [
        ['once', 0],
        ['twice', 42],
      ],
      'one result per name: the other topic first, then the repeated name with INVALID_REQUEST',
    );
    assert.match(results[1].errorMessage ?? '', /"twice" appears more than once/);
    assert.strictEqual(
      wire.broker.getTopic('twice'),
      undefined,
      'the repeated name was not created from its first entry',
    );
    assert.ok(wire.broker.getTopic('once'), 'the other topic of the request is created');
  });
});

interface NewTopic {
  name: string;
  partitions: number;
  replication?: number;
  assignments?: number[][];
  configs?: [string, string | null][];
}

describe('CreateTopics (key 19) over the wire', () => {
  let wire: harness.Wire;
  beforeEach(async () => (wire = await harness.openWire({ defaultPartitions: 4 })));
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

describe('CreateTopics API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => (wire = await GroupWire.open()));
  afterEach(() => wire.close());

  it('is UNKNOWN_SERVER_ERROR (-1) with its message for that topic, logged with the name, no counts or configs', async () => {
    const message = wire.failEngine('createTopic');
    const d = await wire.call(19, 5, true, (e) =>
      e.len(1).str('t').i32(2).i16(1).len(0).len(0).tags().i32(30000).bool(false).tags(),
    );
    d.i32();
    const [row] = d.many(() => {
      const r = [d.str(), d.i16(), d.nstr(), d.i32(), d.i16(), d.r.compactArrayLength()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(row, ['t', ErrorCode.UNKNOWN_SERVER_ERROR, message, -1, -1, 0]);
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('CreateTopics "t"')),
      wire.logs.join(' | '),
    );
  });
});
