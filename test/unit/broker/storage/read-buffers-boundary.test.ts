/**
 * Read buffers at the lower edge of the slab range: a read of exactly 128 KiB is served from a slab (so the
 * server can recycle it), one byte less is a plain allocation.
 */
import * as assert from 'assert';
import { isReadBuffer, takeReadBuffer } from '../../../../src/broker/storage/read-buffers';

describe('read buffers: the smallest slab-sized read', () => {
  it('a 128 KiB read takes a slab; a read one byte shorter does not', () => {
    const smallest = takeReadBuffer(128 * 1024);
    assert.strictEqual(smallest.length, 128 * 1024);
    assert.ok(isReadBuffer(smallest), '128 KiB is slab-sized');
    assert.ok(!isReadBuffer(takeReadBuffer(128 * 1024 - 1)), 'below 128 KiB is allocated on its own');
  });
});
