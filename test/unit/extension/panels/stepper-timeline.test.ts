import * as assert from 'assert';
import { StepperController } from '../../../../src/extension/panels/stepper-controller';
import { LagSampler } from '../../../../src/extension/model/lag-sampler';
import type { StepperSnapshot } from '../../../../src/shared/stepper-messages';
import { FakeVerifier, mark, txnSend } from '../../broker/storage/txn-helpers';
import type { Fixture } from './helpers';
import { Posted, openBroker, until } from './helpers';

describe('consumer stepper: rebalance timeline, isolation level, lag chart', () => {
  let fx: Fixture;
  let posted: Posted<StepperSnapshot>;
  let ctl: StepperController;
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    const done = ctl.handle({ ...m, id: rid });
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
      s.consumers.filter((c) => c.state === 'stable').length === n
    );
  };

  beforeEach(async () => {
    fx = await openBroker();
    posted = new Posted();
  });
  afterEach(async () => {
    await ctl.dispose();
    await fx.close();
  });

  it("a crashed member's partition moves to another member: the move and the timeline say who, and why", async () => {
    await fx.broker.createTopic('clicks', 3);
    ctl = new StepperController({ getBroker: () => fx.broker, post: posted.post });
    assert.ok((await req({ type: 'select', topic: 'clicks', groupId: 'g1' })).ok);
    for (let i = 1; i <= 3; i++) {
      assert.ok((await req({ type: 'addConsumer' })).ok);
      await until(fx.clock, stable(i), `${i} member(s) stable`);
    }
    let s = snap();
    const owned = s.consumers.find((c) => c.name === 'consumer-3')!.partitions;
    assert.strictEqual(owned.length, 1);
    assert.ok(s.timeline.some((e) => e.text === 'consumer-3 joined'));

    assert.ok((await req({ type: 'crash', consumer: 'consumer-3' })).ok);
    await until(fx.clock, stable(2), 'two members after the session timeout');
    s = snap();
    const to = s.consumers.find((c) => c.partitions.includes(owned[0]))!.name;
    assert.deepStrictEqual(
      s.moves.filter((m) => m.from === 'consumer-3'),
      [{ partition: owned[0], from: 'consumer-3', to }],
    );
    const texts = s.timeline.map((e) => e.text);
    const expired = texts.lastIndexOf("consumer-3's session expired: the broker removed it");
    const started = texts.map((t) => t.startsWith('rebalance started')).lastIndexOf(true);
    const moved = texts.lastIndexOf(`partition ${owned[0]}: consumer-3 \u2192 ${to}`);
    const generation = texts.lastIndexOf(`generation ${s.group!.generationId}: 2 members`);
    assert.ok(started >= 0 && expired > started && generation > expired && moved > generation, texts.join('\n'));

    assert.ok((await req({ type: 'commit', consumer: to })).ok);
    s = snap();
    assert.match(s.timeline.at(-1)!.text, new RegExp(`^${to} committed partition \\d at 0`));
  });

  it('a read_committed member stops at the LSO of an open transaction and moves past it once it commits', async () => {
    fx.broker.useTxnPartitionVerifier(new FakeVerifier());
    await fx.broker.createTopic('tx', 1);
    await fx.broker.produce('tx', [{ value: 'a' }, { value: 'b' }], { partition: 0 });
    await txnSend(fx.broker, 'tx', 0, 7, 0, ['t1', 't2']); // offsets 2, 3: open
    ctl = new StepperController({ getBroker: () => fx.broker, post: posted.post });
    assert.ok((await req({ type: 'select', topic: 'tx', groupId: 'rc' })).ok);
    assert.ok((await req({ type: 'isolation', level: 'read_committed' })).ok);
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await until(fx.clock, stable(1), 'stable');
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 10 })).ok);
    let s = snap();
    assert.strictEqual(s.isolationLevel, 'read_committed');
    assert.deepStrictEqual(
      s.consumers[0].lastPoll.map((r) => r.value),
      ['a', 'b'],
    );
    const p = s.partitions[0];
    assert.deepStrictEqual([p.lastStableOffset, p.logEndOffset, p.position, p.waitingAtLso], [2, 4, 2, true]);
    assert.match(s.caption!, /stopped at the last stable offset of partition 0 \(LSO 2, log end 4\)/);

    await mark(fx.broker, 7, 0, true, [{ topic: 'tx', partition: 0 }]); // marker at 4
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 10 })).ok);
    s = snap();
    assert.deepStrictEqual(
      s.consumers[0].lastPoll.map((r) => r.value),
      ['t1', 't2'],
    );
    assert.deepStrictEqual([s.partitions[0].position, s.partitions[0].waitingAtLso], [5, false]);
    assert.ok((await req({ type: 'commit', consumer: 'consumer-1' })).ok);
    assert.strictEqual(snap().partitions[0].lag, 0, 'the position passed the commit marker');
  });

  it('a read_uncommitted member reads the open transaction at once; an unknown level is refused', async () => {
    fx.broker.useTxnPartitionVerifier(new FakeVerifier());
    await fx.broker.createTopic('tx', 1);
    await txnSend(fx.broker, 'tx', 0, 8, 0, ['t1', 't2']);
    ctl = new StepperController({ getBroker: () => fx.broker, post: posted.post });
    assert.ok((await req({ type: 'select', topic: 'tx', groupId: 'ru' })).ok);
    assert.ok((await req({ type: 'addConsumer' })).ok);
    await until(fx.clock, stable(1), 'stable');
    assert.ok((await req({ type: 'poll', consumer: 'consumer-1', max: 10 })).ok);
    const s = snap();
    assert.strictEqual(s.isolationLevel, 'read_uncommitted');
    assert.deepStrictEqual(
      s.consumers[0].lastPoll.map((r) => r.value),
      ['t1', 't2'],
    );
    assert.strictEqual(s.partitions[0].waitingAtLso, false);
    const bad = await req({ type: 'isolation', level: 'snapshot' });
    assert.ok(!bad.ok);
  });

  it("the lag chart is the sampler's, and the partition lag is Broker.groupLag's", async () => {
    await fx.broker.createTopic('clicks', 2);
    await fx.broker.produce('clicks', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 0 });
    await fx.broker.commitOffsets('g', '', -1, [{ topic: 'clicks', partition: 0, offset: 1, metadata: null }]);
    const sampler = new LagSampler({ getBroker: () => fx.broker, intervalMs: 5000 });
    ctl = new StepperController({ getBroker: () => fx.broker, post: posted.post, lagSampler: sampler });
    assert.ok((await req({ type: 'select', topic: 'clicks', groupId: 'g' })).ok);
    assert.strictEqual(snap().lagHistory, null);
    sampler.sampleNow();
    const s = snap();
    assert.deepStrictEqual(s.lagHistory!.total.v, [2]);
    assert.deepStrictEqual(
      s.partitions.filter((p) => p.committed >= 0).map((p) => p.lag),
      fx.broker.groupLag('g').partitions.map((p) => p.lag),
    );
  });
});
