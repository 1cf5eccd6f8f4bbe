import * as assert from 'assert';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../src/broker/broker';
import type { KafkaServer, KafkaServerOptions } from '../../../src/protocol/server';
import { startKafkaServer } from '../../../src/protocol/server';
import { Reader } from '../../../src/protocol/codec/reader';
import type { JoinGroupResult } from '../../../src/broker/types';
import { FakeBroker, frame, RawClient, sleep } from './helpers';

/** The API table the server must advertise: the contract with kafkajs and librdkafka. */
const EXPECTED_APIS: [number, number, number][] = [
  [0, 0, 13],
  [1, 4, 18],
  [2, 0, 10],
  [3, 0, 13],
  [8, 0, 9],
  [9, 1, 9],
  [10, 0, 6],
  [11, 0, 9],
  [12, 0, 4],
  [13, 0, 5],
  [14, 0, 5],
  [15, 0, 6],
  [16, 0, 5],
  [18, 0, 5],
  [19, 0, 7],
  [20, 0, 6],
  [21, 0, 2],
  [22, 0, 5],
  [24, 0, 3],
  [25, 0, 4],
  [26, 0, 4],
  [27, 0, 1],
  [28, 0, 4],
  [32, 0, 4],
  [33, 0, 2],
  [35, 0, 5],
  [37, 0, 3],
  [42, 0, 2],
  [44, 0, 1],
  [47, 0, 0],
  [60, 0, 2],
  [61, 0, 0],
  [65, 0, 0],
  [66, 0, 2],
  [75, 0, 0],
];

/** 70 bytes the server takes for one whole record batch v2 (batchLength at 8, magic 2 at 16), filled with `fill`. */
function framedBatch(fill: number): Buffer {
  const b = Buffer.alloc(70, fill);
  b.writeInt32BE(b.length - 12, 8);
  b[16] = 2;
  return b;
}

function apiTableHex(compact: boolean): string {
  const parts: string[] = [];
  for (const [k, min, max] of EXPECTED_APIS) {
    const b = Buffer.alloc(6);
    b.writeInt16BE(k, 0);
    b.writeInt16BE(min, 2);
    b.writeInt16BE(max, 4);
    parts.push(b.toString('hex') + (compact ? '00' : ''));
  }
  return parts.join('');
}

/**
 * ApiVersions v3+'s tagged fields: SupportedFeatures (tag 0) and FinalizedFeatures (tag 2), each metadata.version
 * at level 25, and FinalizedFeaturesEpoch (tag 1) 0, in tag order.
 */
function featuresHex(): string {
  const name = Buffer.from('metadata.version').toString('hex');
  const feature = '02' + '11' + name + '0019' + '0019' + '00'; // one entry: compact name, two int16, no tags
  const size = (feature.length / 2).toString(16).padStart(2, '0');
  return '03' + '00' + size + feature + '01' + '08' + '0000000000000000' + '02' + size + feature;
}

