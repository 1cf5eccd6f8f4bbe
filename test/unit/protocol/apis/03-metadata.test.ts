// Metadata (key 3) v9 on the wire: the first flexible version, as the Java client 4.x sends it to a broker
// without topic ids. One broker that is also the controller, and, when asked, the authorized operations of a
// broker without an authorizer: every operation the topic and the cluster support (never 0).
// Metadata (key 3) over the wire, v0-8: every version's answer read field by field to the end of the frame,
// which topics an empty or null list means per version, auto-creation (broker switch, v4+ request switch) and
// illegal names.
import * as assert from 'assert';
import type { Reader } from '../../../../src/protocol/codec/reader';
import { CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from '../../../../src/protocol/apis/03-metadata';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import * as harness from './harness';

/** Bit n of an authorized-operations field means Kafka's ACL operation n. */
const ops = (bits: number) => Array.from({ length: 32 }, (_, i) => i).filter((i) => bits & (1 << i));

describe('Metadata API v9 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('two', 2);
  });
  afterEach(() => wire.close());

  const metadataV9 = (topics: string[] | null, includeCluster: boolean, includeTopic: boolean, allowAuto = false) =>
    wire.call(3, 9, true, (w) => {
      if (topics === null) w.compactArrayLength(null);
      else {
        w.compactArrayLength(topics.length);
        for (const t of topics) w.compactString(t).emptyTaggedFields();
      }
      w.bool(allowAuto).bool(includeCluster).bool(includeTopic).emptyTaggedFields();
    });

  interface Topic {
    errorCode: number;
    name: string;
    partitions: { index: number; leader: number; replicas: number[] }[];
    ops: number;
  }

  function read(r: Reader) {
    assert.strictEqual(r.int32(), 0, 'throttle');
    const brokers: [number, string, number, string | null][] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      brokers.push([r.int32(), r.compactString(), r.int32(), r.compactNullableString()]);
      r.skipTaggedFields();
    }
    const clusterId = r.compactNullableString();
    const controllerId = r.int32();
    const topics: Topic[] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      const errorCode = r.int16();
      const name = r.compactString();
      assert.strictEqual(r.bool(), false, 'not internal');
      const partitions: Topic['partitions'] = [];
      for (let p = r.compactArrayLength(); p > 0; p--) {
        assert.strictEqual(r.int16(), 0);
        const index = r.int32();
        const leader = r.int32();
        assert.strictEqual(r.int32(), -1, 'leader epoch');
        const ints = () => Array.from({ length: r.compactArrayLength() }, () => r.int32());
        const replicas = ints();
        assert.deepStrictEqual(ints(), replicas, 'every replica is in sync');
        assert.deepStrictEqual(ints(), [], 'no offline replicas');
        r.skipTaggedFields();
        partitions.push({ index, leader, replicas });
      }
      topics.push({ errorCode, name, partitions, ops: r.int32() });
      r.skipTaggedFields();
    }
    const clusterOps = r.int32();
    r.skipTaggedFields();
    assertConsumed(r);
    return { brokers, clusterId, controllerId, topics, clusterOps };
  }

  it('describes one broker on the advertised address as controller, and the topic with its partitions', async () => {
    const m = read(await metadataV9(['two'], false, false));
    assert.deepStrictEqual(m.brokers, [[1, '127.0.0.1', wire.server.port, null]]);
    assert.strictEqual(m.controllerId, 1);
    assert.ok(m.clusterId && m.clusterId.length === 22, `a 22-character cluster id (${m.clusterId})`);
    assert.deepStrictEqual(m.topics[0].partitions, [
      { index: 0, leader: 1, replicas: [1] },
      { index: 1, leader: 1, replicas: [1] },
    ]);
    assert.strictEqual(m.topics[0].ops, -2147483648, 'topic operations not requested');
    assert.strictEqual(m.clusterOps, -2147483648, 'cluster operations not requested');
  });

  it('asked for authorized operations, answers every operation of a topic and of the cluster', async () => {
    const m = read(await metadataV9(null, true, true));
    assert.deepStrictEqual(
      m.topics.map((t) => t.name),
      ['two'],
    );
    // READ WRITE CREATE DELETE ALTER DESCRIBE DESCRIBE_CONFIGS ALTER_CONFIGS
    assert.deepStrictEqual(ops(m.topics[0].ops), [3, 4, 5, 6, 7, 8, 10, 11]);
    assert.strictEqual(m.topics[0].ops, TOPIC_OPERATIONS);
    // CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
    assert.deepStrictEqual(ops(m.clusterOps), [5, 7, 8, 9, 10, 11, 12]);
    assert.strictEqual(m.clusterOps, CLUSTER_OPERATIONS);
  });

  it('an auto-creation that fails unexpectedly is -1 for that topic only, and logged with its name', async () => {
    (wire.broker as unknown as { ensureTopic: () => never }).ensureTopic = () => {
      throw new Error('disk full');
    };
    const m = read(await metadataV9(['two', 'fresh'], false, false, true));
    assert.deepStrictEqual(
      m.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['two', 0, 2],
        ['fresh', -1, 0],
      ],
    );
    assert.ok(
      wire.logs.some(
        (l) => l.startsWith('error ') && l.includes('Metadata auto-create of "fresh"') && l.includes('disk full'),
      ),
    );
  });

  it('an unknown topic with auto-creation disallowed is UNKNOWN_TOPIC_OR_PARTITION and is not created', async () => {
    const m = read(await metadataV9(['nope'], false, false, false));
    assert.deepStrictEqual([m.topics[0].name, m.topics[0].errorCode, m.topics[0].partitions], ['nope', 3, []]);
    assert.strictEqual(wire.broker.getTopic('nope'), undefined);
  });
});

