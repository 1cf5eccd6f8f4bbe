import * as assert from 'assert';
import { StepperController } from '../../../../src/extension/panels/stepper-controller';
import type { StepperSnapshot } from '../../../../src/shared/stepper-messages';
import { validateStepperRequest } from '../../../../src/shared/stepper-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker, until } from './helpers';

describe('consumer stepper controller', () => {
  let fx: Fixture;
  let posted: Posted<StepperSnapshot>;
  let ctl: StepperController;
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    const done = ctl.handle({ ...m, id: rid });
    // polls may wait for a rejoin that needs the (fake) clock to move
    let finished = false;
    void done.then(() => (finished = true));
    await until(fx.clock, () => finished, `reply to ${String(m.type)}`, 100);
    return posted.reply(rid);
  };
  const snap = () => {
    ctl.pushSnapshot();
    return posted.snapshot();
  };
  const stable = (n: number) => () => {
    const s = snap();
    return (
      s.group?.state === 'Stable' &&
      s.group.members.length === n &&
      s.consumers.filter((c) => c.state === 'stable').length === Math.min(n, s.consumers.length)
    );
  };

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('clicks', 3);
    for (let p = 0; p < 3; p++) {
      await fx.broker.produce(
        'clicks',
        [0, 1, 2, 3].map((i) => ({ key: `p${p}-${i}`, value: `v${p}-${i}` })),
        { partition: p },
      );
    }
    posted = new Posted();
    ctl = new StepperController({ getBroker: () => fx.broker, post: posted.post });
    assert.ok((await req({ type: 'select', topic: 'clicks', groupId: 'g1' })).ok);
  });
  afterEach(async () => {
    await ctl.dispose();
    await fx.close();
  });

  it('four consumers on a three-partition topic: every partition has one owner and one member is idle', async () => {
    for (let i = 0; i < 4; i++) assert.ok((await req({ type: 'addConsumer' })).ok);
    await until(fx.clock, stable(4), 'group stable with 4 members');
    const s = snap();
    const owned = s.group!.members.flatMap((m) => m.partitions).sort();
    assert.deepStrictEqual(owned, [0, 1, 2]);
    const idle = s.group!.members.filter((m) => m.partitions.length === 0);
    assert.strictEqual(idle.length, 1);
    assert.ok(idle[0].local?.startsWith('consumer-'));
    assert.strictEqual(s.consumers.filter((c) => c.partitions.length === 0).length, 1);
    assert.ok(s.group!.generationId >= 1);
    assert.deepStrictEqual(
      s.partitions.map((p) => p.owner !== null),
      [true, true, true],
    );
  });

  it('a consumer that crashes without committing: after its session times out the new owner re-reads its records, flagged as redelivered', async () => {
    await req({ type: 'addConsumer' });
    await until(fx.clock, stable(1), 'first member stable');
    await req({ type: 'addConsumer' });
    await until(fx.clock, stable(2), 'two members stable');
    let s = snap();
    const c1 = s.consumers.find((c) => c.name === 'consumer-1')!;
    const c2 = s.consumers.find((c) => c.name === 'consumer-2')!;
    assert.strictEqual(c1.partitions.length + c2.partitions.length, 3);

    // consumer-1 reads everything it owns and commits only the first poll
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 1 })).ok);
    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
    s = snap();
    const firstPolls = s.consumers.find((c) => c.name === 'consumer-1')!.lastPoll;
    assert.ok(firstPolls.length > 0);
    assert.ok(firstPolls.every((r) => !r.redelivered));
    // the commit stored consumer-1's positions after its first poll: one record past the start of one partition
    const committed = new Map(s.partitions.map((p) => [p.partition, p.committed]));
    const committedTotal = s.partitions
      .filter((p) => c1.partitions.includes(p.partition))
      .reduce((n, p) => n + Math.max(0, p.committed), 0);
    assert.strictEqual(committedTotal, 1);
    assert.ok(s.partitions.filter((p) => p.committed >= 0).every((p) => p.history.length === 1));

    assert.ok((await req({ type: 'crash', consumer: 'consumer-1' })).ok);
    s = snap();
    const crashed = s.consumers.find((c) => c.name === 'consumer-1')!;
    assert.strictEqual(crashed.state, 'crashed');
    assert.strictEqual(crashed.sessionExpiresAt, s.now + s.sessionTimeoutMs);
    assert.strictEqual(s.group!.members.length, 2, 'the crashed member stays until its session times out');

    await until(
      fx.clock,
      () => {
        const x = snap();
        return (
          x.group?.state === 'Stable' &&
          x.group.members.length === 1 &&
          x.consumers.find((c) => c.name === 'consumer-2')!.partitions.length === 3
        );
      },
      'consumer-2 owns all partitions after the session timeout',
    );

    assert.ok((await req({ type: 'poll', consumer: 'consumer-2', max: 100 })).ok);
    s = snap();
    const polled = s.consumers.find((c) => c.name === 'consumer-2')!.lastPoll;
    const redelivered = polled
      .filter((r) => r.redelivered)
      .map((r) => `${r.partition}:${r.offset}`)
      .sort();
    const expected = firstPolls
      .filter((r) => r.offset >= Math.max(0, committed.get(r.partition) ?? -1))
      .map((r) => `${r.partition}:${r.offset}`);
    assert.ok(expected.length > 0);
    // every record consumer-1 read past its last commit comes again, and only those are flagged
    assert.deepStrictEqual(redelivered, expected.sort());
    assert.strictEqual(polled.filter((r) => !r.redelivered).length, polled.length - redelivered.length);
    assert.strictEqual(s.consumers.find((c) => c.name === 'consumer-1')!.sessionExpiresAt, null);
  });

  it('commit moves the committed offset and the lag, and records who committed', async () => {
    await req({ type: 'addConsumer' });
    await until(fx.clock, stable(1), 'stable');
    await req({ type: 'poll', consumer: 'consumer-1', max: 2 });
    await req({ type: 'commit', consumer: 'consumer-1' });
    const s = snap();
    const p = s.partitions.find((x) => x.committed >= 0)!;
    assert.strictEqual(p.committed, 2);
    assert.strictEqual(p.lag, 2);
    assert.strictEqual(p.history[0].offset, 2);
    assert.strictEqual(p.history[0].memberId, s.consumers[0].memberId);
  });

  it('two groups step side by side on one topic and each reads every record, none of it a redelivery', async () => {
    await req({ type: 'addConsumer' });
    await until(fx.clock, stable(1), 'g1 stable');
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
    await req({ type: 'commit', consumer: 'consumer-1' });
    const first = snap()
      .consumers[0].lastPoll.map((r) => `${r.partition}:${r.offset}`)
      .sort();
    assert.strictEqual(first.length, 12);

    assert.ok((await req({ type: 'select', topic: 'clicks', groupId: 'g2' })).ok);
    let s = snap();
    assert.deepStrictEqual(
      s.consumers.map((c) => [c.name, c.groupId, c.state]),
      [['consumer-1', 'g1', 'stable']],
      'the g1 consumer stays',
    );
    assert.match(s.caption ?? '', /stay in their group.*independently/);
    assert.deepStrictEqual(
      s.partitions.map((p) => p.committed),
      [-1, -1, -1],
      'g2 has committed nothing',
    );
    await req({ type: 'addConsumer' });
    await until(
      fx.clock,
      () => {
        const x = snap();
        return x.group?.state === 'Stable' && x.consumers.find((c) => c.name === 'consumer-2')?.state === 'stable';
      },
      'g2 stable',
    );
    assert.ok((await req({ type: 'poll', consumer: 'consumer-2', max: 100 })).ok);
    s = snap();
    const c2 = s.consumers.find((c) => c.name === 'consumer-2')!;
    assert.strictEqual(c2.groupId, 'g2');
    assert.deepStrictEqual(c2.lastPoll.map((r) => `${r.partition}:${r.offset}`).sort(), first, 'the same records');
    assert.ok(
      c2.lastPoll.every((r) => !r.redelivered),
      'another group reading a record is not a redelivery',
    );
    assert.deepStrictEqual(
      s.group!.members.map((m) => m.local),
      ['consumer-2'],
      'the g2 view shows only its member',
    );
    assert.deepStrictEqual(
      s.otherGroups.map((o) => [o.groupId, o.positions.map((p) => p.lag)]),
      [['g1', [0, 0, 0]]],
    );
    // consumer-1 still works in g1 while g2 is shown: nothing new to read.
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 100 })).ok);
    assert.strictEqual(snap().consumers.find((c) => c.name === 'consumer-1')!.lastPoll.length, 0);
    // Switching the topic makes every consumer leave.
    await fx.broker.createTopic('other', 1);
    assert.ok((await req({ type: 'select', topic: 'other', groupId: 'g2' })).ok);
    assert.deepStrictEqual(snap().consumers, []);
  });

  it('lists other groups that read the same topic with their positions', async () => {
    await fx.broker.commitOffsets('other-app', '', -1, [{ topic: 'clicks', partition: 1, offset: 3, metadata: null }]);
    const s = snap();
    assert.deepStrictEqual(s.otherGroups, [
      { groupId: 'other-app', state: 'Empty', positions: [{ partition: 1, committed: 3, lag: 1 }] },
    ]);
  });

  it('a consumer that leaves is refused further polls; malformed requests are rejected', async () => {
    await req({ type: 'addConsumer' });
    await until(fx.clock, stable(1), 'stable');
    assert.ok((await req({ type: 'leave', consumer: 'consumer-1' })).ok);
    const r = await req({ type: 'poll', consumer: 'consumer-1', max: 1 });
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /left the group/);
    assert.match((await req({ type: 'poll', consumer: 'consumer-9', max: 1 })).error ?? '', /no consumer-9/);
    assert.strictEqual(validateStepperRequest({ type: 'poll', id: 1, consumer: 'consumer-1', max: 0 }).ok, false);
    assert.strictEqual(validateStepperRequest({ type: 'poll', id: 1, consumer: '../x', max: 1 }).ok, false);
    assert.strictEqual(validateStepperRequest({ type: 'select', id: 1, topic: 'clicks', groupId: '' }).ok, false);
    assert.strictEqual(validateStepperRequest({ type: 'select', id: 1, topic: 'clicks', groupId: 'g' }).ok, true);
  });

  it('the "joining" caption gives way to what happened once the group is Stable', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    const captions = posted.messages.map((m) => (m as { state?: StepperSnapshot }).state?.caption ?? '');
    assert.ok(
      captions.some((c) => /consumer-1 is joining/.test(c)),
      'said while it joined',
    );
    await until(fx.clock, stable(1), 'group stable with 1 member');
    await ctl.joined();
    const caption = snap().caption ?? '';
    assert.doesNotMatch(caption, /is joining/);
    assert.match(caption, /consumer-1 joined group "g1".*Stable at generation \d+.*consumer-1 owns partitions 0, 1, 2/);
  });

  it('the crash caption changes when the session times out and the group has rebalanced', async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await until(fx.clock, stable(2), 'group stable with 2 members');
    assert.ok((await req({ type: 'crash', consumer: 'consumer-1' })).ok);
    assert.match(snap().caption ?? '', /consumer-1 crashed/);
    await until(
      fx.clock,
      () => {
        const s = snap();
        return s.group?.state === 'Stable' && s.group.members.length === 1;
      },
      'the session of consumer-1 expired and the group rebalanced',
    );
    const caption = snap().caption ?? '';
    assert.match(caption, /consumer-1's session timed out/);
    assert.match(caption, /consumer-2 owns partitions 0, 1, 2/);
  });

  it('a group nobody has joined yet shows Empty, as the tree does, not Dead', async () => {
    const s = snap();
    assert.strictEqual(s.groupId, 'g1');
    assert.ok(s.group, 'the group line has a state');
    assert.strictEqual(s.group.state, 'Empty');
  });

  it("the commit history names the panel's consumer, not a cut-off member id", async () => {
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await until(fx.clock, stable(1), 'group stable with 1 member');
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 10 })).ok);
    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    const hist = snap().partitions.flatMap((p) => p.history);
    assert.ok(hist.length > 0);
    for (const e of hist) assert.strictEqual(e.by, 'consumer-1');
  });
});