describe('Kafka protocol server', () => {
  let broker: FakeBroker;
  let server: KafkaServer;
  let logs: string[];
  const clients: RawClient[] = [];

  async function client(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    broker = new FakeBroker();
    logs = [];
    server = await startKafkaServer({
      broker: broker.asBroker(),
      port: 0,
      maxFrameBytes: 64 * 1024,
      logger: (l, m) => logs.push(`${l} ${m}`),
    });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.end();
    await server.close();
  });

  it('listens on 127.0.0.1 with an ephemeral port', () => {
    assert.strictEqual(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
  });

  it('ApiVersions v0 is answered byte for byte: header v0, error 0, the implemented table', async () => {
    const c = await client();
    c.send(frame(18, 0, 7, () => {}));
    const [resp] = await c.waitFrames(1);
    const count = Buffer.alloc(4);
    count.writeInt32BE(EXPECTED_APIS.length);
    assert.strictEqual(resp.toString('hex'), '00000007' + '0000' + count.toString('hex') + apiTableHex(false));
  });

  it('ApiVersions v3 keeps the v0 response header (no tagged byte) and a compact body with throttle time', async () => {
    const c = await client();
    c.send(
      frame(18, 3, 42, (w) => w.compactString('librdkafka').compactString('2.3.0').emptyTaggedFields(), {
        clientId: 'rdkafka',
        headerV2: true,
      }),
    );
    const [resp] = await c.waitFrames(1);
    const n = (EXPECTED_APIS.length + 1).toString(16).padStart(2, '0');
    assert.strictEqual(resp.toString('hex'), '0000002a' + '0000' + n + apiTableHex(true) + '00000000' + featuresHex());
  });

  it('an unsupported ApiVersions version gets a v0-format error 35 with the full list, and the connection stays usable', async () => {
    const c = await client();
    c.send(frame(18, 9, 5, (w) => w.compactString('x').compactString('y').emptyTaggedFields(), { headerV2: true }));
    c.send(frame(18, 0, 6, () => {}));
    const [first, second] = await c.waitFrames(2);
    const r = new Reader(first);
    assert.strictEqual(r.int32(), 5);
    assert.strictEqual(r.int16(), 35);
    assert.strictEqual(r.int32(), EXPECTED_APIS.length);
    assert.strictEqual(second.readInt32BE(0), 6);
  });

  it('frames split into single bytes and many frames in one chunk are all answered in order', async () => {
    const c = await client();
    const bytes = Buffer.concat([frame(18, 0, 1, () => {}), frame(18, 1, 2, () => {})]);
    for (const b of bytes) {
      c.send(Buffer.from([b]));
    }
    await c.waitFrames(2);
    c.send(Buffer.concat([3, 4, 5, 6, 7].map((id) => frame(18, 2, id, () => {}))));
    const frames = await c.waitFrames(7);
    assert.deepStrictEqual(
      frames.map((fr) => fr.readInt32BE(0)),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  it('a frame above the size limit is refused from its size prefix alone and only that connection closes', async () => {
    const bad = await client();
    const good = await client();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(64 * 1024 + 1);
    bad.send(prefix); // no body follows: the refusal cannot depend on buffering it
    await bad.waitClosed();
    assert.ok(
      logs.some((l) => /exceeds the 65536-byte limit/.test(l)),
      logs.join('\n'),
    );
    good.send(frame(18, 0, 9, () => {}));
    const [resp] = await good.waitFrames(1);
    assert.strictEqual(resp.readInt32BE(0), 9);
  });

  it('a truncated request closes its connection with one line naming client, API and version; others keep working', async () => {
    const bad = await client();
    const good = await client();
    // Metadata v1 claiming 3 topics but carrying one
    bad.send(frame(3, 1, 11, (w) => w.int32(3).string('only-one'), { clientId: 'broken-app' }));
    await bad.waitClosed();
    const lines = logs.filter((l) => l.includes('broken-app'));
    assert.strictEqual(lines.filter((l) => l.includes('closing')).length, 1, logs.join('\n'));
    assert.match(
      lines.find((l) => l.includes('closing'))!,
      /malformed Metadata v1 request \(correlation id 11\): truncated request/,
    );
    good.send(frame(18, 0, 12, () => {}));
    assert.strictEqual((await good.waitFrames(1))[0].readInt32BE(0), 12);
    assert.strictEqual(broker.topics.size, 0, 'nothing was created from the broken request');
  });

  it('an unknown API key or an unsupported version of another API closes the connection with a log line', async () => {
    const a = await client();
    a.send(frame(999, 0, 1, () => {}));
    await a.waitClosed();
    assert.ok(logs.some((l) => /unknown API key 999/.test(l)));
    const b = await client();
    b.send(frame(1, 99, 2, () => {}));
    await b.waitClosed();
    assert.ok(logs.some((l) => /Fetch version 99 is not supported \(supported: 4-18\)/.test(l)));
  });

  it('garbage bytes (an HTTP request) close the connection without touching the broker', async () => {
    const c = await client();
    c.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await c.waitClosed();
    assert.strictEqual(broker.appends.length, 0);
  });

  it('a parked JoinGroup holds back the responses of later requests on the same connection', async () => {
    const c = await client();
    const other = await client();
    const join = (correlationId: number, group: string) =>
      frame(11, 2, correlationId, (w) => {
        w.string(group)
          .int32(6000)
          .int32(3000)
          .string('')
          .string('consumer')
          .int32(1)
          .string('range')
          .bytes(Buffer.from([0, 1]));
      });
    const joined = (generationId: number, memberId: string): JoinGroupResult => ({
      errorCode: 0,
      generationId,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: memberId,
      memberId,
      members: [],
    });
    // A JoinGroup that parks, an ApiVersions the server can answer at once, and a second JoinGroup behind them.
    c.send(join(100, 'g1'));
    c.send(frame(18, 0, 101, () => {}));
    c.send(join(102, 'g2'));
    other.send(frame(18, 0, 200, () => {}));
    await other.waitFrames(1); // other connections are not held back
    // Both joins reached the broker, so the server has handled all three requests (it handles them in order).
    await broker.whenJoinsParked(2);
    assert.strictEqual(broker.pendingJoins[0].req.rebalanceTimeoutMs, 3000);
    assert.strictEqual(broker.pendingJoins[0].req.requireKnownMemberId, false);
    // The later join is answered first: its response still has to wait behind the first one's.
    broker.pendingJoins[1].resolve(joined(2, 'm2'));
    broker.pendingJoins[0].resolve(joined(1, 'm1'));
    // Held responses leave in request order; an answer sent early would have arrived before the first join's,
    // which can exist only after its resolve above.
    const frames = await c.waitFrames(3);
    assert.deepStrictEqual(
      frames.map((fr) => fr.readInt32BE(0)),
      [100, 101, 102],
    );
    const r = new Reader(frames[0], 4);
    r.int32(); // throttle (v2)
    assert.strictEqual(r.int16(), 0);
    assert.strictEqual(r.int32(), 1);
    assert.strictEqual(r.string(), 'range');
  });

  it('JoinGroup v0 uses the session timeout as the rebalance timeout; v4 requires a known member id', async () => {
    const c = await client();
    c.send(frame(11, 0, 1, (w) => w.string('g').int32(7000).string('').string('consumer').int32(0)));
    c.send(frame(11, 4, 2, (w) => w.string('g').int32(7000).int32(9000).string('').string('consumer').int32(0)));
    await broker.whenJoinsParked(2);
    assert.strictEqual(broker.pendingJoins[0].req.rebalanceTimeoutMs, 7000);
    assert.strictEqual(broker.pendingJoins[1].req.requireKnownMemberId, true);
    assert.strictEqual(broker.pendingJoins[1].req.rebalanceTimeoutMs, 9000);
  });

  it('acks=0 produce appends and sends nothing back; the next request is answered first', async () => {
    const c = await client();
    const records = framedBatch(1);
    c.send(
      frame(0, 7, 50, (w) => {
        w.nullableString(null).int16(0).int32(1000).int32(1).string('t').int32(1).int32(0).bytes(records);
      }),
    );
    c.send(frame(18, 0, 51, () => {}));
    c.send(frame(18, 0, 52, () => {}));
    // Responses leave in request order: an answer to the produce would have come before the one to 51.
    const frames = await c.waitFrames(2);
    assert.deepStrictEqual(
      frames.map((fr) => fr.readInt32BE(0)),
      [51, 52],
      'no response for acks=0',
    );
    assert.strictEqual(broker.appends.length, 1);
    assert.deepStrictEqual(broker.appends[0].bytes, records);
  });

  it('acks=-1 produce waits for a flush and answers with the base offset per partition', async () => {
    const c = await client();
    c.send(
      frame(0, 7, 60, (w) =>
        w.nullableString(null).int16(-1).int32(1000).int32(1).string('t').int32(1).int32(0).bytes(framedBatch(2)),
      ),
    );
    const [resp] = await c.waitFrames(1);
    assert.strictEqual(broker.flushes, 1);
    const r = new Reader(resp, 4);
    assert.strictEqual(r.int32(), 1);
    assert.strictEqual(r.string(), 't');
    assert.strictEqual(r.int32(), 1);
    assert.strictEqual(r.int32(), 0); // partition
    assert.strictEqual(r.int16(), 0); // error
    assert.strictEqual(r.int64(), 0); // base offset
  });

  it('acks=2 is refused per partition with INVALID_REQUIRED_ACKS and nothing is appended', async () => {
    const c = await client();
    c.send(
      frame(0, 3, 61, (w) =>
        w.nullableString(null).int16(2).int32(1000).int32(1).string('t').int32(1).int32(0).bytes(Buffer.alloc(70)),
      ),
    );
    const [resp] = await c.waitFrames(1);
    const r = new Reader(resp, 4);
    r.int32();
    r.string();
    r.int32();
    r.int32();
    assert.strictEqual(r.int16(), 21);
    assert.strictEqual(broker.appends.length, 0);
  });

  it('connection and disconnect events carry the connection id; connectionCount follows them', async () => {
    const seen: string[] = [];
    server.on('connection', (e) => seen.push(`open ${e.id}`));
    server.on('disconnect', (e) => seen.push(`close ${e.id} ${e.clientId}`));
    const c = await client();
    c.send(frame(18, 0, 1, () => {}, { clientId: 'evt' }));
    await c.waitFrames(1);
    assert.strictEqual(server.connectionCount(), 1);
    c.end();
    for (let i = 0; i < 50 && server.connectionCount() > 0; i++) await sleep(10);
    assert.strictEqual(server.connectionCount(), 0);
    assert.deepStrictEqual(
      seen.map((s) => s.replace(/\d+/, 'N')),
      ['open N', 'close N evt'],
    );
  });
});

const MiB = 1024 * 1024;

/** Polls `probe` every 5 ms until it holds (the state that proves the point), or fails naming `what`. */
async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

const rss = () => process.memoryUsage().rss;

/** Writes `data` in 64 KiB views, each after the previous one drained (the client holds no copy of its own). */
function writePaced(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    let pos = 0;
    const next = () => {
      while (pos < data.length) {
        const piece = data.subarray(pos, pos + 64 * 1024);
        pos += piece.length;
        if (!socket.write(piece)) {
          socket.once('drain', next);
          return;
        }
      }
      resolve();
    };
    next();
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** Fetch v4 of one partition from `offset`: replica -1, maxWait, minBytes 1, maxBytes, isolation 0. */
function fetchFrame(correlationId: number, topic: string, offset: number, maxWaitMs: number, maxBytes: number): Buffer {
  return frame(1, 4, correlationId, (w) => {
    w.int32(-1).int32(maxWaitMs).int32(1).int32(maxBytes).int8(0);
    w.int32(1).string(topic).int32(1).int32(0).int64(offset).int32(maxBytes);
  });
}

describe('request memory under abuse (socket.request.max.bytes, queued.max.request.bytes)', function () {
  this.timeout(30_000);
  let server: KafkaServer;
  let logs: string[];
  const sockets: net.Socket[] = [];

  async function start(opts: Partial<KafkaServerOptions>): Promise<void> {
    logs = [];
    server = await startKafkaServer({
      broker: new FakeBroker().asBroker(),
      port: 0,
      logger: (l, m) => logs.push(`${l} ${m}`),
      ...opts,
    });
  }

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server.close();
  });

  it('a request above maxRequestBytes is refused from its size prefix, with a line naming the size and the limit', async () => {
    await start({ maxRequestBytes: 1 * MiB });
    const s = await connect(server.port);
    sockets.push(s);
    const closed = new Promise((resolve) => s.on('close', resolve));
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(5 * MiB);
    s.write(prefix);
    await closed;
    assert.ok(
      logs.some((l) => l.includes(`request of ${5 * MiB} bytes exceeds the ${MiB}-byte limit`)),
      logs.join('\n'),
    );
    assert.strictEqual(server.pressure().heldRequestBytes, 0, 'nothing was taken for the refused request');
  });

  it('ten connections each sending most of a large request hold at most the cap; the rest are not read until memory is released', async () => {
    const announced = 16 * MiB;
    const cap = 24 * MiB;
    await start({ maxRequestBytes: announced, queuedMaxRequestBytes: cap });
    // each client announces 16 MiB and sends 15 MiB of it (the request never completes)
    const head = Buffer.alloc(4);
    head.writeInt32BE(announced);
    const body = Buffer.alloc(15 * MiB, 1); // api key 0x0101: not a produce, so not pooled
    const before = rss();
    const done: boolean[] = [];
    for (let i = 0; i < 10; i++) {
      const s = await connect(server.port);
      sockets.push(s);
      s.on('error', () => {});
      done.push(false);
      s.write(head);
      void writePaced(s, body).then(() => (done[i] = true));
    }
    const finished = () => done.filter(Boolean).length;
    await until('9 connections wait for memory (or every request was read in full)', () => {
      return finished() === 10 || server.pressure().waitingForMemory === 9;
    });
    const grown = rss() - before;
    assert.ok(grown < cap + 48 * MiB, `RSS grew by ${(grown / MiB).toFixed(0)} MiB for a ${cap / MiB} MiB cap`);
    const p = server.pressure();
    assert.ok(p.heldRequestBytes <= cap, `${p.heldRequestBytes} bytes held`);
    assert.strictEqual(p.heldRequestBytes, announced, 'one request is being read');
    assert.strictEqual(p.waitingForMemory, 9);
    // the connection that is read sends all of its 15 MiB; the others are paused
    await until('the connection holding memory has sent all it has', () => finished() === 1);
    // closing it releases its buffer at once and the next connection in line is read
    sockets[done.indexOf(true)].destroy();
    await until('the next connection holds the memory', () => server.pressure().waitingForMemory === 8);
    assert.strictEqual(server.pressure().heldRequestBytes, announced);
    await until('a second connection has sent all it has', () => finished() === 2);
    for (const s of sockets) s.destroy();
    await until('every connection is gone', () => server.connectionCount() === 0);
    assert.deepStrictEqual(server.pressure(), {
      heldRequestBytes: 0,
      waitingForMemory: 0,
      waitingForDrain: 0,
      queuedResponseBytes: 0,
    });
  });

  it('requests keep flowing on other connections while one waits for memory, and in order on the waiting one', async () => {
    await start({ maxRequestBytes: 8 * MiB, queuedMaxRequestBytes: 8 * MiB });
    const hog = await connect(server.port);
    sockets.push(hog);
    hog.on('error', () => {});
    const head = Buffer.alloc(4);
    head.writeInt32BE(8 * MiB);
    hog.write(head); // holds the whole cap and sends nothing more
    await until('the hog holds the cap', () => server.pressure().heldRequestBytes === 8 * MiB);
    const waiting = await RawClient.connect(server.port);
    waiting.send(Buffer.concat([frame(18, 0, 1, () => {}), frame(18, 0, 2, () => {})]));
    await until('the small client waits for memory', () => server.pressure().waitingForMemory === 1);
    assert.strictEqual(waiting.frames.length, 0);
    hog.destroy();
    const frames = await waiting.waitFrames(2);
    assert.deepStrictEqual(
      frames.map((f) => f.readInt32BE(0)),
      [1, 2],
    );
    waiting.end();
  });
});

describe('responses to a client that does not read them (write backpressure)', function () {
  this.timeout(30_000);
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-backpressure-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('big', 1);
    // 2 MiB of incompressible records in four batches
    for (let i = 0; i < 4; i++) await broker.produce('big', [{ value: randomBytes(512 * 1024) }]);
    server = await startKafkaServer({ broker, port: 0, logger: () => undefined, maxQueuedResponseBytes: 1 * MiB });
  });
  afterEach(async () => {
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops serving a connection whose responses pile up unsent, and answers everything in order once it reads', async () => {
    const s = await connect(server.port);
    s.pause(); // never reads
    const requests = 40; // 40 x 2 MiB of responses: far more than the kernel's socket buffers
    const before = rss();
    s.write(Buffer.concat(Array.from({ length: requests }, (_, i) => fetchFrame(i + 1, 'big', 0, 0, 4 * MiB))));
    await until('the server waits for the client to drain (or RSS grew by 60 MiB)', () => {
      return server.pressure().waitingForDrain === 1 || rss() - before > 60 * MiB;
    });
    const grown = rss() - before;
    assert.ok(grown < 60 * MiB, `RSS grew by ${(grown / MiB).toFixed(0)} MiB`);
    const queued = server.pressure().queuedResponseBytes;
    assert.ok(queued <= 1 * MiB + 2.2 * MiB, `${(queued / MiB).toFixed(1)} MiB of responses queued in the server`);
    // the client reads now: every response arrives, whole and in request order
    const ids: number[] = [];
    let buf: Buffer = Buffer.alloc(0);
    let sizes = 0;
    await new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 8 && buf.length >= 4 + buf.readInt32BE(0)) {
          const n = buf.readInt32BE(0);
          ids.push(buf.readInt32BE(4));
          sizes += n;
          buf = buf.subarray(4 + n);
        }
        if (ids.length === requests) resolve();
      });
      s.resume();
    });
    s.destroy();
    assert.deepStrictEqual(
      ids,
      Array.from({ length: requests }, (_, i) => i + 1),
    );
    assert.ok(sizes > requests * 2 * MiB, 'each response carries the 2 MiB');
  });
});

