/**
 * kafkajs (a client no one here wrote) against the real broker over the wire: admin, produce with every acks
 * level, consume, consumer groups and rebalances, committed offsets, the idempotent producer with a forced
 * retry, offsets by timestamp, and data that survives a broker restart.
 */
import * as assert from 'assert';
import * as net from 'net';
import type { Consumer, Producer } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from './harness';
import { removeDir, startBroker, waitFor } from './harness';

const GROUP_TIMING = { sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 3000 };

describe('kafkajs against Kafka Lite', function () {
  this.timeout(60000);
  let k: Running;
  let kafka: Kafka;
  const toDisconnect: { disconnect(): Promise<void> }[] = [];

  before(async () => {
    k = await startBroker({ defaultPartitions: 1 });
    kafka = new Kafka({
      clientId: 'compat',
      brokers: [k.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 5, initialRetryTime: 100 },
    });
  });

  afterEach(async () => {
    for (const c of toDisconnect.splice(0)) await c.disconnect().catch(() => {});
  });

  after(async () => {
    await k.stop();
    removeDir(k.dir);
  });

  function consumer(groupId: string): Consumer {
    const c = kafka.consumer({ groupId, ...GROUP_TIMING, maxWaitTimeInMs: 200 });
    toDisconnect.push(c);
    return c;
  }

  function producer(opts: Parameters<Kafka['producer']>[0] = {}): Producer {
    const p = kafka.producer(opts);
    toDisconnect.push(p);
    return p;
  }

  it('admin creates, lists, grows and deletes topics', async () => {
    const admin = kafka.admin();
    toDisconnect.push(admin);
    await admin.connect();
    assert.strictEqual(
      await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 2 }, { topic: 'adm-b' }] }),
      true,
    );
    assert.strictEqual(
      await admin.createTopics({ topics: [{ topic: 'adm-a', numPartitions: 2 }] }),
      false,
      'already exists',
    );
    const names = await admin.listTopics();
    assert.ok(names.includes('adm-a') && names.includes('adm-b'));
    await admin.createPartitions({ topicPartitions: [{ topic: 'adm-a', count: 4 }] });
    const md = await admin.fetchTopicMetadata({ topics: ['adm-a'] });
    assert.strictEqual(md.topics[0].partitions.length, 4);
    assert.strictEqual(k.broker.getTopic('adm-a')?.partitions, 4);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'adm-a', count: 2 }] }), /partition/i);
    await admin.deleteTopics({ topics: ['adm-b'] });
    assert.ok(!(await admin.listTopics()).includes('adm-b'));
    assert.strictEqual(k.broker.getTopic('adm-b'), undefined);
    const configs = await admin.describeConfigs({ resources: [{ type: 2, name: 'adm-a' }], includeSynonyms: false });
    const entries = configs.resources[0].configEntries;
    assert.ok(entries.length > 3, 'every config is listed');
    assert.ok(entries.some((e) => e.configName === 'retention.ms' && e.isDefault));
    // alterConfigs replaces the topic's overrides (Kafka's non-incremental semantics).
    const alter = (configEntries: { name: string; value: string }[]) =>
      admin.alterConfigs({ validateOnly: false, resources: [{ type: 2, name: 'adm-a', configEntries }] });
    await alter([{ name: 'retention.ms', value: '3600000' }]);
    assert.deepStrictEqual(k.broker.getTopic('adm-a')?.configs, { 'retention.ms': '3600000' });
    await alter([{ name: 'cleanup.policy', value: 'compact' }]);
    assert.deepStrictEqual(
      k.broker.getTopic('adm-a')?.configs,
      { 'cleanup.policy': 'compact' },
      'retention.ms went back to its default',
    );
    await assert.rejects(
      alter([{ name: 'retention.ms', value: 'later' }]),
      (e: Error & { type?: string }) => e.type === 'INVALID_CONFIG',
    );
    assert.deepStrictEqual(
      k.broker.getTopic('adm-a')?.configs,
      { 'cleanup.policy': 'compact' },
      'a refused change changes nothing',
    );
  });

  it('produces keys and headers with acks 0, 1 and -1; the engine reads back exactly those records', async () => {
    const p = producer();
    await p.connect();
    for (const acks of [1, -1, 0]) {
      await p.send({
        topic: 'produce-acks',
        acks,
        messages: [
          { key: `k${acks}`, value: `v${acks}`, headers: { 'h-acks': String(acks) } },
          { key: null, value: `second${acks}` },
        ],
      });
    }
    const recs = await waitFor('6 records stored', () => {
      const r = k.broker.readRecords('produce-acks', 0, 0, 100);
      return r.length === 6 && r;
    });
    assert.deepStrictEqual(
      recs.map((r) => [r.key?.toString() ?? null, r.value?.toString()]),
      [
        ['k1', 'v1'],
        [null, 'second1'],
        ['k-1', 'v-1'],
        [null, 'second-1'],
        ['k0', 'v0'],
        [null, 'second0'],
      ],
    );
    assert.deepStrictEqual(
      recs[0].headers.map((h) => [h.key, h.value?.toString()]),
      [['h-acks', '1']],
    );
  });

  it('consumes a topic from the beginning with headers intact', async () => {
    const p = producer();
    await p.connect();
    const sent = Array.from({ length: 50 }, (_, i) => ({
      key: `key-${i}`,
      value: `value-${i}`,
      headers: { n: String(i) },
    }));
    await p.send({ topic: 'consume-all', messages: sent });
    const c = consumer('consume-all-g');
    await c.connect();
    await c.subscribe({ topic: 'consume-all', fromBeginning: true });
    const got: { key: string; value: string; n: string }[] = [];
    await c.run({
      eachMessage: async ({ message }) =>
        void got.push({
          key: message.key!.toString(),
          value: message.value!.toString(),
          n: message.headers!.n!.toString(),
        }),
    });
    await waitFor('50 messages consumed', () => got.length >= 50);
    assert.deepStrictEqual(
      got,
      sent.map((s) => ({ key: s.key, value: s.value, n: s.headers.n })),
    );
  });

  it('a group of 3 on 3 partitions gets one partition each, a 4th member idles, and a leaving member hands over', async () => {
    const admin = kafka.admin();
    toDisconnect.push(admin);
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'grp3', numPartitions: 3 }] });
    const groupId = 'grp3-g';
    const assignmentsWhenStable = (members: number) =>
      waitFor(
        `group stable with ${members} members`,
        () => {
          const d = k.broker.describeGroup(groupId);
          if (d.state !== 'Stable' || d.members.length !== members) return false;
          const counts = d.members.map((m) => m.assignedPartitions.reduce((s, a) => s + a.partitions.length, 0));
          if (counts.reduce((a, b) => a + b, 0) !== 3) return false;
          return d.members.map((m) => ({
            memberId: m.memberId,
            partitions: m.assignedPartitions.flatMap((a) => a.partitions),
          }));
        },
        30000,
      );
    // Which kafkajs consumer is which group member (kafkajs reports its member id on every join).
    const memberIdOf = new Map<Consumer, string>();
    const track = (c: Consumer) => c.on(c.events.GROUP_JOIN, (e) => void memberIdOf.set(c, e.payload.memberId));
    const members: Consumer[] = [];
    for (let i = 0; i < 3; i++) {
      const c = consumer(groupId);
      track(c);
      members.push(c);
      await c.connect();
      await c.subscribe({ topic: 'grp3', fromBeginning: true });
      await c.run({ eachMessage: async () => {} });
    }
    const three = await assignmentsWhenStable(3);
    assert.deepStrictEqual(
      three.map((m) => m.partitions.length),
      [1, 1, 1],
    );
    assert.deepStrictEqual(three.flatMap((m) => m.partitions).sort(), [0, 1, 2]);

    const fourth = consumer(groupId);
    track(fourth);
    members.push(fourth);
    await fourth.connect();
    await fourth.subscribe({ topic: 'grp3', fromBeginning: true });
    await fourth.run({ eachMessage: async () => {} });
    const four = await assignmentsWhenStable(4);
    assert.deepStrictEqual(four.map((m) => m.partitions.length).sort(), [0, 1, 1, 1]);
    const idle = four.find((m) => m.partitions.length === 0)!.memberId;

    // stop one member that owns a partition (whichever kafkajs consumer that is): its partition moves to the idle one
    const owners = four.filter((m) => m.partitions.length === 1).map((m) => m.memberId);
    await waitFor(
      'every consumer knows its member id',
      () => members.every((c) => four.some((m) => m.memberId === memberIdOf.get(c))),
      30000,
    );
    const victim = members.find((c) => owners.includes(memberIdOf.get(c)!))!;
    await victim.disconnect();
    const after = await assignmentsWhenStable(3);
    assert.deepStrictEqual(
      after.map((m) => m.partitions.length),
      [1, 1, 1],
    );
    assert.ok(
      after.some((m) => m.memberId === idle),
      'the idle member is still in the group',
    );
    assert.strictEqual(
      after.find((m) => m.memberId === idle)!.partitions.length,
      1,
      'the idle member took over a partition',
    );
  });

  it('committed offsets let a restarted consumer resume where the group left off', async () => {
    const p = producer();
    await p.connect();
    await p.send({ topic: 'resume', messages: Array.from({ length: 10 }, (_, i) => ({ value: `first-${i}` })) });
    const groupId = 'resume-g';
    const c1 = consumer(groupId);
    await c1.connect();
    await c1.subscribe({ topic: 'resume', fromBeginning: true });
    const seen1: string[] = [];
    await c1.run({ eachMessage: async ({ message }) => void seen1.push(message.value!.toString()) });
    await waitFor('10 consumed', () => seen1.length >= 10);
    await c1.disconnect(); // commits on the way out
    const committed = k.broker.fetchOffsets(groupId, [{ topic: 'resume', partitions: [0] }]);
    assert.strictEqual(committed[0].offset, 10);
    await p.send({ topic: 'resume', messages: Array.from({ length: 5 }, (_, i) => ({ value: `second-${i}` })) });
    const c2 = consumer(groupId);
    await c2.connect();
    await c2.subscribe({ topic: 'resume', fromBeginning: true });
    const seen2: string[] = [];
    await c2.run({ eachMessage: async ({ message }) => void seen2.push(message.value!.toString()) });
    await waitFor('5 new consumed', () => seen2.length >= 5);
    assert.deepStrictEqual(seen2, ['second-0', 'second-1', 'second-2', 'second-3', 'second-4']);
  });

  it('describes and lists groups', async () => {
    const groupId = 'describe-g';
    const c = consumer(groupId);
    await c.connect();
    await c.subscribe({ topic: 'describe-t', fromBeginning: true });
    await c.run({ eachMessage: async () => {} });
    await waitFor('group stable', () => k.broker.describeGroup(groupId).state === 'Stable');
    const admin = kafka.admin();
    toDisconnect.push(admin);
    await admin.connect();
    const { groups } = await admin.listGroups();
    assert.ok(groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'));
    const described = await admin.describeGroups([groupId]);
    const g = described.groups[0];
    assert.strictEqual(g.state, 'Stable');
    assert.strictEqual(g.protocolType, 'consumer');
    assert.strictEqual(g.members.length, 1);
    assert.strictEqual(g.members[0].clientId, 'compat');
  });

  it('finds offsets by timestamp', async () => {
    const p = producer();
    await p.connect();
    const base = 1_700_000_000_000;
    await p.send({
      topic: 'by-time',
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, timestamp: String(base + i * 1000) })),
    });
    const admin = kafka.admin();
    toDisconnect.push(admin);
    await admin.connect();
    const at = await admin.fetchTopicOffsetsByTimestamp('by-time', base + 4500);
    assert.deepStrictEqual(at, [{ partition: 0, offset: '5' }]);
    const latest = await admin.fetchTopicOffsets('by-time');
    assert.strictEqual(latest[0].offset, '10');
    assert.strictEqual(latest[0].low, '0');
  });

  it('the idempotent producer retries a batch whose answer was lost, and it is stored once', async () => {
    // clients reach this broker through a proxy that kills the connection instead of delivering the first
    // Produce answer: kafkajs must retry the same batch (same sequence) and the broker must store it once
    const proxy = lossyProxy();
    const proxyPort = await proxy.listen();
    const viaProxy = await startBroker({}, { advertisedPort: proxyPort }, `${k.dir}-idem`);
    proxy.target = viaProxy.server.port;
    try {
      const kafka2 = new Kafka({
        clientId: 'idem',
        brokers: [`127.0.0.1:${proxyPort}`],
        logLevel: logLevel.NOTHING,
        retry: { retries: 5, initialRetryTime: 100 },
      });
      const p = kafka2.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      await p.send({ topic: 'idem', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
      await p.send({ topic: 'idem', messages: [{ value: 'd' }] });
      await p.disconnect();
      assert.strictEqual(proxy.dropped, 1, 'one produce answer was lost and the batch retried');
      const recs = viaProxy.broker.readRecords('idem', 0, 0, 100);
      assert.deepStrictEqual(
        recs.map((r) => r.value?.toString()),
        ['a', 'b', 'c', 'd'],
      );
      assert.ok(recs[0].producerId >= 0, 'batches carry the producer id');
      const state = viaProxy.broker.producerState('idem', 0);
      assert.strictEqual(state.length, 1);
      assert.strictEqual(state[0].nextSequence, 4);
    } finally {
      await proxy.close();
      await viaProxy.stop();
      removeDir(viaProxy.dir);
    }
  });

  it('data written over the wire survives a broker restart', async () => {
    const p = producer();
    await p.connect();
    await p.send({
      topic: 'durable',
      acks: -1,
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })),
    });
    await p.disconnect();
    const before = k.broker
      .readRecords('durable', 0, 0, 100)
      .map((r) => [r.offset, r.key?.toString(), r.value?.toString()]);
    assert.strictEqual(before.length, 20);
    await k.restart();
    const after = k.broker
      .readRecords('durable', 0, 0, 100)
      .map((r) => [r.offset, r.key?.toString(), r.value?.toString()]);
    assert.deepStrictEqual(after, before);
    // and a fresh client reads them over the wire from the reopened broker
    const kafka2 = new Kafka({ clientId: 'after-restart', brokers: [k.bootstrap], logLevel: logLevel.NOTHING });
    kafka = kafka2;
    const c = consumer('durable-g');
    await c.connect();
    await c.subscribe({ topic: 'durable', fromBeginning: true });
    const got: string[] = [];
    await c.run({ eachMessage: async ({ message }) => void got.push(message.value!.toString()) });
    await waitFor('20 consumed after restart', () => got.length >= 20);
    assert.deepStrictEqual(
      got,
      before.map((b) => b[2]),
    );
  });
});

