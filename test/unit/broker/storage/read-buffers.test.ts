import * as assert from 'assert';
import {
  giveBackReadBuffer,
  isReadBuffer,
  SLAB_BYTES,
  takeReadBuffer,
} from '../../../../src/broker/storage/read-buffers';

describe('read buffers (recycled fetch-sized reads)', () => {
  it('a fetch-sized read gets a slab of exactly the asked length; a small or oversized one gets a plain buffer', () => {
    const slab = takeReadBuffer(600 * 1024);
    assert.strictEqual(slab.length, 600 * 1024);
    assert.ok(isReadBuffer(slab));
    assert.ok(isReadBuffer(slab.subarray(10, 20)), 'any view of a slab is recognised');
    assert.ok(!isReadBuffer(takeReadBuffer(4096)), 'a header-sized read does not take a slab');
    assert.ok(!isReadBuffer(takeReadBuffer(SLAB_BYTES + 1)), 'a read larger than a slab is allocated on its own');
    assert.ok(!isReadBuffer(Buffer.alloc(SLAB_BYTES)));
  });

  it('a slab given back is the memory of the next fetch-sized read, and is not handed out twice', () => {
    const a = takeReadBuffer(SLAB_BYTES);
    giveBackReadBuffer(a.subarray(0, 100));
    giveBackReadBuffer(a); // a second give-back of the same slab is ignored
    const b = takeReadBuffer(300 * 1024);
    assert.strictEqual(b.buffer, a.buffer, 'the freed slab is reused');
    const c = takeReadBuffer(300 * 1024);
    assert.notStrictEqual(c.buffer, a.buffer, 'the slab in use is not given to a second read');
  });

  it('giving back a buffer that is not a slab changes nothing', () => {
    const plain = Buffer.allocUnsafeSlow(SLAB_BYTES);
    giveBackReadBuffer(plain);
    assert.notStrictEqual(takeReadBuffer(SLAB_BYTES).buffer, plain.buffer);
  });

  it('at most four free slabs are kept; more given back are left to the garbage collector', () => {
    const taken = Array.from({ length: 6 }, () => takeReadBuffer(SLAB_BYTES));
    for (const t of taken) giveBackReadBuffer(t);
    const again = Array.from({ length: 6 }, () => takeReadBuffer(SLAB_BYTES));
    const reused = again.filter((x) => taken.some((t) => t.buffer === x.buffer)).length;
    assert.strictEqual(reused, 4);
  });
});
