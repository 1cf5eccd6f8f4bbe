import * as assert from 'assert';
import { LagSampler, SampleRing } from '../../../../src/extension/model/lag-sampler';
import type { Fixture } from '../panels/helpers';
import { openBroker } from '../panels/helpers';

describe('lag sampler', () => {
  let fx: Fixture;
  let now = 1_000;
  const sampler = (capacity = 720) =>
    new LagSampler({ getBroker: () => fx.broker, capacity, intervalMs: 5000, now: () => (now += 5000) });

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('orders', 3);
    for (let p = 0; p < 3; p++) await fx.broker.produce('orders', [{ value: 'a' }, { value: 'b' }], { partition: p });
  });
  afterEach(() => fx.close());

  const commit = async (groupId: string, partition: number, offset: number) => {
    const r = await fx.broker.commitOffsets(groupId, '', -1, [{ topic: 'orders', partition, offset, metadata: null }]);
    assert.strictEqual(r[0].errorCode, 0);
  };

  it('a ring keeps only its last `capacity` samples, oldest first', () => {
    const r = new SampleRing(3);
    for (let i = 1; i <= 5; i++) r.push(i * 10, i);
    assert.strictEqual(r.length, 3);
    assert.deepStrictEqual(r.line(), { t: [30, 40, 50], v: [3, 4, 5] });
    assert.deepStrictEqual(r.last(), { time: 50, value: 5 });
    // downsampled: buckets keep their largest value and their last time
    const big = new SampleRing(10);
    for (const v of [0, 9, 1, 1, 2, 0]) big.push(v, v);
    assert.deepStrictEqual(big.line(3).v, [9, 1, 2]);
  });

  it("memory is bounded: a group's total and each partition hold at most `capacity` samples", async () => {
    await commit('g', 0, 1);
    const s = sampler(4);
    for (let i = 0; i < 10; i++) s.sampleNow();
    assert.deepStrictEqual(s.sampleCounts('g'), { total: 4, partitions: [4] });
    assert.strictEqual(s.view('g')!.total.t.length, 4);
  });

  it('records the same lag as Broker.groupLag, never-committed assigned partitions included', async () => {
    await commit('g', 0, 1);
    await commit('g', 1, 2);
    // a member assigned partition 2, which the group never committed: lag counts from the log start
    const { GroupConsumer } = await import('../../../../src/client/consumer');
    const member = new GroupConsumer(fx.broker, { groupId: 'g', topics: ['orders'], heartbeatIntervalMs: 100 });
    const joined = member.join();
    for (let i = 0; i < 50 && member.state !== 'stable'; i++) {
      fx.clock.advance(100);
      await new Promise((r) => setTimeout(r, 1));
    }
    await joined;
    const s = sampler();
    s.sampleNow();
    const lag = fx.broker.groupLag('g');
    const v = s.view('g')!;
    assert.deepStrictEqual(
      v.partitions.map((p) => [p.partition, p.v.at(-1)]),
      lag.partitions.map((p) => [p.partition, p.lag]),
    );
    assert.deepStrictEqual(
      v.partitions.map((p) => p.v.at(-1)),
      [1, 0, 2],
    );
    assert.strictEqual(v.total.v.at(-1), lag.totalLag);
    assert.strictEqual(lag.totalLag, 3);
    await member.leave();
  });

  it('lag falling after a commit shows as a falling line', async () => {
    await commit('g', 0, 0);
    const s = sampler();
    s.sampleNow();
    await commit('g', 0, 2);
    s.sampleNow();
    assert.deepStrictEqual(s.view('g')!.total.v, [2, 0]);
  });

  it('a group that disappears is dropped, and a partition no longer in its lag too', async () => {
    await commit('g', 0, 1);
    await commit('h', 0, 1);
    const s = sampler();
    s.sampleNow();
    assert.deepStrictEqual(s.groups(), ['g', 'h']);
    await fx.broker.deleteGroup('h');
    s.sampleNow();
    assert.deepStrictEqual(s.groups(), ['g']);
    assert.strictEqual(s.view('h'), undefined);
    await fx.broker.deleteTopic('orders');
    s.sampleNow();
    assert.deepStrictEqual(s.view('g')?.partitions ?? [], []);
  });

  it('takes nothing and drops nothing while no broker runs; listeners hear each sample', async () => {
    await commit('g', 0, 1);
    let broker: typeof fx.broker | undefined = fx.broker;
    const s = new LagSampler({ getBroker: () => broker, intervalMs: 5000 });
    let heard = 0;
    const off = s.onSample(() => heard++);
    s.sampleNow();
    broker = undefined;
    s.sampleNow();
    assert.deepStrictEqual(s.groups(), ['g']);
    assert.strictEqual(heard, 1);
    off();
    broker = fx.broker;
    s.sampleNow();
    assert.strictEqual(heard, 1);
    assert.strictEqual(s.sampleCounts('g')!.total, 2);
    assert.throws(() => s.setIntervalMs(0), /at least 100 ms/);
  });
});
