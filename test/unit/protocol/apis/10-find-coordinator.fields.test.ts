// FindCoordinator (key 10) over the wire, v0-2: this broker coordinates every group; the answer is its own
// node id and advertised address in every version.
import * as assert from 'assert';
import type { Wire } from './harness';
import { openWire } from './harness';

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