describe('recycled read slabs in Fetch responses', function () {
  this.timeout(30_000);
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-slabs-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    for (const t of ['a', 'b']) {
      await broker.createTopic(t, 1);
      await broker.produce(t, [{ value: randomBytes(600 * 1024) }]);
    }
    server = await startKafkaServer({ broker, port: 0, logger: () => undefined });
  });
  afterEach(async () => {
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('responses queued behind a client that does not read keep their own bytes while later fetches reuse slabs', async () => {
    const expected = new Map(['a', 'b'].map((t) => [t, Buffer.from(broker.fetch(t, 0, 0, MiB).records)]));
    const s = await connect(server.port);
    s.pause(); // the responses pile up in the server and the kernel, unsent, while the next fetches read
    const topics = Array.from({ length: 12 }, (_, i) => (i % 2 ? 'b' : 'a'));
    s.write(Buffer.concat(topics.map((t, i) => fetchFrame(i + 1, t, 0, 0, MiB))));
    await sleep(200);
    const frames: Buffer[] = [];
    let buf: Buffer = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
          frames.push(buf.subarray(4, 4 + buf.readInt32BE(0)));
          buf = buf.subarray(4 + buf.readInt32BE(0));
        }
        if (frames.length === topics.length) resolve();
      });
      s.resume();
    });
    s.destroy();
    frames.forEach((fr, i) => {
      const want = expected.get(topics[i])!;
      assert.strictEqual(fr.readInt32BE(0), i + 1, 'responses arrive in request order');
      // a Fetch v4 response of one partition ends with its record set
      assert.ok(fr.subarray(fr.length - want.length).equals(want), `response ${i + 1} carries ${topics[i]}'s records`);
    });
  });
});

