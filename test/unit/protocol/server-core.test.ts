/**
 * The protocol server's core as a client and an operator see it: what an API handler is given (the client id and
 * host), the response header of flexible versions, handlers and responses that fail (one log line, only that
 * connection closed), request memory shared by all connections (queued.max.request.bytes: exact fits, a lone
 * request above the cap, first come first served, a waiting connection that goes away), the write bound
 * (maxQueuedResponseBytes), and listening (ports, the advertised host, listener errors, connection ids, close).
 * Every test drives a real server on 127.0.0.1 (or the address under test) through raw TCP frames.
 */
import * as assert from 'assert';
import * as net from 'net';
import type { GroupListing } from '../../../src/broker/types';
import type { KafkaServer, KafkaServerOptions } from '../../../src/protocol/server';
import { startKafkaServer } from '../../../src/protocol/server';
import { FakeBroker, frame, joinGroupFrame, RawClient, until } from './helpers';
import { apiVersionsSized, connectTo, decodeResponse, joined, request } from './server-core-helpers';

describe('server core: dispatch, response headers and failing handlers', () => {
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
    server = await startKafkaServer({ broker: broker.asBroker(), port: 0, logger: (l, m) => logs.push(`${l} ${m}`) });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.end();
    await server.close();
  });

  it('the client id of the request header and the client host reach the API handler', async () => {
    const c = await client();
    c.send(joinGroupFrame(7, 'g-client-id', { clientId: 'my-consumer' }));
    await broker.whenJoinsParked(1);
    assert.strictEqual(broker.pendingJoins[0].req.clientId, 'my-consumer');
    assert.strictEqual(broker.pendingJoins[0].req.clientHost, '/127.0.0.1');
    broker.pendingJoins[0].resolve(joined('m1'));
    assert.strictEqual((await c.waitFrames(1))[0].readInt32BE(0), 7);
  });

  it('a flexible response has header v1: a tagged-fields byte follows the correlation id, then the body', async () => {
    const c = await client();
    c.send(
      request(3, 9, 41, {
        topics: [],
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: false,
        includeTopicAuthorizedOperations: false,
      }),
    );
    const [body] = await c.waitFrames(1);
    assert.strictEqual(body[4], 0, 'no tagged fields in the response header');
    const { correlationId, msg } = decodeResponse(body, 3, 9);
    assert.strictEqual(correlationId, 41);
    assert.deepStrictEqual(msg.brokers, [{ nodeId: 1, host: '127.0.0.1', port: server.port, rack: null }]);
    assert.deepStrictEqual(msg.topics, []);
  });

  it('a handler that rejects with a value that is not an Error logs that value and closes only its connection', async () => {
    Object.assign(broker, {
      listTopics: () => {
        throw undefined;
      },
    });
    const bad = await client();
    const good = await client();
    bad.send(frame(3, 1, 60, (w) => w.int32(-1)));
    await bad.waitClosed(1000);
    assert.ok(
      logs.some((l) => l.startsWith('error ') && l.endsWith(': Metadata v1 failed: undefined')),
      logs.join('\n'),
    );
    assert.ok(
      logs.some(
        (l) => l.startsWith('warn ') && l.endsWith('Metadata v1 could not be answered; closing the connection'),
      ),
      logs.join('\n'),
    );
    good.send(frame(18, 0, 61, () => {}));
    assert.strictEqual((await good.waitFrames(1))[0].readInt32BE(0), 61);
  });

  it('a handler that throws synchronously logs the error and closes only its connection', async () => {
    Object.assign(broker, {
      // a value without a prototype cannot even be turned into a string: Heartbeat's own error path throws
      heartbeat: () => {
        throw Object.create(null);
      },
    });
    const bad = await client();
    const good = await client();
    bad.send(frame(12, 0, 70, (w) => w.string('g').int32(1).string('m')));
    await bad.waitClosed(1000);
    assert.ok(
      logs.some((l) =>
        /^error client "test-client" .*: Heartbeat v0 failed: TypeError: Cannot convert object to primitive value/.test(
          l,
        ),
      ),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => l.endsWith('Heartbeat v0 could not be answered; closing the connection')));
    good.send(frame(18, 0, 71, () => {}));
    assert.strictEqual((await good.waitFrames(1))[0].readInt32BE(0), 71);
    assert.strictEqual(server.pressure().heldRequestBytes, 0, 'the failed request gave back its memory');
  });

  it('a response that cannot be encoded logs the encoding error and closes only its connection', async () => {
    const groups: GroupListing[] = [{ groupId: 'g'.repeat(40_000), protocolType: 'consumer', state: 'Stable' }];
    Object.assign(broker, { listGroups: () => groups });
    const bad = await client();
    const good = await client();
    bad.send(frame(16, 0, 80, () => {}));
    await bad.waitClosed(1000);
    assert.ok(
      logs.some((l) =>
        l.includes(': ListGroups v0 failed: RangeError: string of 40000 bytes exceeds the int16 length limit'),
      ),
      logs.join('\n'),
    );
    assert.ok(logs.some((l) => l.endsWith('ListGroups v0 could not be answered; closing the connection')));
    assert.strictEqual(bad.frames.length, 0);
    good.send(frame(18, 0, 81, () => {}));
    assert.strictEqual((await good.waitFrames(1))[0].readInt32BE(0), 81);
  });
});

