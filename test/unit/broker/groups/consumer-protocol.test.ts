import * as assert from 'assert';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  rangeAssignor,
  roundRobinAssignor,
  stickyAssignor,
  type AssignmentPlan,
  type AssignorMember,
} from '../../../../src/broker/groups/consumer-protocol';

// kafkajs' own encoder, used as the reference for byte-exactness.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { MemberMetadata, MemberAssignment } = require('kafkajs/src/consumer/assignerProtocol');

const member = (
  memberId: string,
  topics: string[],
  owned: { topic: string; partitions: number[] }[] = [],
): AssignorMember => ({
  memberId,
  subscription: { version: 1, topics, userData: null, ownedPartitions: owned },
});

const flat = (plan: AssignmentPlan) =>
  Object.fromEntries([...plan].map(([m, topics]) => [m, [...topics].flatMap(([t, ps]) => ps.map((p) => `${t}-${p}`))]));

describe('consumer protocol encodings', () => {
  it('a v0 subscription is byte-for-byte what kafkajs encodes, and kafkajs decodes ours', () => {
    const ours = encodeSubscription({ version: 0, topics: ['orders', 'päyments'], userData: Buffer.alloc(0) });
    const theirs: Buffer = MemberMetadata.encode({ version: 0, topics: ['orders', 'päyments'] });
    assert.deepStrictEqual(ours, theirs);
    const decoded = decodeSubscription(theirs);
    assert.deepStrictEqual(decoded.topics, ['orders', 'päyments']);
    assert.deepStrictEqual(decoded.userData, Buffer.alloc(0));
  });

  it('a v1 subscription carries owned partitions after userData; kafkajs still reads its topics', () => {
    const buf = encodeSubscription({
      version: 1,
      topics: ['t'],
      userData: null,
      ownedPartitions: [{ topic: 't', partitions: [0, 3] }],
    });
    // version, [topics], userData=-1, [ownedPartitions]
    const expected = Buffer.from(
      '0001' +
        '00000001' +
        '0001' +
        '74' +
        'ffffffff' +
        '00000001' +
        '0001' +
        '74' +
        '00000002' +
        '00000000' +
        '00000003',
      'hex',
    );
    assert.deepStrictEqual(buf, expected);
    assert.deepStrictEqual(decodeSubscription(buf), {
      version: 1,
      topics: ['t'],
      userData: null,
      ownedPartitions: [{ topic: 't', partitions: [0, 3] }],
    });
    assert.deepStrictEqual(MemberMetadata.decode(buf).topics, ['t']);
  });

  it('an assignment is byte-for-byte what kafkajs encodes and both sides decode each other', () => {
    const ours = encodeAssignment({
      version: 0,
      assignedPartitions: [
        { topic: 'a', partitions: [0, 2] },
        { topic: 'b', partitions: [1] },
      ],
      userData: Buffer.alloc(0),
    });
    const theirs: Buffer = MemberAssignment.encode({ version: 0, assignment: { a: [0, 2], b: [1] } });
    assert.deepStrictEqual(ours, theirs);
    assert.deepStrictEqual(
      MemberAssignment.decode(encodeAssignment({ assignedPartitions: [{ topic: 'x', partitions: [5] }] })).assignment,
      { x: [5] },
    );
    assert.deepStrictEqual(decodeAssignment(theirs).assignedPartitions, [
      { topic: 'a', partitions: [0, 2] },
      { topic: 'b', partitions: [1] },
    ]);
  });

  it('an empty assignment buffer decodes to nothing; a truncated one is an error naming the problem', () => {
    assert.deepStrictEqual(decodeAssignment(Buffer.alloc(0)).assignedPartitions, []);
    const good = encodeAssignment({ assignedPartitions: [{ topic: 'topic', partitions: [1, 2, 3] }] });
    assert.throws(() => decodeAssignment(good.subarray(0, good.length - 9)), /consumer assignment is truncated/);
  });
});