/** A TCP proxy that forwards Kafka frames both ways but drops the connection in place of the first Produce answer. */
function lossyProxy() {
  const sockets = new Set<net.Socket>();
  const state = {
    target: 0,
    dropped: 0,
    server: null as net.Server | null,
    listen(): Promise<number> {
      return new Promise((resolve) => {
        state.server = net
          .createServer((client) => pipe(client))
          .listen(0, '127.0.0.1', () => resolve((state.server!.address() as net.AddressInfo).port));
      });
    },
    close(): Promise<void> {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => state.server!.close(() => resolve()));
    },
  };
  function frames(onFrame: (f: Buffer) => boolean | void) {
    let buf = Buffer.alloc(0);
    return (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const f = buf.subarray(0, 4 + buf.readInt32BE(0));
        buf = buf.subarray(f.length);
        if (onFrame(f) === false) return;
      }
    };
  }
  function pipe(client: net.Socket) {
    const upstream = net.connect(state.target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const apiOf = new Map<number, number>(); // correlation id -> api key
    client.on(
      'data',
      frames((f) => {
        apiOf.set(f.readInt32BE(8), f.readInt16BE(4));
        upstream.write(f);
      }),
    );
    upstream.on(
      'data',
      frames((f) => {
        if (apiOf.get(f.readInt32BE(4)) === 0 && state.dropped === 0) {
          state.dropped++;
          client.destroy();
          upstream.destroy();
          return false;
        }
        client.write(f);
      }),
    );
    for (const s of [client, upstream]) {
      s.on('error', () => {});
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
  }
  return state;
}
