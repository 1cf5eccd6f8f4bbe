import * as assert from 'assert';
import * as net from 'net';
import { listenWithFallback } from '../../../../src/extension/model/port-fallback';

function inUse(port: number): Error {
  return Object.assign(new Error(`listen EADDRINUSE: address already in use 127.0.0.1:${port}`), {
    code: 'EADDRINUSE',
  });
}

describe('port fallback', () => {
  it('uses the configured port when it is free', async () => {
    const r = await listenWithFallback(9092, async (p) => p);
    assert.deepStrictEqual([r.server, r.busyPorts], [9092, []]);
  });

  it('moves to the next free port and reports the busy ones', async () => {
    const busy = new Set([9092, 9093]);
    const r = await listenWithFallback(9092, async (p) => {
      if (busy.has(p)) throw inUse(p);
      return p;
    });
    assert.strictEqual(r.server, 9094);
    assert.deepStrictEqual(r.busyPorts, [9092, 9093]);
  });

  it('gives up after 20 more ports with a message naming the range and the fix', async () => {
    const tried: number[] = [];
    await assert.rejects(
      listenWithFallback(9092, async (p) => {
        tried.push(p);
        throw inUse(p);
      }),
      /9092\.\.9112 are all in use; set kafkaLite\.port/,
    );
    assert.strictEqual(tried.length, 21);
  });

  it('does not retry other errors (e.g. permission denied)', async () => {
    let calls = 0;
    await assert.rejects(
      listenWithFallback(80, async () => {
        calls++;
        throw Object.assign(new Error('listen EACCES'), { code: 'EACCES' });
      }),
      /EACCES/,
    );
    assert.strictEqual(calls, 1);
  });

  it('falls back past a port really held by another socket', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await listenWithFallback(taken, (p) => {
        const s = net.createServer();
        return new Promise<net.Server>((resolve, reject) => {
          s.once('error', reject);
          s.listen(p, '127.0.0.1', () => resolve(s));
        });
      });
      const got = (r.server.address() as net.AddressInfo).port;
      assert.ok(got > taken, `listening on ${got}, after ${taken}`);
      assert.deepStrictEqual(r.busyPorts, [taken]);
      r.server.close();
    } finally {
      blocker.close();
    }
  });
});
