/**
 * The protocol server at the edges of its framing and refusal rules, as a client sees them: where a size prefix
 * and a frame may be split across socket reads, the exact limits of a frame's size, the refusals of unknown APIs
 * and versions (with the log line an operator reads), ApiVersions' error-35 answer, the client id's log lines, and
 * an API handler that fails. Every test drives a real server on an ephemeral port through raw TCP frames.
 */
import * as assert from 'assert';
import type { KafkaServer } from '../../../src/protocol/server';
import { startKafkaServer } from '../../../src/protocol/server';
import { Reader } from '../../../src/protocol/codec/reader';
import { FakeBroker, frame, RawClient, sleep } from './helpers';

const LIMIT = 64 * 1024;

/** An ApiVersions v0 request of exactly `total` bytes after its size prefix (the body is padding, never read). */
function apiVersionsOfSize(total: number, correlationId: number): Buffer {
  const base = frame(18, 0, correlationId, () => {});
  const out = Buffer.alloc(4 + total);
  base.copy(out);
  out.writeInt32BE(total, 0);
  return out;
}

/** A raw frame: size prefix then exactly `payload`. */
function rawFrame(payload: Buffer): Buffer {
  const p = Buffer.alloc(4);
  p.writeInt32BE(payload.length);
  return Buffer.concat([p, payload]);
}

