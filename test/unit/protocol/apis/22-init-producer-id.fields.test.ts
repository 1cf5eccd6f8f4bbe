// InitProducerId (key 22) over the wire, v0-1: a producer without a transactional id gets a fresh id with
// epoch 0; a transactional id gets the transaction coordinator's id, its epoch bumped on every call.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Wire } from './harness';
import { openWire } from './harness';

describe('InitProducerId (key 22) over the wire', () => {
  let wire: Wire;
  beforeEach(async () => (wire = await openWire()));
  afterEach(async () => wire.close());

  async function initProducerId(version: number, transactionalId: string | null): Promise<[number, number, number]> {
    const r = await wire.call(22, version, (w) => w.nullableString(transactionalId).int32(60000));
    assert.strictEqual(r.int32(), 0, 'throttle time');
    const out: [number, number, number] = [r.int16(), r.int64(), r.int16()];
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return out;
  }

  it('v0 and v1 hand out distinct producer ids with epoch 0', async () => {
    const [e0, id0, epoch0] = await initProducerId(0, null);
    const [e1, id1, epoch1] = await initProducerId(1, null);
    assert.deepStrictEqual([e0, epoch0, e1, epoch1], [0, 0, 0, 0]);
    assert.ok(id0 >= 0 && id1 >= 0 && id0 !== id1, `ids ${id0} and ${id1}`);
  });

  it('v0 and v1 with a transactional id: the same producer id each time, the epoch bumped', async () => {
    const [e0, id0, epoch0] = await initProducerId(0, 'tx-1');
    const [e1, id1, epoch1] = await initProducerId(1, 'tx-1');
    assert.deepStrictEqual([e0, epoch0, e1, epoch1, id1], [ErrorCode.NONE, 0, ErrorCode.NONE, 1, id0]);
  });
});
