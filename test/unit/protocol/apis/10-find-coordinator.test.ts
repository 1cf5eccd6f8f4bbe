// FindCoordinator (key 10) over the wire, frames built from Kafka's message spec: v4+ batches coordinator keys
// and answers one entry per key (this broker for each); v6's share-group key type is refused per key; key type 1
// (transactional ids) is this broker in every version. v0-2: this broker coordinates every group; the answer is
// its own node id and advertised address in every version.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire } from './group-wire';
import type { Wire } from './harness';
import { openWire } from './harness';

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
    assert.deepStrictEqual([c.nodeId, c.host, c.port], [-1, '', -1], 'no coordinator is named');
  });

  it('v1 and v3 (one key) refuse an unsupported key type with INVALID_REQUEST, a message and no coordinator', async () => {
    for (const version of [1, 3]) {
      const flexible = version >= 3;
      const d = await wire.call(10, version, flexible, (e) => e.str('s').i8(2).tags());
      d.i32();
      const [code, message, nodeId, host, port] = [d.i16(), d.nstr(), d.i32(), d.str(), d.i32()];
      d.tags();
      d.end();
      assert.deepStrictEqual([code, nodeId, host, port], [ErrorCode.INVALID_REQUEST, -1, '', -1], `v${version}`);
      assert.match(message ?? '', /key type 2 is not supported/);
    }
  });

  it('v3 (flexible, one key) still answers in the single-coordinator fields', async () => {
    const d = await wire.call(10, 3, true, (e) => e.str('g').i8(0).tags());
    d.i32();
    assert.deepStrictEqual([d.i16(), d.nstr(), d.i32(), d.str(), d.i32()], [0, null, 1, '127.0.0.1', wire.server.port]);
    d.tags();
    d.end();
  });

  it('key type 1 (transaction), v4-v6 batched: every transactional id is coordinated by this broker', async () => {
    for (const version of [4, 5, 6]) {
      const got = await batch(version, 1, ['tx-a', 'tx-b']);
      assert.deepStrictEqual(
        got.map((c) => [c.key, c.nodeId, c.host, c.port, c.errorCode]),
        [
          ['tx-a', 1, '127.0.0.1', wire.server.port, 0],
          ['tx-b', 1, '127.0.0.1', wire.server.port, 0],
        ],
        `v${version}`,
      );
    }
  });

  it('key type 1 (transaction), v1 (classic) and v3 (flexible), one key: this broker', async () => {
    const v1 = await wire.call(10, 1, false, (e) => e.str('tx').i8(1));
    v1.i32();
    assert.deepStrictEqual(
      [v1.i16(), v1.nstr(), v1.i32(), v1.str(), v1.i32()],
      [0, null, 1, '127.0.0.1', wire.server.port],
    );
    v1.end();
    const v3 = await wire.call(10, 3, true, (e) => e.str('tx').i8(1).tags());
    v3.i32();
    assert.deepStrictEqual(
      [v3.i16(), v3.nstr(), v3.i32(), v3.str(), v3.i32()],
      [0, null, 1, '127.0.0.1', wire.server.port],
    );
    v3.tags();
    v3.end();
  });
});

describe('FindCoordinator (key 10) over the wire', () => {
  let wire: Wire;
  afterEach(async () => wire.close());

  it('every version v0-2 names this broker: node id, advertised host and port', async () => {
    wire = await openWire({}, 5);
    for (let v = 0; v <= 2; v++) {
      const r = await wire.call(10, v, (w) => {
        w.string('some-group');
        if (v >= 1) w.int8(0);
      });
      if (v >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
      assert.strictEqual(r.int16(), 0, 'error code');
      if (v >= 1) assert.strictEqual(r.nullableString(), null, 'error message');
      assert.deepStrictEqual([r.int32(), r.string(), r.int32()], [5, '127.0.0.1', wire.server.port], `v${v}`);
      assert.strictEqual(r.remaining, 0, `v${v}: nothing after the last field`);
    }
  });
});
