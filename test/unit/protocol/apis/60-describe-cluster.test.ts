// DescribeCluster (key 60) v0-v2 on the wire (flexible in every version), as the Java Admin's describeCluster()
// sends it: one broker on the advertised address, never fenced, this node as controller, the cluster id, and,
// when asked, every cluster operation (no authorizer), never 0.
import * as assert from 'assert';
import { clusterIdFor } from '../../../../src/protocol/server';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('DescribeCluster API v0-v2 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const describeCluster = async (version: number, includeOps: boolean, endpointType = 1) => {
    const r = await wire.call(60, version, true, (w) => {
      w.bool(includeOps);
      if (version >= 1) w.int8(endpointType);
      if (version >= 2) w.bool(true);
      w.emptyTaggedFields();
    });
    const out = {
      throttle: r.int32(),
      errorCode: r.int16(),
      errorMessage: r.compactNullableString(),
      endpointType: version >= 1 ? r.int8() : 1,
      clusterId: r.compactString(),
      controllerId: r.int32(),
      brokers: [] as unknown[][],
      ops: 0,
    };
    for (let n = r.compactArrayLength(); n > 0; n--) {
      const b: unknown[] = [r.int32(), r.compactString(), r.int32(), r.compactNullableString()];
      if (version >= 2) b.push(r.bool());
      r.skipTaggedFields();
      out.brokers.push(b);
    }
    out.ops = r.int32();
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  };

  it('v2 names one unfenced broker on the advertised address, the cluster id and this node as controller', async () => {
    const d = await describeCluster(2, false);
    assert.deepStrictEqual(
      [d.errorCode, d.errorMessage, d.endpointType, d.clusterId, d.controllerId],
      [0, null, 1, clusterIdFor(wire.broker.dataDir), 1],
    );
    assert.deepStrictEqual(d.brokers, [[1, '127.0.0.1', wire.server.port, null, false]]);
    assert.strictEqual(d.ops, -2147483648, 'operations not requested');
  });

  it('asked for authorized operations, answers every cluster operation', async () => {
    const d = await describeCluster(0, true);
    // CREATE ALTER DESCRIBE CLUSTER_ACTION DESCRIBE_CONFIGS ALTER_CONFIGS IDEMPOTENT_WRITE
    assert.strictEqual(d.ops, (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12));
    assert.strictEqual(d.brokers.length, 1);
  });

  it('v1 endpoint type controllers is this node too; an unknown endpoint type is UNSUPPORTED_ENDPOINT_TYPE', async () => {
    const ctl = await describeCluster(1, false, 2);
    assert.deepStrictEqual([ctl.errorCode, ctl.endpointType, ctl.brokers.length], [0, 2, 1]);
    const bad = await describeCluster(1, false, 7);
    assert.strictEqual(bad.errorCode, 115);
    assert.match(bad.errorMessage ?? '', /endpoint type 7 is not supported/);
    assert.deepStrictEqual(bad.brokers, []);
  });
});