describe('request memory shared by all connections (queued.max.request.bytes)', () => {
  let broker: FakeBroker;
  let server: KafkaServer;
  const clients: RawClient[] = [];
  /** The size of every joinGroupFrame below (same group name length and client id). */
  const J = joinGroupFrame(1, 'g1').length - 4;

  async function start(queuedMaxRequestBytes: number): Promise<void> {
    broker = new FakeBroker();
    server = await startKafkaServer({ broker: broker.asBroker(), port: 0, queuedMaxRequestBytes });
  }

  async function client(): Promise<RawClient> {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  }

  /** A JoinGroup the broker parks: it holds J bytes of request memory until resolved. */
  async function parkJoin(group: string): Promise<RawClient> {
    const c = await client();
    const parked = broker.pendingJoins.length + 1;
    c.send(joinGroupFrame(1, group));
    await broker.whenJoinsParked(parked);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.end();
    await server.close();
  });

  it('a request larger than the whole cap is still answered when nothing else is held', async () => {
    await start(16);
    const c = await client();
    c.send(apiVersionsSized(40, 1));
    assert.strictEqual((await c.waitFrames(1, 1000))[0].readInt32BE(0), 1);
    assert.strictEqual(server.pressure().heldRequestBytes, 0);
  });

  it('a request that exactly fills what is left of the cap is read at once', async () => {
    await start(J + 40);
    await parkJoin('g1');
    assert.strictEqual(server.pressure().heldRequestBytes, J);
    const c = await client();
    c.send(apiVersionsSized(40, 2));
    assert.strictEqual((await c.waitFrames(1, 1000))[0].readInt32BE(0), 2);
    assert.deepStrictEqual(server.pressure().heldRequestBytes, J, 'only the parked join is held');
  });

  it('memory given back while another request still holds some goes to a waiting request that then fits exactly', async () => {
    const A = J + 8;
    await start(J + A);
    await parkJoin('g1');
    const second = await parkJoin('g2'); // 2 J fit under J + A
    const waiting = await client();
    waiting.send(apiVersionsSized(A, 3)); // 2 J + A do not
    await until('the request waits for memory', () => server.pressure().waitingForMemory === 1);
    assert.strictEqual(waiting.frames.length, 0);
    broker.pendingJoins[1].resolve(joined('m2'));
    await second.waitFrames(1);
    // J held by the first join, plus A: exactly the cap
    assert.strictEqual((await waiting.waitFrames(1, 1000))[0].readInt32BE(0), 3);
    assert.strictEqual(server.pressure().waitingForMemory, 0);
    assert.strictEqual(server.pressure().heldRequestBytes, J, 'the first join still holds its memory');
  });

  it('a waiting request larger than the cap is read once everything held is given back', async () => {
    await start(J);
    await parkJoin('g1');
    const waiting = await client();
    waiting.send(apiVersionsSized(J + 20, 4));
    await until('the request waits for memory', () => server.pressure().waitingForMemory === 1);
    broker.pendingJoins[0].resolve(joined('m1'));
    assert.strictEqual((await waiting.waitFrames(1, 1000))[0].readInt32BE(0), 4);
    assert.deepStrictEqual(server.pressure(), {
      heldRequestBytes: 0,
      waitingForMemory: 0,
      waitingForDrain: 0,
      queuedResponseBytes: 0,
    });
  });

  it('a small request waits behind an earlier one that does not fit; when that one goes away the small one is read', async () => {
    await start(J + 40);
    await parkJoin('g1');
    const big = await client();
    big.send(apiVersionsSized(41, 5)); // J + 41 does not fit
    await until('the large request waits', () => server.pressure().waitingForMemory === 1);
    const small = await client();
    small.send(apiVersionsSized(20, 6)); // J + 20 would fit, but it came second
    await until(
      'the small request waits too (or is answered)',
      () => server.pressure().waitingForMemory === 2 || small.frames.length > 0,
    );
    assert.strictEqual(small.frames.length, 0, 'first come, first served');
    big.end();
    // the join still holds its memory: the small request is read because the large one left the line
    assert.strictEqual((await small.waitFrames(1, 1000))[0].readInt32BE(0), 6);
    assert.strictEqual(server.pressure().waitingForMemory, 0);
    assert.strictEqual(server.pressure().heldRequestBytes, J);
  });
  it('a connection granted memory goes on with the requests it already sent before the next connection in line is served', async () => {
    await start(J);
    await parkJoin('g1');
    const first = await client();
    first.send(Buffer.concat([apiVersionsSized(40, 7), apiVersionsSized(40, 8)])); // J + 40 does not fit
    await until('the first connection waits', () => server.pressure().waitingForMemory === 1);
    const second = await client();
    second.send(joinGroupFrame(9, 'g'.repeat(50))); // a JoinGroup above the whole cap, behind it
    await until('the second connection waits', () => server.pressure().waitingForMemory === 2);
    broker.pendingJoins[0].resolve(joined('m1'));
    // the second connection's join is read (and parks) only once nothing else is held
    await broker.whenJoinsParked(2);
    assert.deepStrictEqual(
      (await first.waitFrames(2, 1000)).map((f) => f.readInt32BE(0)),
      [7, 8],
    );
    assert.strictEqual(server.pressure().heldRequestBytes, joinGroupFrame(9, 'g'.repeat(50)).length - 4);
  });
});

