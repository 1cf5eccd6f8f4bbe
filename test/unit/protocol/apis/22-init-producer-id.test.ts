// InitProducerId (key 22) v2-v5 on the wire (flexible): an idempotent producer gets an id and epoch 0, a v3+
// producer naming its id and epoch gets the epoch bumped, half of a pair is INVALID_REQUEST, and a transactional
// id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED (53), which clients treat as final, with one log line
// naming the missing feature.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

describe('InitProducerId API v2-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const init = async (version: number, transactionalId: string | null, producerId = -1, producerEpoch = -1) => {
    const r = await wire.call(22, version, true, (w) => {
      w.compactNullableString(transactionalId).int32(60000);
      if (version >= 3) w.int64(producerId).int16(producerEpoch);
      w.emptyTaggedFields();
    });
    const out = { throttle: r.int32(), errorCode: r.int16(), producerId: r.int64(), producerEpoch: r.int16() };
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  };

  it('v5 without a transactional id hands out a producer id with epoch 0', async () => {
    const a = await init(5, null);
    const b = await init(2, null);
    assert.deepStrictEqual([a.errorCode, a.producerEpoch, b.errorCode, b.producerEpoch], [0, 0, 0, 0]);
    assert.ok(
      a.producerId >= 0 && b.producerId !== a.producerId,
      `two producers, two ids (${a.producerId}, ${b.producerId})`,
    );
  });

  it('v3+ naming the current id and epoch bumps the epoch of the same id', async () => {
    const first = await init(5, null);
    const bumped = await init(4, null, first.producerId, first.producerEpoch);
    assert.deepStrictEqual([bumped.errorCode, bumped.producerId, bumped.producerEpoch], [0, first.producerId, 1]);
  });

  it('an id without an epoch is INVALID_REQUEST', async () => {
    const r = await init(5, null, 7, -1);
    assert.deepStrictEqual([r.errorCode, r.producerId, r.producerEpoch], [42, -1, -1]);
  });

  it('a transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED and a log line naming transactions', async () => {
    const r = await init(5, 'my-tx');
    assert.deepStrictEqual([r.errorCode, r.producerId, r.producerEpoch], [53, -1, -1]);
    const lines = wire.logs.filter((l) => /InitProducerId refused/.test(l));
    assert.strictEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /refused \(53\): transactions are not supported by Kafka Lite \(transactional id "my-tx"\)/);
  });
});
