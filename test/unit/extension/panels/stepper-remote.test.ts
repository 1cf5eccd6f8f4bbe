// The consumer stepper on a remote source: its controller runs on a RemoteSource whose WireCluster points at a real
// Kafka Lite broker on a loopback port (no local broker at all), so its members are group members over the wire
// and everything it shows is read over the Kafka protocol. What is asserted is what the cluster itself then holds
// (kafkajs admin) and what the person sees in the snapshot.
import * as assert from 'assert';
import type { Admin } from 'kafkajs';
import { Kafka, logLevel } from 'kafkajs';
import type { Running } from '../../../compat/harness';
import { removeDir, startBroker, waitFor } from '../../../compat/harness';
import { WireCluster } from '../../../../src/extension/clusters/wire';
import type { RemoteSource } from '../../../../src/extension/panels/panel-source';
import { EMBEDDED_SOURCE } from '../../../../src/extension/panels/panel-source';
import { StepperController } from '../../../../src/extension/panels/stepper-controller';
import type { StepperSnapshot } from '../../../../src/shared/stepper-messages';
import { parseStepperSavedState } from '../../../../src/shared/stepper-messages';
import { Posted } from './helpers';

describe('consumer stepper on a remote cluster', function () {
  this.timeout(40_000);
  let running: Running;
  let cluster: WireCluster;
  let admin: Admin;
  let posted: Posted<StepperSnapshot>;
  let ctl: StepperController;
  let confirms: string[];
  let answer: boolean;
  let connections: string[];
  let id = 1;

  function remote(): RemoteSource {
    return {
      kind: 'remote',
      name: 'team-kafka',
      production: true,
      cluster,
      connect: (clientId) => {
        connections.push(clientId);
        return cluster.sibling(clientId);
      },
      confirmWrite: async (what) => {
        confirms.push(what);
        return answer;
      },
    };
  }

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const snap = async (): Promise<StepperSnapshot> => {
    await ctl.refresh();
    return posted.snapshot();
  };
  /** The group is Stable with `n` members, each panel consumer stable, as the cluster describes it. */
  const stable = (n: number) => async () => {
    const s = await snap();
    return s.group?.state === 'Stable' &&
      s.group.members.length === n &&
      s.consumers.filter((c) => c.state === 'stable').length === n &&
      s.consumers.every((c) => c.state !== 'stable' || s.group!.members.some((m) => m.memberId === c.memberId))
      ? s
      : null;
  };
  const committedByAdmin = async (groupId: string) =>
    (await admin.fetchOffsets({ groupId, topics: ['orders'] }))[0].partitions
      .map((p) => [p.partition, Number(p.offset)])
      .sort((a, b) => a[0] - b[0]);

  beforeEach(async () => {
    running = await startBroker();
    await running.broker.createTopic('orders', 4);
    const kafka = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    const p = kafka.producer();
    await p.connect();
    await p.send({
      topic: 'orders',
      messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 4, key: `k${i}`, value: `v${i}` })),
    });
    await p.disconnect();
    admin = kafka.admin();
    await admin.connect();
    cluster = new WireCluster({ name: 'team-kafka', brokers: [running.bootstrap] });
    confirms = [];
    connections = [];
    answer = true;
    posted = new Posted();
    ctl = new StepperController({
      getBroker: () => undefined,
      post: posted.post,
      sessionTimeoutMs: 1500,
      heartbeatIntervalMs: 200,
      remoteRefreshMs: 200,
    });
    ctl.setSource(remote());
    assert.ok((await req({ type: 'select', topic: 'orders', groupId: 'g' })).ok);
  });
  afterEach(async () => {
    await ctl.dispose();
    await admin.disconnect();
    await cluster.close();
    await running.stop();
    removeDir(running.dir);
  });

  it('two stepper members split a 4-partition topic, poll it all, and commit what the cluster then holds', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('one member', stable(1));
    assert.ok((await req({ type: 'addConsumer' })).ok);
    const s = await waitFor('two members with two partitions each', async () => {
      const x = await stable(2)();
      return x && x.consumers.every((c) => c.partitions.length === 2) ? x : null;
    });
    assert.strictEqual(s.where, 'team-kafka (production)');
    assert.strictEqual(s.remote, true);
    assert.deepStrictEqual(s.topics, [{ name: 'orders', partitions: 4 }]);
    assert.deepStrictEqual(s.consumers.flatMap((c) => c.partitions).sort(), [0, 1, 2, 3]);
    // Each member is on a connection of its own, and the cluster's other users see who it is.
    assert.deepStrictEqual(connections, ['kafka-lite-stepper-1', 'kafka-lite-stepper-2']);
    assert.ok(ctl.memberIdOf('consumer-1').startsWith('kafka-lite-stepper-1-'), ctl.memberIdOf('consumer-1'));
    assert.ok(ctl.memberIdOf('consumer-2').startsWith('kafka-lite-stepper-2-'), ctl.memberIdOf('consumer-2'));
    const [described] = (await admin.describeGroups(['g'])).groups;
    assert.deepStrictEqual(described.members.map((m) => m.clientId).sort(), [
      'kafka-lite-stepper-1',
      'kafka-lite-stepper-2',
    ]);
    // The generation is known through the panel's own members; the lag is log end - log start before any commit.
    assert.ok(s.group!.generationId > 0, `generation ${s.group!.generationId}`);
    assert.deepStrictEqual(
      s.partitions.map((p) => [p.partition, p.committed, p.lag, p.logEndOffset, p.lastStableOffset]),
      [0, 1, 2, 3].map((p) => [p, -1, 5, 5, 5]),
    );

    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
    assert.ok((await req({ type: 'poll', consumer: 'consumer-2', max: 100 })).ok);
    let after = await snap();
    const polled = after.consumers.flatMap((c) => c.lastPoll.map((r) => r.value));
    assert.strictEqual(polled.length, 20);
    assert.strictEqual(new Set(polled).size, 20);
    // Polling commits nothing: the stepper never commits by itself.
    assert.deepStrictEqual(
      await committedByAdmin('g'),
      [0, 1, 2, 3].map((p) => [p, -1]),
    );

    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    assert.ok((await req({ type: 'commit', consumer: 'consumer-2' })).ok);
    assert.deepStrictEqual(
      confirms.filter((w) => w.startsWith('Commit')),
      ['Commit offsets of group g'],
      'asked once for the group',
    );
    assert.deepStrictEqual(
      await committedByAdmin('g'),
      [0, 1, 2, 3].map((p) => [p, 5]),
    );
    after = await snap();
    assert.deepStrictEqual(
      after.partitions.map((p) => [p.committed, p.lag]),
      [0, 1, 2, 3].map(() => [5, 0]),
    );
    const p0 = after.partitions[0];
    assert.strictEqual(p0.history[0].offset, 5);
    assert.match(p0.history[0].by, /^consumer-[12]$/);
    assert.ok(after.timeline.some((e) => e.kind === 'committed' && /^consumer-1 committed/.test(e.text)));
  });

  it('a declined confirmWrite adds no member: the group on the cluster never sees a join', async () => {
    answer = false;
    assert.ok((await req({ type: 'addConsumer' })).ok);
    assert.deepStrictEqual(confirms, ['Add a consumer to group g (its other members rebalance)']);
    const s = await snap();
    assert.match(s.caption ?? '', /No consumer was added/);
    assert.strictEqual(s.consumers.length, 0);
    assert.deepStrictEqual(connections, []);
    const [described] = await cluster.describeGroups(['g']);
    assert.strictEqual(described?.members.length ?? 0, 0);
  });

  it('a declined confirmWrite commits nothing, and the panel says so', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('one member', stable(1));
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
    answer = false;
    confirms = [];
    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    assert.deepStrictEqual(confirms, ['Commit offsets of group g']);
    assert.deepStrictEqual(
      await committedByAdmin('g'),
      [0, 1, 2, 3].map((p) => [p, -1]),
    );
    const s = await snap();
    assert.match(s.caption ?? '', /Nothing was committed/);
    assert.ok(s.partitions.every((p) => p.committed === -1 && p.history.length === 0));
    // Asked again next time (a no is not remembered as a yes).
    answer = true;
    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    assert.strictEqual(confirms.length, 2);
    assert.deepStrictEqual(
      await committedByAdmin('g'),
      [0, 1, 2, 3].map((p) => [p, 5]),
    );
  });

  it("a crashed member's partitions move to the other member once its session times out on the cluster", async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('one member', stable(1));
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('split', async () => {
      const x = await stable(2)();
      return x && x.consumers.every((c) => c.partitions.length === 2) ? x : null;
    });
    const crashedId = ctl.memberIdOf('consumer-1');
    assert.ok((await req({ type: 'crash', consumer: 'consumer-1' })).ok);
    // No LeaveGroup: the cluster still lists it until its session times out, and the panel counts down.
    const during = await snap();
    assert.ok(during.group!.members.some((m) => m.memberId === crashedId));
    assert.ok((during.consumers.find((c) => c.name === 'consumer-1')?.sessionExpiresAt ?? 0) > 0);
    const s = await waitFor(
      'consumer-2 owns every partition',
      async () => {
        const x = await snap();
        const c2 = x.consumers.find((c) => c.name === 'consumer-2');
        return x.group?.state === 'Stable' && x.group.members.length === 1 && c2?.partitions.length === 4 ? x : null;
      },
      10_000,
    );
    const [described] = (await admin.describeGroups(['g'])).groups;
    assert.deepStrictEqual(
      described.members.map((m) => m.memberId),
      [ctl.memberIdOf('consumer-2')],
    );
    assert.deepStrictEqual(
      s.partitions.map((p) => p.owner),
      ['consumer-2', 'consumer-2', 'consumer-2', 'consumer-2'],
    );
    await waitFor('the timeline says the session expired', async () => {
      const x = await snap();
      return x.timeline.some((e) => e.kind === 'expired' && /consumer-1/.test(e.text)) ? x : null;
    });
  });

  it('a read_committed stepper member stops at the last stable offset over the wire, and the panel marks it waiting', async () => {
    const kafka = new Kafka({ brokers: [running.bootstrap], logLevel: logLevel.NOTHING });
    const tx = kafka.producer({ transactionalId: 'tx-stepper', maxInFlightRequests: 1, idempotent: true });
    await tx.connect();
    const t = await tx.transaction();
    await t.send({ topic: 'orders', messages: [{ partition: 0, value: 'open' }] });
    try {
      assert.ok((await req({ type: 'isolation', level: 'read_committed' })).ok);
      assert.ok((await req({ type: 'addConsumer' })).ok);
      await waitFor('one member', stable(1));
      assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
      const s = await snap();
      assert.strictEqual(s.consumers[0].lastPoll.length, 20, 'every committed record, not the open one');
      const p0 = s.partitions[0];
      assert.deepStrictEqual([p0.lastStableOffset, p0.logEndOffset, p0.waitingAtLso], [5, 6, true]);
      assert.match(s.caption ?? '', /stopped at the last stable offset of partition 0 \(LSO 5, log end 6\)/);
      await t.commit();
      assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
      assert.deepStrictEqual(
        (await snap()).consumers[0].lastPoll.map((r) => r.value),
        ['open'],
      );
    } finally {
      await tx.disconnect();
    }
  });

  it('switching to another source makes the members leave their remote group and resets the panel', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('one member', stable(1));
    ctl.setSource(EMBEDDED_SOURCE);
    const s = posted.snapshot();
    assert.strictEqual(s.where, 'Kafka Lite (this window)');
    assert.strictEqual(s.remote, false);
    assert.strictEqual(s.topic, '');
    assert.deepStrictEqual(s.consumers, []);
    await waitFor('the remote group has no members', async () =>
      (await admin.describeGroups(['g'])).groups[0].members.length === 0 ? true : null,
    );
  });

  it('a panel restored from one that worked on a remote cluster does nothing on the local broker until setSource', async () => {
    const restored = new StepperController({
      getBroker: () => running.broker,
      post: posted.post,
      topic: 'orders',
      groupId: 'g',
      restoredFrom: 'team-kafka (production)',
    });
    try {
      restored.pushSnapshot();
      let s = posted.snapshot();
      assert.strictEqual(
        s.detached,
        "This panel was working on team-kafka (production); open it again from that cluster's Consumer Groups view.",
      );
      assert.strictEqual(s.caption, s.detached);
      assert.strictEqual(s.remote, true);
      assert.deepStrictEqual(s.topics, [], 'the local broker is not shown');
      await restored.handle({ type: 'addConsumer', id: 9001 });
      assert.strictEqual(posted.reply(9001).ok, false);
      assert.deepStrictEqual(running.broker.listGroups(), [], 'nothing joined the local broker');
      restored.setSource(remote());
      await restored.refresh();
      s = posted.snapshot();
      assert.strictEqual(s.detached, null);
      assert.deepStrictEqual(s.topics, [{ name: 'orders', partitions: 4 }]);
    } finally {
      await restored.dispose();
    }
  });

  it('the saved state keeps the remote cluster a panel worked on (and a state saved before it existed still parses)', () => {
    assert.deepStrictEqual(
      parseStepperSavedState({ topic: 'orders', groupId: 'g', pollMax: 5, remote: 'team-kafka (production)' }),
      { topic: 'orders', groupId: 'g', pollMax: 5, remote: 'team-kafka (production)' },
    );
    assert.deepStrictEqual(parseStepperSavedState({ topic: 'orders', groupId: 'g', pollMax: 5 }), {
      topic: 'orders',
      groupId: 'g',
      pollMax: 5,
    });
  });

  it('a hidden panel stops reading the remote cluster while its member stays in the group, and reads again when shown', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await waitFor('one member', stable(1));
    const snapshots = () => posted.messages.filter((m) => (m as { type: string }).type === 'snapshot').length;
    const over = async (ms: number) => {
      const before = snapshots();
      await new Promise((r) => setTimeout(r, ms));
      return snapshots() - before;
    };
    // Visible: read every 200 ms, so a second brings several snapshots.
    assert.ok((await over(1000)) >= 3, 'a visible panel reads its remote cluster periodically');
    ctl.setVisible(false);
    await new Promise((r) => setTimeout(r, 300)); // a read already under way finishes
    assert.strictEqual(await over(1200), 0, 'a hidden panel reads nothing');
    // The member kept heartbeating meanwhile: the cluster still has it, in a Stable group.
    const [described] = (await admin.describeGroups(['g'])).groups;
    assert.strictEqual(described.state, 'Stable');
    assert.deepStrictEqual(
      described.members.map((m) => m.memberId),
      [ctl.memberIdOf('consumer-1')],
    );
    ctl.setVisible(true);
    await waitFor('a read once shown', async () => ((await over(100)) > 0 ? true : null));
  });
});
