import * as assert from 'assert';
import { LagSampler } from '../../../../src/extension/model/lag-sampler';
import { ResetHistory } from '../../../../src/extension/model/reset-history';
import { GroupDetailsController } from '../../../../src/extension/panels/group-details-controller';
import type { GroupDetailsSnapshot } from '../../../../src/shared/group-details-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

describe('group details controller', () => {
  let fx: Fixture;
  let posted: Posted<GroupDetailsSnapshot>;
  let sampler: LagSampler;
  let resets: ResetHistory;
  let ctl: GroupDetailsController;

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('orders', 2);
    await fx.broker.produce('orders', [{ value: 'a' }, { value: 'b' }, { value: 'c' }], { partition: 0 });
    await fx.broker.commitOffsets('g', '', -1, [{ topic: 'orders', partition: 0, offset: 1, metadata: null }]);
    posted = new Posted();
    sampler = new LagSampler({ getBroker: () => fx.broker, intervalMs: 5000 });
    resets = new ResetHistory();
    ctl = new GroupDetailsController({ getBroker: () => fx.broker, post: posted.post, sampler, resets, groupId: 'g' });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it("shows the group's lag now as Broker.groupLag has it, and its lag over time after each sample", async () => {
    sampler.sampleNow();
    let s = posted.snapshot();
    assert.deepStrictEqual(
      s.lag.map((r) => [r.topic, r.partition, r.committed, r.logEnd, r.lag]),
      [['orders', 0, 1, 3, 2]],
    );
    assert.strictEqual(s.totalLag, fx.broker.groupLag('g').totalLag);
    assert.deepStrictEqual(s.lagHistory!.total.v, [2]);
    await fx.broker.commitOffsets('g', '', -1, [{ topic: 'orders', partition: 0, offset: 3, metadata: null }]);
    sampler.sampleNow();
    s = posted.snapshot();
    assert.deepStrictEqual(s.lagHistory!.total.v, [2, 0], 'the line falls after the commit');
  });

  it('lists the resets of the shown group, newest first, with each changed partition', () => {
    const rows = [{ topic: 'orders', partition: 0, current: 1, next: 0 }];
    resets.add('g', 'the earliest offsets (log start)', 'first', rows, 1000);
    resets.add('other', 'x', 'not this group', rows, 1500);
    resets.add('g', 'offset 3', 'second', [{ topic: 'orders', partition: 0, current: 0, next: 3 }], 2000);
    const s = posted.snapshot();
    assert.deepStrictEqual(
      s.resets.map((r) => [r.summary, r.lines]),
      [
        ['second', ['orders [0]: 0 \u2192 3 (3 ahead)']],
        ['first', ['orders [0]: 1 \u2192 0 (1 back)']],
      ],
    );
  });

  it('says so for a group the broker does not know, and rejects a malformed message', async () => {
    await ctl.handle({ type: 'select', id: 1, groupId: 'nope' });
    assert.match(posted.snapshot().error!, /no group "nope"/);
    await ctl.handle({ type: 'select', id: 2, groupId: '' });
    const r = posted.reply(2);
    assert.ok(!r.ok);
  });
});
