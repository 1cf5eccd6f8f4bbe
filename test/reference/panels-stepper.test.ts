// Reference tier: the consumer stepper on Apache Kafka 4.4.0 (the tier's shared broker, started by the root hooks
// in harness.ts). A stepper member (src/client/consumer.ts over src/extension/clusters/wire-member.ts) and a
// kafkajs consumer are members of one group and share a 4-partition topic; the stepper's commit is what Kafka then
// holds; when the stepper member leaves, the kafkajs consumer gets every partition.
import * as assert from 'assert';
import type { Admin, Consumer } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../compat/harness';
import { WireCluster } from '../../src/extension/clusters/wire';
import type { RemoteSource } from '../../src/extension/panels/panel-source';
import { StepperController } from '../../src/extension/panels/stepper-controller';
import type { StepperSnapshot } from '../../src/shared/stepper-messages';
import { currentPeers } from './harness';

describe('reference: the consumer stepper on Apache Kafka', function () {
  this.timeout(120_000);
  let cluster: WireCluster;
  let admin: Admin;
  let app: Consumer;
  let ctl: StepperController;
  const messages: unknown[] = [];
  let id = 1;

  it('a stepper member and a kafkajs consumer share a group; the stepper commits; after it leaves kafkajs gets everything', async () => {
    const port = currentPeers().find((p) => p.name === 'Kafka')!.port;
    const brokers = [`127.0.0.1:${port}`];
    const topic = `stepper-ref-${Date.now()}`;
    const group = `${topic}-g`;
    const kafka = new Kafka({ clientId: 'the-app', brokers, logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: false, topics: [{ topic, numPartitions: 4 }] });
    await waitFor('the topic has leaders', async () => {
      const m = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
      return m && m.topics[0]?.partitions.length === 4 && m.topics[0].partitions.every((p) => p.leader >= 0)
        ? true
        : null;
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 4, value: `v${i}` })),
    });
    await producer.disconnect();

    // The application: a kafkajs consumer that commits what it reads.
    let appOwns: number[] = [];
    app = kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 300, rebalanceTimeout: 20_000 });
    app.on(app.events.GROUP_JOIN, (e) => {
      appOwns = [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
    });
    await app.connect();
    await app.subscribe({ topic, fromBeginning: true });
    await app.run({ eachMessage: async () => undefined });
    await waitFor('the app owns all four partitions', () => (appOwns.length === 4 ? true : null), 30_000);

    cluster = new WireCluster({ name: 'apache-kafka', brokers });
    const confirms: string[] = [];
    const source: RemoteSource = {
      kind: 'remote',
      name: 'apache-kafka',
      production: false,
      cluster,
      connect: (clientId) => cluster.sibling(clientId),
      confirmWrite: async (what) => {
        confirms.push(what);
        return true;
      },
    };
    ctl = new StepperController({
      getBroker: () => undefined,
      post: (m) => messages.push(m),
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 300,
      remoteRefreshMs: 300,
    });
    ctl.setSource(source);
    const req = async (m: Record<string, unknown>) => {
      const rid = id++;
      await ctl.handle({ ...m, id: rid });
      const r = messages.find((x) => (x as { id?: number }).id === rid) as { ok: boolean; error?: string };
      assert.ok(r?.ok, `${String(m.type)}: ${r?.error}`);
    };
    const snap = async (): Promise<StepperSnapshot> => {
      await ctl.refresh();
      for (let i = messages.length - 1; i >= 0; i--) {
        const m = messages[i] as { type: string; state?: StepperSnapshot };
        if (m.type === 'snapshot' && m.state) return m.state;
      }
      throw new Error('no snapshot');
    };

    await req({ type: 'select', topic, groupId: group });
    await req({ type: 'addConsumer' });
    const shared = await waitFor(
      'the stepper member and the app own two partitions each',
      async () => {
        const s = await snap();
        const mine = s.consumers[0];
        return s.group?.state === 'Stable' &&
          s.group.members.length === 2 &&
          mine?.state === 'stable' &&
          mine.partitions.length === 2 &&
          appOwns.length === 2 &&
          [...mine.partitions, ...appOwns].sort().join(',') === '0,1,2,3'
          ? s
          : null;
      },
      60_000,
    );
    const mine = shared.consumers[0];
    assert.ok(mine.memberId.startsWith('kafka-lite-stepper-1-'), mine.memberId);
    assert.deepStrictEqual(shared.group!.members.map((m) => m.clientId).sort(), ['kafka-lite-stepper-1', 'the-app']);

    // The app read and committed the first eight records while it owned everything: the stepper member starts at
    // the group's committed offsets, so it polls nothing until new records come.
    await req({ type: 'poll', consumer: 'consumer-1', max: 100 });
    assert.deepStrictEqual((await snap()).consumers[0].lastPoll, []);
    const more = kafka.producer();
    await more.connect();
    await more.send({ topic, messages: [0, 1, 2, 3].map((p) => ({ partition: p, value: `new-${p}` })) });
    await more.disconnect();
    await req({ type: 'poll', consumer: 'consumer-1', max: 100 });
    const polled = await snap();
    assert.deepStrictEqual(
      polled.consumers[0].lastPoll.map((r) => r.value).sort(),
      mine.partitions.map((p) => `new-${p}`),
      'the new record of each of its two partitions',
    );
    await req({ type: 'commit', consumer: 'consumer-1' });
    assert.deepStrictEqual(confirms, [`Commit offsets of group ${group}`]);
    const offsets = (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0].partitions;
    for (const p of mine.partitions)
      assert.strictEqual(
        offsets.find((o) => o.partition === p)?.offset,
        '3',
        `partition ${p} committed past its new record`,
      );

    await req({ type: 'leave', consumer: 'consumer-1' });
    await waitFor('the app owns all four partitions again', () => (appOwns.length === 4 ? true : null), 30_000);
    const [described] = (await admin.describeGroups([group])).groups;
    assert.deepStrictEqual(
      described.members.map((m) => m.clientId),
      ['the-app'],
    );
  });

  after(async () => {
    await ctl?.dispose();
    await app?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await cluster?.close();
  });
});