const NO_OPS = -2147483648;
const NODE = 7;

interface TopicAnswer {
  errorCode: number;
  name: string;
  partitions: { errorCode: number; index: number; leader: number; replicas: number[]; isr: number[] }[];
}

function readInts(r: Reader): number[] {
  const n = r.arrayLength();
  return Array.from({ length: n }, () => r.int32());
}

/** Reads a whole Metadata response of `version`, checking the per-version constant fields on the way. */
function readMetadata(r: Reader, version: number, port: number): TopicAnswer[] {
  if (version >= 3) assert.strictEqual(r.int32(), 0, 'throttle time');
  assert.strictEqual(r.arrayLength(), 1, 'one broker');
  assert.strictEqual(r.int32(), NODE, 'broker node id');
  assert.strictEqual(r.string(), '127.0.0.1', 'advertised host');
  assert.strictEqual(r.int32(), port, 'advertised port');
  if (version >= 1) assert.strictEqual(r.nullableString(), null, 'rack');
  if (version >= 2) assert.match(r.nullableString() ?? '', /^.{8,}$/, 'cluster id');
  if (version >= 1) assert.strictEqual(r.int32(), NODE, 'controller id');
  const topics: TopicAnswer[] = [];
  const nt = r.arrayLength();
  for (let i = 0; i < nt; i++) {
    const errorCode = r.int16();
    const name = r.string();
    if (version >= 1) assert.strictEqual(r.bool(), false, 'isInternal');
    const partitions: TopicAnswer['partitions'] = [];
    const np = r.arrayLength();
    for (let p = 0; p < np; p++) {
      const pe = r.int16();
      const index = r.int32();
      const leader = r.int32();
      if (version >= 7) assert.strictEqual(r.int32(), -1, 'leader epoch');
      const replicas = readInts(r);
      const isr = readInts(r);
      if (version >= 5) assert.deepStrictEqual(readInts(r), [], 'offline replicas');
      partitions.push({ errorCode: pe, index, leader, replicas, isr });
    }
    if (version >= 8) assert.strictEqual(r.int32(), NO_OPS, 'topic authorized operations');
    topics.push({ errorCode, name, partitions });
  }
  if (version >= 8) assert.strictEqual(r.int32(), NO_OPS, 'cluster authorized operations');
  assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
  return topics;
}

