import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import { encodeRecordBatch } from '../../../src/broker/storage/record-batch';
import { FramePool } from '../../../src/protocol/frame-pool';
import { startKafkaServer } from '../../../src/protocol/server';
import { frame, RawClient } from './helpers';

describe('frame pool', () => {
  it('hands out views of exactly the asked size and reuses a given-back buffer for a frame that fits', () => {
    const pool = new FramePool(2, 8 * 1024 * 1024, 256 * 1024);
    const a = pool.take(300_000);
    assert.strictEqual(a.view.length, 300_000);
    assert.strictEqual(a.parent!.length, 512 * 1024, 'capacity rounded up to the granule');
    assert.strictEqual(a.view.buffer, a.parent!.buffer);
    pool.give(a.parent!);
    const b = pool.take(400_000);
    assert.strictEqual(b.parent, a.parent, 'the free buffer is reused');
    const c = pool.take(100_000);
    assert.notStrictEqual(c.parent, a.parent, 'a buffer in use is never handed out twice');
  });

  it('keeps at most maxBuffers and maxBytes, and does not pool frames above a quarter of maxBytes', () => {
    const pool = new FramePool(2, 4 * 1024 * 1024, 256 * 1024);
    const bufs = [pool.take(200_000), pool.take(200_000), pool.take(200_000)];
    for (const b of bufs) pool.give(b.parent!);
    assert.deepStrictEqual(pool.size, { buffers: 2, bytes: 512 * 1024 });
    const big = pool.take(2 * 1024 * 1024);
    assert.strictEqual(big.parent, null);
    assert.strictEqual(big.view.length, 2 * 1024 * 1024);
  });

  it('by default pools frames in 256 KiB granules', () => {
    const pool = new FramePool();
    const a = pool.take(100_000);
    assert.ok(a.parent, 'a 100 KB frame is pooled');
    assert.strictEqual(a.parent.length, 256 * 1024);
    // 32 MiB, a quarter of the default 128 MiB, is still pooled
    const b = pool.take(32 * 1024 * 1024);
    assert.strictEqual(b.parent?.length, 32 * 1024 * 1024);
    assert.strictEqual(pool.take(32 * 1024 * 1024 + 1).parent, null);
  });

  it('a free buffer of exactly the size asked for is reused, and taking it removes its bytes from the pool', () => {
    const pool = new FramePool(8, 8 * 1024 * 1024, 256 * 1024);
    const a = pool.take(256 * 1024);
    pool.give(a.parent!);
    assert.deepStrictEqual(pool.size, { buffers: 1, bytes: 256 * 1024 });
    assert.strictEqual(pool.take(256 * 1024).parent, a.parent);
    assert.deepStrictEqual(pool.size, { buffers: 0, bytes: 0 });
  });

  it('the smallest free buffer that fits is taken, the earliest given back among equals', () => {
    const pool = new FramePool(8, 64 * 1024 * 1024, 256 * 1024);
    const big = pool.take(1024 * 1024).parent!;
    const mid = pool.take(512 * 1024).parent!;
    const small = pool.take(100_000).parent!;
    const twin = pool.take(100_000).parent!;
    // given back largest first: the best fit is neither the first nor the last free buffer
    for (const b of [big, mid, small, twin]) pool.give(b);
    assert.strictEqual(pool.take(200_000).parent, small, 'the first of two equal 256 KiB buffers');
    assert.strictEqual(pool.take(200_000).parent, twin);
    assert.strictEqual(pool.take(200_000).parent, mid, 'a 512 KiB buffer rather than the 1 MiB one');
    assert.strictEqual(pool.take(200_000).parent, big);
    assert.notStrictEqual(pool.take(200_000).parent, big, 'nothing left to reuse');
    // smallest first: a later, larger buffer does not replace it
    pool.give(small);
    pool.give(big);
    assert.strictEqual(pool.take(200_000).parent, small);
  });

  it('a frame of exactly a quarter of maxBytes is pooled; maxBytes bounds the free buffers even below maxBuffers', () => {
    const pool = new FramePool(64, 1024 * 1024, 256 * 1024);
    assert.strictEqual(pool.take(256 * 1024).parent?.length, 256 * 1024);
    const parents = Array.from({ length: 5 }, () => pool.take(256 * 1024).parent!);
    for (const p of parents) pool.give(p);
    assert.deepStrictEqual(pool.size, { buffers: 4, bytes: 1024 * 1024 }, 'exactly maxBytes kept, the fifth dropped');
  });
});

describe('large produce frames through the server (pooled assembly buffers)', function () {
  this.timeout(20000);
  let dir: string;
  let broker: Broker;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-framepool-'));
    broker = await Broker.open({ dataDir: dir });
  });
  afterEach(async () => {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every record of many large produces sent back to back in small chunks is stored exactly (no buffer is reused too early)', async () => {
    const server = await startKafkaServer({ broker, port: 0 });
    const c = await RawClient.connect(server.port);
    try {
      const requests = 12;
      const perBatch = 300;
      const frames: Buffer[] = [];
      for (let i = 0; i < requests; i++) {
        const records = Array.from({ length: perBatch }, (_, j) => ({
          key: Buffer.from(`k${i}-${j}`),
          value: Buffer.alloc(1000, (i * 7 + j) & 0xff),
          headers: [],
          timestamp: 1_700_000_000_000 + i,
        }));
        const batch = encodeRecordBatch(records, {
          producerId: -1,
          producerEpoch: -1,
          baseSequence: -1,
          compression: 0,
        });
        // acks=-1 keeps each request (and its frame buffer) pending until a flush; the topic is auto-created
        // (an await before the append), which is where a too-early reuse would show.
        frames.push(
          frame(0, 7, 100 + i, (w) =>
            w
              .nullableString(null)
              .int16(i % 2 === 0 ? -1 : 1)
              .int32(5000)
              .int32(1)
              .string('pooled')
              .int32(1)
              .int32(0)
              .bytes(batch),
          ),
        );
      }
      const all = Buffer.concat(frames);
      for (let pos = 0; pos < all.length; pos += 7_000) c.send(all.subarray(pos, Math.min(all.length, pos + 7_000)));
      const responses = await c.waitFrames(requests, 15000);
      responses.forEach((r, i) => assert.strictEqual(r.readInt32BE(0), 100 + i, 'responses in request order'));
      const got = broker.readRecords('pooled', 0, 0, requests * perBatch);
      assert.strictEqual(got.length, requests * perBatch);
      for (let i = 0; i < requests; i++) {
        for (let j = 0; j < perBatch; j++) {
          const r = got[i * perBatch + j];
          assert.strictEqual(r.key!.toString(), `k${i}-${j}`);
          assert.ok(r.value!.equals(Buffer.alloc(1000, (i * 7 + j) & 0xff)), `value of record ${i}/${j}`);
        }
      }
    } finally {
      c.end();
      await server.close();
    }
  });
});