describe('the write bound (maxQueuedResponseBytes) as the server serves it', function () {
  this.timeout(10_000);
  let broker: FakeBroker;
  let server: KafkaServer;
  const sockets: net.Socket[] = [];

  async function start(opts: Partial<KafkaServerOptions>): Promise<void> {
    broker = new FakeBroker();
    server = await startKafkaServer({ broker: broker.asBroker(), port: 0, ...opts });
  }

  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await server.close();
  });

  it('with a bound of 0, responses the socket takes at once do not hold the connection back', async () => {
    await start({ maxQueuedResponseBytes: 0 });
    const c = await RawClient.connect(server.port);
    try {
      for (let i = 1; i <= 3; i++) {
        c.send(frame(18, 0, i, () => {}));
        await c.waitFrames(i, 1000);
        assert.strictEqual(server.pressure().waitingForDrain, 0);
      }
      assert.deepStrictEqual(
        c.frames.map((f) => f.readInt32BE(0)),
        [1, 2, 3],
      );
    } finally {
      c.end();
    }
  });

  it('requests of a client that does not read are not handled past the bound; once it reads, all are answered in order', async () => {
    await start({ maxQueuedResponseBytes: 64 * 1024 });
    // ListGroups is answered synchronously: about 220 KB per response
    const groups: GroupListing[] = Array.from({ length: 2000 }, (_, i) => ({
      groupId: `group-${String(i).padStart(100, '0')}`,
      protocolType: 'consumer',
      state: 'Stable',
    }));
    let handled = 0;
    Object.assign(broker, {
      listGroups: () => {
        handled++;
        return groups;
      },
    });
    const s = await connectTo(server.port, '127.0.0.1');
    sockets.push(s);
    s.pause(); // does not read
    const requests = 100; // 22 MB of responses: far more than the kernel's socket buffers
    s.write(Buffer.concat(Array.from({ length: requests }, (_, i) => frame(16, 0, i + 1, () => {}))));
    await until('the server waits for the client to drain', () => server.pressure().waitingForDrain === 1, 5000);
    await new Promise((r) => setImmediate(r));
    assert.ok(handled < requests, `${handled} of ${requests} requests handled while the client reads nothing`);
    const p = server.pressure();
    assert.ok(p.queuedResponseBytes > 64 * 1024, `${p.queuedResponseBytes} bytes of responses queued`);
    const ids: number[] = [];
    let buf: Buffer = Buffer.alloc(0);
    await new Promise<void>((resolve) => {
      s.on('data', (d: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, d]) : d;
        while (buf.length >= 8 && buf.length >= 4 + buf.readInt32BE(0)) {
          ids.push(buf.readInt32BE(4));
          buf = buf.subarray(4 + buf.readInt32BE(0));
        }
        if (ids.length === requests) resolve();
      });
      s.resume();
    });
    assert.deepStrictEqual(
      ids,
      Array.from({ length: requests }, (_, i) => i + 1),
    );
    assert.strictEqual(handled, requests);
    await until('no connection waits for a drain', () => server.pressure().waitingForDrain === 0, 1000);
  });
});

