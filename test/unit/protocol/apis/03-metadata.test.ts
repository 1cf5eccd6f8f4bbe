// Metadata (key 3) v9 on the wire: the first flexible version, as the Java client 4.x sends it to a broker
// without topic ids. One broker that is also the controller, and, when asked, the authorized operations of a
// broker without an authorizer: every operation the topic and the cluster support (never 0).
import * as assert from 'assert';
import type { Reader } from '../../../../src/protocol/codec/reader';
import { CLUSTER_OPERATIONS, TOPIC_OPERATIONS } from '../../../../src/protocol/apis/03-metadata';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

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

  it('an unknown topic with auto-creation disallowed is UNKNOWN_TOPIC_OR_PARTITION and is not created', async () => {
    const m = read(await metadataV9(['nope'], false, false, false));
    assert.deepStrictEqual([m.topics[0].name, m.topics[0].errorCode, m.topics[0].partitions], ['nope', 3, []]);
    assert.strictEqual(wire.broker.getTopic('nope'), undefined);
  });
});