describe('assignors', () => {
  it("range: per topic, contiguous ranges with the first members getting the extra partitions (Kafka's example)", () => {
    const plan = rangeAssignor(
      [member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])],
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    assert.deepStrictEqual(flat(plan), { c0: ['t0-0', 't0-1', 't1-0', 't1-1'], c1: ['t0-2', 't1-2'] });
  });

  it('roundrobin: partitions of all topics dealt in turn across members sorted by id', () => {
    const plan = roundRobinAssignor(
      [member('c1', ['t0', 't1']), member('c0', ['t0', 't1'])],
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    assert.deepStrictEqual(flat(plan), { c0: ['t0-0', 't0-2', 't1-1'], c1: ['t0-1', 't1-0', 't1-2'] });
  });

  it('roundrobin skips members not subscribed to a topic', () => {
    const plan = roundRobinAssignor(
      [member('a', ['x']), member('b', ['x', 'y'])],
      new Map([
        ['x', 2],
        ['y', 2],
      ]),
    );
    assert.deepStrictEqual(flat(plan), { a: ['x-0'], b: ['x-1', 'y-0', 'y-1'] });
  });

  it('members beyond the partition count get nothing and still appear in the plan', () => {
    for (const assignor of [rangeAssignor, roundRobinAssignor, stickyAssignor]) {
      const plan = assignor([member('a', ['t']), member('b', ['t']), member('c', ['t'])], new Map([['t', 2]]));
      const f = flat(plan);
      assert.deepStrictEqual(Object.keys(f).sort(), ['a', 'b', 'c']);
      assert.deepStrictEqual(Object.values(f).flat().sort(), ['t-0', 't-1']);
      assert.strictEqual(Object.values(f).filter((ps) => ps.length === 0).length, 1);
    }
  });

  it('a topic that does not exist is skipped', () => {
    assert.deepStrictEqual(flat(rangeAssignor([member('a', ['missing'])], new Map())), { a: [] });
  });

  it('cooperative-sticky keeps owned partitions where it can and gives the rest to the least loaded', () => {
    const counts = new Map([['t', 6]]);
    const before = [
      member('a', ['t'], [{ topic: 't', partitions: [0, 1, 2] }]),
      member('b', ['t'], [{ topic: 't', partitions: [3, 4, 5] }]),
      member('c', ['t']),
    ];
    const f = flat(stickyAssignor(before, counts));
    assert.deepStrictEqual(f.a.slice(0, 2), ['t-0', 't-1']);
    assert.deepStrictEqual(f.b.slice(0, 2), ['t-3', 't-4']);
    assert.deepStrictEqual(f.c, ['t-2', 't-5']);
    // A partition claimed by two members goes to only one of them.
    const f2 = flat(
      stickyAssignor(
        [member('a', ['t'], [{ topic: 't', partitions: [0] }]), member('b', ['t'], [{ topic: 't', partitions: [0] }])],
        new Map([['t', 2]]),
      ),
    );
    assert.deepStrictEqual([...f2.a, ...f2.b].sort(), ['t-0', 't-1']);
  });

  it('every assignor gives each partition to exactly one member across many shapes', () => {
    for (const assignor of [rangeAssignor, roundRobinAssignor, stickyAssignor]) {
      for (let members = 1; members <= 7; members++) {
        for (let partitions = 1; partitions <= 9; partitions++) {
          const ms = Array.from({ length: members }, (_, i) =>
            member(`m${i}`, ['t', 'u'], i % 2 ? [{ topic: 't', partitions: [i, i + 1] }] : []),
          );
          const f = flat(
            assignor(
              ms,
              new Map([
                ['t', partitions],
                ['u', 2],
              ]),
            ),
          );
          const all = Object.values(f).flat();
          assert.strictEqual(new Set(all).size, all.length, 'no partition twice');
          assert.strictEqual(all.length, partitions + 2, 'every partition assigned');
        }
      }
    }
  });
});