describe('the turn budget: requests that take long let the event loop run in between', () => {
  it('after a request that outlasts the turn budget (4 ms), a timer runs before the next request in the same read', async () => {
    const broker = new FakeBroker();
    const server = await startKafkaServer({ broker: broker.asBroker(), port: 0 });
    const events: string[] = [];
    Object.assign(broker, {
      listGroups: () => {
        if (events.length === 0) setTimeout(() => events.push('timer'), 0);
        events.push('handled');
        const until = performance.now() + 6;
        while (performance.now() < until); // a slow handler: 6 ms of work
        return [];
      },
    });
    const c = await RawClient.connect(server.port);
    try {
      // three requests in one write: they arrive in one read
      c.send(Buffer.concat([1, 2, 3].map((i) => frame(16, 0, i, () => {}))));
      const answers = await c.waitFrames(3, 1000);
      assert.deepStrictEqual(
        answers.map((f) => f.readInt32BE(0)),
        [1, 2, 3],
      );
      assert.deepStrictEqual(events.slice(0, 3), ['handled', 'timer', 'handled']);
    } finally {
      c.end();
      await server.close();
    }
  });

  it('a request that would take the turn past 1 MiB of requests waits for the next turn: callbacks queued meanwhile run first', async () => {
    const broker = new FakeBroker();
    const server = await startKafkaServer({ broker: broker.asBroker(), port: 0 });
    const events: string[] = [];
    Object.assign(broker, {
      listGroups: () => {
        if (events.length === 0) setImmediate(() => events.push('immediate'));
        events.push('handled');
        return [];
      },
    });
    const c = await RawClient.connect(server.port);
    try {
      // ListGroups v0 has an empty body: the padding after the header is never read
      const sized = (size: number, correlationId: number) => {
        const f = Buffer.alloc(4 + size);
        frame(16, 0, correlationId, () => {}).copy(f);
        f.writeInt32BE(size, 0);
        return f;
      };
      const small = 40;
      c.send(Buffer.concat([sized(1024 * 1024 + 1 - small, 1), sized(small, 2)]));
      const answers = await c.waitFrames(2, 2000);
      assert.deepStrictEqual(
        answers.map((f) => f.readInt32BE(0)),
        [1, 2],
      );
      assert.deepStrictEqual(events, ['handled', 'immediate', 'handled']);
    } finally {
      c.end();
      await server.close();
    }
  });
});

