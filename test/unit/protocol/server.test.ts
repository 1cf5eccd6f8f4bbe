import * as assert from 'assert';
import type { KafkaServer } from '../../../src/protocol/server';
import { startKafkaServer } from '../../../src/protocol/server';
import { Reader } from '../../../src/protocol/codec/reader';
import type { JoinGroupResult } from '../../../src/broker/types';
import { FakeBroker, frame, RawClient, sleep } from './helpers';

/** The API table the server must advertise: the contract with kafkajs and librdkafka. */
const EXPECTED_APIS: [number, number, number][] = [
  [0, 0, 8],
  [1, 4, 11],
  [2, 0, 10],
  [3, 0, 8],
  [8, 0, 9],
  [9, 1, 9],
  [10, 0, 6],
  [11, 0, 9],
  [12, 0, 4],
  [13, 0, 5],
  [14, 0, 5],
  [15, 0, 6],
  [16, 0, 5],
  [18, 0, 3],
  [19, 0, 4],
  [20, 0, 3],
  [21, 0, 1],
  [22, 0, 1],
  [32, 0, 4],
  [33, 0, 2],
  [37, 0, 1],
  [42, 0, 2],
  [44, 0, 1],
  [47, 0, 0],
];

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
    assert.strictEqual(resp.toString('hex'), '0000002a' + '0000' + n + apiTableHex(true) + '00000000' + '00');
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
    assert.ok(logs.some((l) => /Fetch version 99 is not supported \(supported: 4-11\)/.test(l)));
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
    const records = Buffer.alloc(70, 1);
    records[16] = 2; // magic 2: a record batch v2 as far as the server looks
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
        w.nullableString(null).int16(-1).int32(1000).int32(1).string('t').int32(1).int32(0).bytes(Buffer.alloc(70, 2)),
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