describe('server framing and refusals at their edges', () => {
  let broker: FakeBroker;
  let server: KafkaServer;
  let logs: string[];
  const clients: RawClient[] = [];
  const ports = new Map<RawClient, number>();

  async function client(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    c.socket.setNoDelay(true);
    clients.push(c);
    ports.set(c, c.socket.localPort!);
    return c;
  }

  /** The port and connection id of a client, as the server's log lines name it. */
  function who(c: RawClient, clientId = 'test-client'): RegExp {
    const port = ports.get(c)!;
    return new RegExp(`client "${clientId}" \\(127\\.0\\.0\\.1:${port}, connection \\d+\\)`);
  }

  beforeEach(async () => {
    broker = new FakeBroker();
    logs = [];
    server = await startKafkaServer({
      broker: broker.asBroker(),
      port: 0,
      maxRequestBytes: LIMIT,
      logger: (l, m) => logs.push(`${l} ${m}`),
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.end();
    await server.close();
  });

  it('a read that ends inside the next size prefix, followed by one with the rest of it, a whole frame and another, is answered in order', async () => {
    const c = await client();
    const f1 = frame(18, 0, 1, () => {});
    const f2 = frame(18, 0, 2, () => {});
    const f3 = frame(18, 1, 3, () => {});
    c.send(Buffer.concat([f1, f2.subarray(0, 2)]));
    await c.waitFrames(1);
    await sleep(20); // the rest arrives as a read of its own
    c.send(Buffer.concat([f2.subarray(2), f3]));
    const frames = await c.waitFrames(3);
    assert.deepStrictEqual(
      frames.map((fr) => fr.readInt32BE(0)),
      [1, 2, 3],
    );
    assert.ok(!c.closed, 'the connection stays open');
  });

  it('a frame whose body is split across reads, its last read also carrying a whole next frame, is assembled', async () => {
    const c = await client();
    const f1 = frame(3, 1, 10, (w) => w.int32(1).string('topic-a'));
    const f2 = frame(18, 0, 11, () => {});
    c.send(f1.subarray(0, 9));
    await sleep(20);
    c.send(Buffer.concat([f1.subarray(9), f2]));
    const frames = await c.waitFrames(2);
    assert.deepStrictEqual(
      frames.map((fr) => fr.readInt32BE(0)),
      [10, 11],
    );
    assert.ok(broker.topics.has('topic-a'), 'the assembled Metadata request named its topic');
  });

  it('a request of exactly maxRequestBytes is answered; one byte more is refused with a line naming both sizes', async () => {
    const ok = await client();
    ok.send(apiVersionsOfSize(LIMIT, 21));
    const [resp] = await ok.waitFrames(1);
    assert.strictEqual(resp.readInt32BE(0), 21);
    assert.strictEqual(resp.readInt16BE(4), 0, 'error code 0');

    const big = await client();
    big.send(apiVersionsOfSize(LIMIT + 1, 22));
    await big.waitClosed();
    assert.strictEqual(big.frames.length, 0);
    const line = logs.find((l) => l.includes('exceeds'));
    assert.ok(line, logs.join('\n'));
    assert.match(line, /^warn /);
    assert.ok(
      line.endsWith(
        `request of ${LIMIT + 1} bytes exceeds the ${LIMIT}-byte limit (socket.request.max.bytes); closing the connection`,
      ),
      line,
    );
    assert.ok(!ok.closed, 'the other connection stays open');
  });

  it('a size prefix below the 8 bytes of a request header is refused as not a Kafka client; so is a negative one', async () => {
    for (const size of [7, 0, -1]) {
      const c = await client();
      const prefix = Buffer.alloc(4);
      prefix.writeInt32BE(size);
      c.send(Buffer.concat([prefix, Buffer.alloc(Math.max(size, 0))]));
      await c.waitClosed();
      assert.ok(
        logs.some((l) =>
          l.endsWith(`invalid request frame size ${size} (not a Kafka client?); closing the connection`),
        ),
        `size ${size}:\n${logs.join('\n')}`,
      );
    }
  });

  it('an 8-byte frame is read as a request header: its missing client id is reported as a malformed request', async () => {
    const c = await client();
    const payload = Buffer.alloc(8);
    payload.writeInt16BE(18, 0);
    payload.writeInt16BE(0, 2);
    payload.writeInt32BE(31, 4);
    c.send(rawFrame(payload));
    await c.waitClosed();
    assert.ok(
      logs.some((l) => /malformed ApiVersions v0 request \(correlation id 31\): .+; closing the connection$/.test(l)),
      logs.join('\n'),
    );
    assert.ok(!logs.some((l) => l.includes('invalid request frame size')), 'not refused for its size');
  });

  it('an unknown API key whose header is cut short is named by its key and version in the malformed line', async () => {
    const c = await client();
    const payload = Buffer.alloc(8);
    payload.writeInt16BE(999, 0);
    payload.writeInt16BE(4, 2);
    payload.writeInt32BE(32, 4);
    c.send(rawFrame(payload));
    await c.waitClosed();
    assert.ok(
      logs.some((l) => /^warn .*: malformed API key 999 v4 request \(correlation id 32\): /.test(l)),
      logs.join('\n'),
    );
  });

  it('an unknown API key closes the connection with a warning naming the client, the key, version and correlation id', async () => {
    const c = await client();
    c.send(frame(999, 3, 77, () => {}, { clientId: 'probe' }));
    await c.waitClosed();
    const line = logs.find((l) => l.includes('unknown API key'));
    assert.ok(line, logs.join('\n'));
    assert.match(line, /^warn /);
    assert.match(line, who(c, 'probe'));
    assert.ok(line.endsWith(': unknown API key 999 (version 3, correlation id 77); closing the connection'), line);
  });

  it('a version just below an API range and one just above it are refused with the supported range; the range ends are served', async () => {
    const below = await client();
    below.send(frame(1, 3, 1, () => {}));
    await below.waitClosed();
    assert.ok(
      logs.some((l) => l.endsWith(': Fetch version 3 is not supported (supported: 4-18); closing the connection')),
      logs.join('\n'),
    );
    const above = await client();
    above.send(frame(3, 14, 2, () => {}));
    await above.waitClosed();
    assert.ok(
      logs.some((l) => l.endsWith(': Metadata version 14 is not supported (supported: 0-13); closing the connection')),
      logs.join('\n'),
    );
    // the ends of ApiVersions' range: v0 and v5 are answered with error 0
    const ends = await client();
    ends.send(frame(18, 0, 3, () => {}));
    ends.send(
      frame(
        18,
        5,
        4,
        (w) => w.compactString('app').compactString('1.0').compactNullableString(null).int32(-1).emptyTaggedFields(),
        { headerV2: true },
      ),
    );
    const frames = await ends.waitFrames(2);
    assert.deepStrictEqual(
      frames.map((fr) => [fr.readInt32BE(0), fr.readInt16BE(4)]),
      [
        [3, 0],
        [4, 0],
      ],
    );
  });

  it('ApiVersions one version above the range, or a negative one, answers UNSUPPORTED_VERSION with the same list v0 answers, and logs it', async () => {
    const c = await client();
    c.send(frame(18, 0, 40, () => {}));
    c.send(frame(18, 6, 41, (w) => w.compactString('x').compactString('y').emptyTaggedFields(), { headerV2: true }));
    c.send(frame(18, -1, 42, () => {}));
    const [v0, v6, vNeg] = await c.waitFrames(3);
    assert.strictEqual(v6.readInt32BE(0), 41);
    assert.strictEqual(v6.readInt16BE(4), 35);
    assert.strictEqual(vNeg.readInt32BE(0), 42);
    assert.strictEqual(vNeg.readInt16BE(4), 35);
    // after the error code: the array of (key, min, max), byte for byte the table v0 answers, and nothing else
    assert.strictEqual(v6.subarray(6).toString('hex'), v0.subarray(6).toString('hex'));
    assert.strictEqual(vNeg.subarray(6).toString('hex'), v0.subarray(6).toString('hex'));
    const r = new Reader(v6.subarray(6));
    const n = r.int32();
    assert.ok(n > 20, `${n} APIs`);
    assert.strictEqual(v6.length, 6 + 4 + n * 6);
    assert.ok(
      logs.some(
        (l) =>
          l.startsWith('info ') &&
          l.endsWith(': ApiVersions v6 is not supported; answering with error 35 and the supported list'),
      ),
      logs.join('\n'),
    );
    assert.ok(!c.closed);
  });

  it('a client id is logged once when its first request arrives, and named again when the connection closes', async () => {
    const seen: { id: number; clientId?: string }[] = [];
    server.on('disconnect', (e) => seen.push({ id: e.id, clientId: e.clientId }));
    const c = await client();
    c.send(frame(18, 0, 1, () => {}, { clientId: 'app-1' }));
    c.send(frame(18, 0, 2, () => {}, { clientId: 'app-1' }));
    await c.waitFrames(2);
    const port = c.socket.localPort;
    const idLines = logs.filter((l) => l.includes('client id'));
    assert.strictEqual(idLines.length, 1, logs.join('\n'));
    assert.match(idLines[0], new RegExp(`^info connection (\\d+) from 127\\.0\\.0\\.1:${port}: client id "app-1"$`));
    const connId = Number(/connection (\d+)/.exec(idLines[0])![1]);
    c.end();
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10);
    assert.deepStrictEqual(seen, [{ id: connId, clientId: 'app-1' }]);
    assert.ok(logs.includes(`info connection ${connId} (client "app-1") closed`), logs.join('\n'));
  });

  it('a connection that never sent a request closes without a client line', async () => {
    const seen: { clientId?: string }[] = [];
    server.on('disconnect', (e) => seen.push({ clientId: e.clientId }));
    const c = await client();
    c.end();
    for (let i = 0; i < 100 && seen.length === 0; i++) await sleep(10);
    assert.deepStrictEqual(seen, [{ clientId: undefined }]);
    assert.ok(!logs.some((l) => l.includes('closed')), logs.join('\n'));
  });

  it('a null client id is kept as the empty client id', async () => {
    const c = await client();
    const f = frame(18, 0, 1, () => {});
    // replace the header's client id ("test-client") by a null string
    const payload = Buffer.concat([f.subarray(4, 12), Buffer.from([0xff, 0xff])]);
    c.send(rawFrame(payload));
    const [resp] = await c.waitFrames(1);
    assert.strictEqual(resp.readInt32BE(0), 1);
    assert.ok(
      logs.some((l) => /client id ""$/.test(l)),
      logs.join('\n'),
    );
  });

  it('the request memory a connection held is given back once its requests are answered', async () => {
    const c = await client();
    c.send(Buffer.concat([frame(18, 0, 1, () => {}), frame(3, 1, 2, (w) => w.int32(0)), frame(18, 1, 3, () => {})]));
    await c.waitFrames(3);
    assert.strictEqual(server.pressure().heldRequestBytes, 0);
    assert.ok(!c.closed);
  });

  it('an API whose handler fails logs the error with its stack and closes only that connection with a warning', async () => {
    const fails = Object.assign(broker, {
      listTopics: () => {
        throw new Error('the topic list is gone');
      },
    });
    assert.ok(fails);
    const bad = await client();
    const good = await client();
    bad.send(frame(3, 1, 50, (w) => w.int32(-1), { clientId: 'meta' }));
    await bad.waitClosed();
    const error = logs.find((l) => l.startsWith('error '));
    assert.ok(error, logs.join('\n'));
    assert.match(error, who(bad, 'meta'));
    assert.match(error, /: Metadata v1 failed: Error: the topic list is gone\n\s+at /);
    assert.ok(
      logs.some(
        (l) => l.startsWith('warn ') && l.endsWith(': Metadata v1 could not be answered; closing the connection'),
      ),
      logs.join('\n'),
    );
    good.send(frame(18, 0, 51, () => {}));
    assert.strictEqual((await good.waitFrames(1))[0].readInt32BE(0), 51);
  });
});