describe('Metadata (key 3) over the wire', () => {
  let wire: harness.Wire;
  afterEach(async () => wire?.close());

  /** names: null = "all topics" (v1+ null array); autoCreate is the v4+ request flag. */
  async function metadata(version: number, names: string[] | null, autoCreate = true): Promise<TopicAnswer[]> {
    const body = (w: Writer) => {
      if (names === null) w.int32(-1);
      else {
        w.arrayLength(names.length);
        for (const n of names) w.string(n);
      }
      if (version >= 4) w.bool(autoCreate);
      if (version >= 8) w.bool(false).bool(false);
    };
    return readMetadata(await wire.call(3, version, body), version, wire.server.port);
  }

  it('every version v0-8 describes a topic: one partition per index, this node leads and is the only replica', async () => {
    wire = await harness.openWire({}, NODE);
    await wire.broker.createTopic('orders', 2);
    for (let v = 0; v <= 8; v++) {
      const topics = await metadata(v, ['orders']);
      assert.deepStrictEqual(
        topics,
        [
          {
            errorCode: 0,
            name: 'orders',
            partitions: [0, 1].map((index) => ({
              errorCode: 0,
              index,
              leader: NODE,
              replicas: [NODE],
              isr: [NODE],
            })),
          },
        ],
        `v${v}`,
      );
    }
  });

  it('an empty list means every topic in v0 and no topic from v1; a null list means every topic', async () => {
    wire = await harness.openWire({}, NODE);
    await wire.broker.createTopic('a', 1);
    await wire.broker.createTopic('b', 3);
    const names = (t: TopicAnswer[]) => t.map((x) => `${x.name}:${x.partitions.length}`).sort();
    assert.deepStrictEqual(names(await metadata(0, [])), ['a:1', 'b:3']);
    assert.deepStrictEqual(names(await metadata(0, ['b'])), ['b:3'], 'a v0 list that names topics means those');
    assert.deepStrictEqual(names(await metadata(1, [])), []);
    assert.deepStrictEqual(names(await metadata(1, null)), ['a:1', 'b:3']);
    assert.deepStrictEqual(names(await metadata(8, null)), ['a:1', 'b:3']);
  });

  it('an unknown name is created with the default partition count and answered in the order asked', async () => {
    wire = await harness.openWire({ defaultPartitions: 3 }, NODE);
    await wire.broker.createTopic('known', 1);
    const topics = await metadata(1, ['fresh', 'known']);
    assert.deepStrictEqual(
      topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['fresh', 0, 3],
        ['known', 0, 1],
      ],
    );
    assert.strictEqual(wire.broker.getTopic('fresh')?.partitions, 3);
  });

  it('from v4 a request that disallows auto-creation gets UNKNOWN_TOPIC_OR_PARTITION and creates nothing', async () => {
    wire = await harness.openWire({}, NODE);
    const [t] = await metadata(4, ['nope'], false);
    assert.deepStrictEqual(t, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name: 'nope', partitions: [] });
    assert.strictEqual(wire.broker.getTopic('nope'), undefined);
    // Before v4 there is no such flag: the broker's setting alone decides.
    const [old] = await metadata(3, ['nope']);
    assert.strictEqual(old.errorCode, 0);
    assert.ok(wire.broker.getTopic('nope'));
  });

  it('a broker with auto-creation off answers UNKNOWN_TOPIC_OR_PARTITION even when the request allows it', async () => {
    wire = await harness.openWire({ autoCreateTopics: false }, NODE);
    for (const v of [1, 4]) {
      const [t] = await metadata(v, ['nope'], true);
      assert.strictEqual(t.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `v${v}`);
    }
    assert.strictEqual(wire.broker.getTopic('nope'), undefined);
  });

  it('an illegal topic name gets INVALID_TOPIC_EXCEPTION with no partitions and is never created', async () => {
    wire = await harness.openWire({}, NODE);
    const [t] = await metadata(1, ['bad name!']);
    assert.deepStrictEqual(t, { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: 'bad name!', partitions: [] });
    const [noCreate] = await metadata(4, ['bad name!'], false);
    assert.deepStrictEqual(
      noCreate,
      { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, name: 'bad name!', partitions: [] },
      'illegal even when auto-creation is disallowed (not merely unknown)',
    );
    assert.deepStrictEqual(
      wire.broker.listTopics().map((x) => x.name),
      [],
    );
  });
});