describe('idle connections (connections.max.idle.ms)', function () {
  this.timeout(30_000);
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;
  let logs: string[];

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-idle-'));
    logs = [];
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('quiet', 1);
    server = await startKafkaServer({
      broker,
      port: 0,
      logger: (l, m) => logs.push(`${l} ${m}`),
      connectionsMaxIdleMs: 200,
    });
  });
  afterEach(async () => {
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a connection without traffic is closed after connectionsMaxIdleMs, with a log line', async () => {
    const c = await RawClient.connect(server.port);
    c.send(frame(18, 0, 1, () => {}, { clientId: 'sleepy' }));
    await c.waitFrames(1);
    await c.waitClosed(5000);
    assert.ok(
      logs.some((l) => /"sleepy".*idle for 200 ms \(connections\.max\.idle\.ms\); closing/.test(l)),
      logs.join('\n'),
    );
    await until('the server forgot it', () => server.connectionCount() === 0);
  });

  it('a connection with a parked long-poll fetch is not idle: the fetch is answered, then the quiet connection closes', async () => {
    const c = await RawClient.connect(server.port);
    let closedAt = 0;
    c.socket.on('close', () => (closedAt = Date.now()));
    c.send(fetchFrame(7, 'quiet', 0, 900, MiB)); // nothing to read: parks for 900 ms
    const [resp] = await c.waitFrames(1, 5000);
    const answeredAt = Date.now();
    assert.strictEqual(resp.readInt32BE(0), 7);
    assert.strictEqual(closedAt, 0, 'closed while its fetch was parked');
    await c.waitClosed(5000);
    assert.ok(closedAt >= answeredAt);
  });
});

