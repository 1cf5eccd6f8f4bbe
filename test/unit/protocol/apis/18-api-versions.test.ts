// ApiVersions (key 18) v4 and v5 on the wire, as the Java client 4.x sends them first: a flexible body under a
// v0 response header (never a tagged byte there), the registry's table, and, in v5, REBOOTSTRAP_REQUIRED when
// the client names a cluster or node that is not this broker's; the finalized features (tagged fields) of v3+.
import * as assert from 'assert';
import { clusterIdFor } from '../../../../src/protocol/server';
import type { Reader } from '../../../../src/protocol/codec/reader';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('ApiVersions API v4-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const ask = (version: number, clusterId: string | null = null, nodeId = -1) =>
    wire.call(18, version, true, (w) => {
      w.compactString('apache-kafka-java').compactString('4.4.0');
      if (version >= 5) w.compactNullableString(clusterId).int32(nodeId);
      w.emptyTaggedFields();
    });

  /** The body right after the correlation id: ApiVersions answers under header v0 even when flexible. */
  interface Features {
    supported: [string, number, number][];
    epoch: number | undefined;
    finalized: [string, number, number][];
    tags: number[];
  }

  /** Feature lists as the spec lays them out: compact array of {compact name, int16, int16, tagged fields}. */
  function features(r: Reader): [string, number, number][] {
    const out: [string, number, number][] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      out.push([r.compactString(), r.int16(), r.int16()]);
      r.skipTaggedFields();
    }
    return out;
  }

  function read(r: Reader): { errorCode: number; apis: Map<number, [number, number]>; features: Features } {
    const errorCode = r.int16();
    const apis = new Map<number, [number, number]>();
    for (let n = r.compactArrayLength(); n > 0; n--) {
      const key = r.int16();
      apis.set(key, [r.int16(), r.int16()]);
      r.skipTaggedFields();
    }
    assert.strictEqual(r.int32(), 0, 'throttle time');
    const f: Features = { supported: [], epoch: undefined, finalized: [], tags: [] };
    for (let n = r.uvarint(); n > 0; n--) {
      const tag = r.uvarint();
      const end = r.uvarint() + r.pos;
      f.tags.push(tag);
      if (tag === 0) f.supported = features(r);
      else if (tag === 1) f.epoch = r.int64();
      else if (tag === 2) f.finalized = features(r);
      assert.strictEqual(r.pos, end, `tagged field ${tag} has the size it declares`);
      r.pos = end;
    }
    assertConsumed(r);
    return { errorCode, apis, features: f };
  }

  it('v4 lists the implemented table, ApiVersions itself up to v5 and DescribeCluster among them', async () => {
    const { errorCode, apis } = read(await ask(4));
    assert.strictEqual(errorCode, 0);
    assert.deepStrictEqual(apis.get(18), [0, 5]);
    assert.deepStrictEqual(apis.get(60), [0, 2]);
    assert.deepStrictEqual(apis.get(0), [0, 13], 'Produce keeps v0 in its range (librdkafka 2.0 needs it)');
  });

  it('v3 and v4 finalize metadata.version 4.0-IV3 (level 25) at epoch 0 and advertise no transaction.version', async () => {
    for (const version of [3, 4]) {
      const { features: f } = read(await ask(version));
      assert.deepStrictEqual(f.tags, [0, 1, 2], 'SupportedFeatures, FinalizedFeaturesEpoch, FinalizedFeatures');
      assert.deepStrictEqual(f.supported, [['metadata.version', 25, 25]]);
      assert.deepStrictEqual(f.finalized, [['metadata.version', 25, 25]], 'name, max level, min level');
      assert.strictEqual(f.epoch, 0, 'an epoch >= 0, so the Java client takes the finalized features');
    }
  });

  it('v5 without a cluster id (a client that has no metadata yet) is answered normally', async () => {
    assert.strictEqual(read(await ask(5)).errorCode, 0);
  });

  it("v5 naming this broker's cluster id and node id is answered normally", async () => {
    assert.strictEqual(read(await ask(5, clusterIdFor(wire.broker.dataDir), 1)).errorCode, 0);
  });

  it('v5 naming another cluster, or another node, gets REBOOTSTRAP_REQUIRED (129) and a log line', async () => {
    const other = read(await ask(5, 'AAAAAAAAAAAAAAAAAAAAAA', 1));
    assert.strictEqual(other.errorCode, 129);
    assert.ok(other.apis.size > 0, 'the table is still listed');
    assert.strictEqual(read(await ask(5, clusterIdFor(wire.broker.dataDir), 7)).errorCode, 129);
    assert.ok(
      wire.logs.some((l) => /expected cluster AAAAAAAAAAAAAAAAAAAAAA node 1, but this is cluster .* node 1/.test(l)),
      wire.logs.join('\n'),
    );
  });
});