/** The advertised broker of a Metadata v1 answer read over a fresh connection to host:port. */
async function advertisedBroker(host: string, port: number): Promise<Record<string, unknown>> {
  const s = await connectTo(port, host);
  try {
    s.write(request(3, 1, 90, { topics: [] }));
    const body = await new Promise<Buffer>((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) resolve(buf.subarray(4, 4 + buf.readInt32BE(0)));
      });
      s.on('close', () => reject(new Error('closed before the Metadata answer')));
    });
    return (decodeResponse(body, 3, 1).msg.brokers as Record<string, unknown>[])[0];
  } finally {
    s.destroy();
  }
}

describe('listening: ports, the advertised host, listener errors, connection ids and close', () => {
  const servers: KafkaServer[] = [];
  let logs: string[];

  async function start(opts: Partial<KafkaServerOptions> = {}): Promise<KafkaServer> {
    const server = await startKafkaServer({
      broker: new FakeBroker().asBroker(),
      port: 0,
      logger: (l, m) => logs.push(`${l} ${m}`),
      ...opts,
    });
    servers.push(server);
    return server;
  }

  beforeEach(() => {
    logs = [];
  });

  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
  });

  it('a port already in use makes startKafkaServer reject with EADDRINUSE', async () => {
    const first = await start();
    await assert.rejects(start({ port: first.port }), (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE');
  });

  it('listens on the port it is given', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const server = await start({ port });
    assert.strictEqual(server.port, port);
    assert.strictEqual((await advertisedBroker('127.0.0.1', port)).port, port);
  });

  it('an error on the listening socket after it listens is logged and the server keeps serving', async () => {
    const server = await start();
    // no public way to make a bound socket fail (EMFILE on accept): emitted the way net.Server reports it
    (server as unknown as { netServer: net.Server }).netServer.emit('error', new Error('accept failed: EMFILE'));
    assert.deepStrictEqual(logs, ['error listener error: accept failed: EMFILE']);
    assert.strictEqual((await advertisedBroker('127.0.0.1', server.port)).nodeId, 1);
  });

  it('advertises the IPv4 address it listens on, and 127.0.0.1 for the wildcard or an IPv6 address', async () => {
    const cases: [listen: string, connect: string, advertised: string][] = [
      ['127.0.0.2', '127.0.0.2', '127.0.0.2'],
      ['0.0.0.0', '127.0.0.1', '127.0.0.1'],
      ['::1', '::1', '127.0.0.1'],
    ];
    for (const [listen, connect, advertised] of cases) {
      const server = await start({ host: listen });
      assert.strictEqual(server.host, listen);
      const b = await advertisedBroker(connect, server.port);
      assert.deepStrictEqual([listen, b.host, b.port], [listen, advertised, server.port]);
    }
  });

  it('numbers its connections from 1 in the order they arrive', async () => {
    const server = await start();
    const ids: number[] = [];
    server.on('connection', (e) => ids.push(e.id));
    const a = await RawClient.connect(server.port);
    await until('the first connection is seen', () => ids.length === 1);
    const b = await RawClient.connect(server.port);
    await until('the second connection is seen', () => ids.length === 2);
    a.end();
    b.end();
    assert.deepStrictEqual(ids, [1, 2]);
  });

  it('close() ends every open connection and stops listening', async () => {
    const server = await startKafkaServer({ broker: new FakeBroker().asBroker(), port: 0 });
    const c = await RawClient.connect(server.port);
    c.send(frame(18, 0, 1, () => {}));
    await c.waitFrames(1);
    await server.close();
    await c.waitClosed(1000).finally(() => c.end());
    assert.strictEqual(server.connectionCount(), 0);
    await assert.rejects(RawClient.connect(server.port), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
  });
});
