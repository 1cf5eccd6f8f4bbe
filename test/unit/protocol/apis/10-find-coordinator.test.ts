// FindCoordinator (key 10) over the wire, frames built from Kafka's message spec: v4+ batches coordinator keys
// and answers one entry per key (this broker for each); v6's share-group key type is refused per key.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire } from './group-wire';

describe('FindCoordinator API: batched keys (v4+)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
  });
  afterEach(() => wire.close());

  async function batch(version: number, keyType: number, keys: string[]) {
    const d = await wire.call(10, version, true, (e) => {
      e.i8(keyType).len(keys.length);
      for (const k of keys) e.str(k);
      e.tags();
    });
    d.i32();
    const out = d.many(() => {
      const row = {
        key: d.str(),
        nodeId: d.i32(),
        host: d.str(),
        port: d.i32(),
        errorCode: d.i16(),
        message: d.nstr(),
      };
      d.tags();
      return row;
    });
    d.tags();
    d.end();
    return out;
  }

  it('v4 answers every group key of the batch with this broker', async () => {
    const got = await batch(4, 0, ['g1', 'g2']);
    assert.deepStrictEqual(
      got.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode, c.message]),
      [
        ['g1', 1, '127.0.0.1', wire.server.port, 0, null],
        ['g2', 1, '127.0.0.1', wire.server.port, 0, null],
      ],
    );
  });

  it('v6 refuses the share-group key type per key with INVALID_REQUEST and a message', async () => {
    const [c] = await batch(6, 2, ['s1']);
    assert.strictEqual(c.key, 's1');
    assert.strictEqual(c.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(c.message ?? '', /share groups/);
  });

  it('v3 (flexible, one key) still answers in the single-coordinator fields', async () => {
    const d = await wire.call(10, 3, true, (e) => e.str('g').i8(0).tags());
    d.i32();
    assert.deepStrictEqual([d.i16(), d.nstr(), d.i32(), d.str(), d.i32()], [0, null, 1, '127.0.0.1', wire.server.port]);
    d.tags();
    d.end();
  });
});