describe('parked long-poll fetches', function () {
  this.timeout(30_000);
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-parked-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    await broker.createTopic('waited', 1);
    await broker.createTopic('busy', 1);
    server = await startKafkaServer({ broker, port: 0, logger: () => undefined });
  });
  afterEach(async () => {
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('2,000 parked fetches cost one append subscription and one timer, and appends elsewhere wake none of them', async () => {
    const parked = 2000;
    let subscriptions = 0;
    const on = broker.on.bind(broker);
    broker.on = ((event: Parameters<Broker['on']>[0], listener: Parameters<Broker['on']>[1]) => {
      if (event === 'append') subscriptions++;
      return on(event, listener);
    }) as Broker['on'];
    // every fetch reads the partition's state once before it parks: count those reads
    let reads = 0;
    const partitionInfo = broker.partitionInfo.bind(broker);
    broker.partitionInfo = (topic: string, partition: number) => {
      if (topic === 'waited') reads++;
      return partitionInfo(topic, partition);
    };
    const timersBefore = timers();
    const c = await RawClient.connect(server.port);
    c.send(Buffer.concat(Array.from({ length: parked }, (_, i) => fetchFrame(i + 1, 'waited', 0, 20_000, MiB))));
    await until('all fetches were read and parked', () => reads >= parked);
    await sleep(0);
    assert.strictEqual(reads, parked, 'parked fetches are not re-read while nothing arrives');
    assert.ok(subscriptions <= 1, `${subscriptions} append subscriptions for ${parked} parked fetches`);
    // (a few timers belong to the server and the engine; one per parked fetch would be thousands)
    const added = timers() - timersBefore;
    assert.ok(added < 10, `${added} timers for ${parked} parked fetches`);
    // appends to another partition answer none of them
    for (let i = 0; i < 20; i++) await broker.produce('busy', [{ value: `b${i}` }]);
    await sleep(20);
    assert.strictEqual(c.frames.length, 0);
    // one append to their partition answers all of them, in request order
    await broker.produce('waited', [{ value: 'at last' }]);
    const frames = await c.waitFrames(parked, 10_000);
    assert.deepStrictEqual(
      frames.map((f) => f.readInt32BE(0)),
      Array.from({ length: parked }, (_, i) => i + 1),
    );
    c.end();
  });

  it('fetches with different MaxWaitMs are each answered at their own deadline, the shorter first', async () => {
    const a = await RawClient.connect(server.port);
    const b = await RawClient.connect(server.port);
    const t0 = Date.now();
    a.send(fetchFrame(1, 'waited', 0, 600, MiB));
    b.send(fetchFrame(2, 'waited', 0, 150, MiB));
    await b.waitFrames(1);
    const bAt = Date.now() - t0;
    assert.strictEqual(a.frames.length, 0, 'the 600 ms fetch is still parked when the 150 ms one is answered');
    await a.waitFrames(1);
    const aAt = Date.now() - t0;
    assert.ok(bAt >= 140 && aAt >= 590, `answered after ${bAt} ms and ${aAt} ms`);
    a.end();
    b.end();
  });
});
