import * as assert from 'assert';
import {
  ASSIGNORS,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  planToAssignments,
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

describe('consumer protocol: decoding what other clients send', () => {
  it('a v0 subscription without userData decodes with null userData and no owned partitions', () => {
    // version 0, topics ["a"], and nothing after: an old client may stop there
    const buf = Buffer.from('0000' + '00000001' + '000161', 'hex');
    assert.deepStrictEqual(decodeSubscription(buf), { version: 0, topics: ['a'], userData: null, ownedPartitions: [] });
  });

  it('a v0 subscription with trailing bytes keeps its topics and reads no owned partitions', () => {
    const v0 = encodeSubscription({ version: 0, topics: ['a'], userData: Buffer.from([9]) });
    const padded = Buffer.concat([v0, Buffer.from('00000001000162000000010000000', 'hex').subarray(0, 12)]);
    const s = decodeSubscription(padded);
    assert.deepStrictEqual([s.version, s.topics, s.userData, s.ownedPartitions], [0, ['a'], Buffer.from([9]), []]);
  });

  it('a v1 subscription that stops after userData has no owned partitions; one of a newer version keeps them', () => {
    const v1 = encodeSubscription({ version: 1, topics: ['a'], userData: null });
    assert.deepStrictEqual(decodeSubscription(v1.subarray(0, v1.length - 4)).ownedPartitions, []);
    const v3 = encodeSubscription({ version: 3, topics: ['a'], ownedPartitions: [{ topic: 'a', partitions: [2] }] });
    assert.deepStrictEqual(decodeSubscription(Buffer.concat([v3, Buffer.from('0000000700', 'hex')])).ownedPartitions, [
      { topic: 'a', partitions: [2] },
    ]);
  });

  it('encodeSubscription writes version 1 with null userData unless told otherwise', () => {
    assert.strictEqual(
      encodeSubscription({ topics: ['a'] }).toString('hex'),
      '0001' + '00000001' + '000161' + 'ffffffff' + '00000000',
    );
    assert.strictEqual(
      encodeSubscription({ version: 0, topics: [], userData: Buffer.from([1]) }).toString('hex'),
      '0000' + '00000000' + '0000000101',
    );
  });

  it('negative string, bytes and array lengths read as empty, null and none', () => {
    // version 0, topics: 1 item with length -1 (null string), then userData [7]
    const s = decodeSubscription(Buffer.from('0000' + '00000001' + 'ffff' + '0000000107', 'hex'));
    assert.deepStrictEqual([s.topics, s.userData], [[''], Buffer.from([7])]);
    const n = decodeSubscription(Buffer.from('0000' + '00000001' + 'ffff' + 'ffffffff', 'hex'));
    assert.deepStrictEqual([n.topics, n.userData], [[''], null]);
    const a = decodeAssignment(Buffer.from('0000' + 'ffffffff' + 'ffffffff', 'hex'));
    assert.deepStrictEqual(a, { version: 0, assignedPartitions: [], userData: null });
  });

  it('a v1 subscription with userData and owned partitions reads both back', () => {
    const buf = encodeSubscription({
      version: 1,
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2, 3]),
      ownedPartitions: [{ topic: 'a', partitions: [0, 4] }],
    });
    assert.deepStrictEqual(decodeSubscription(buf), {
      version: 1,
      topics: ['a', 'b'],
      userData: Buffer.from([1, 2, 3]),
      ownedPartitions: [{ topic: 'a', partitions: [0, 4] }],
    });
  });

  it('empty userData (length 0, as kafkajs writes it) decodes as empty, not null', () => {
    const a = encodeAssignment({ assignedPartitions: [], userData: Buffer.alloc(0) });
    assert.deepStrictEqual(decodeAssignment(a).userData, Buffer.alloc(0));
  });

  it('an assignment without userData decodes with null; its userData is a copy, not a view', () => {
    const withData = encodeAssignment({
      assignedPartitions: [{ topic: 't', partitions: [0] }],
      userData: Buffer.from([5, 6]),
    });
    const a = decodeAssignment(withData);
    assert.deepStrictEqual(a.userData, Buffer.from([5, 6]));
    withData[withData.length - 1] = 0;
    assert.deepStrictEqual(a.userData, Buffer.from([5, 6]), 'changing the frame does not change the decoded value');
    const noData = withData.subarray(0, withData.length - 6);
    assert.strictEqual(decodeAssignment(noData).userData, null);
    assert.deepStrictEqual(decodeAssignment(noData).assignedPartitions, [{ topic: 't', partitions: [0] }]);
  });

  it('a count that cannot fit in the bytes left, or a cut string, is an error naming where', () => {
    assert.throws(
      () => decodeSubscription(Buffer.from('0000' + '00000009' + '0000', 'hex')),
      /^Error: consumer subscription: array of 9 items cannot fit in 2 byte\(s\)$/,
    );
    assert.throws(
      () => decodeSubscription(Buffer.from('0000' + '00000001' + '0005' + '6162', 'hex')),
      /^Error: consumer subscription is truncated: needed 5 byte\(s\) at position 8 of 10$/,
    );
    assert.throws(
      () => decodeAssignment(Buffer.from('0000' + '00000001' + '000174' + '00000001' + '0000', 'hex')),
      /consumer assignment is truncated: needed 4 byte\(s\) at position 13 of 15/,
    );
  });
});

describe('assignors: who is eligible and what is kept', () => {
  it('range gives a topic only to the members subscribed to it', () => {
    const plan = rangeAssignor(
      [member('a', ['x']), member('b', ['x', 'y']), member('c', ['y'])],
      new Map([
        ['x', 3],
        ['y', 3],
      ]),
    );
    assert.deepStrictEqual(flat(plan), { a: ['x-0', 'x-1'], b: ['x-2', 'y-0', 'y-1'], c: ['y-2'] });
  });

  it('range sorts members by id whatever order they joined in, and the plan lists them in that order', () => {
    const plan = rangeAssignor([member('c', ['x']), member('a', ['x']), member('b', ['x'])], new Map([['x', 4]]));
    assert.deepStrictEqual(flat(plan), { a: ['x-0', 'x-1'], b: ['x-2'], c: ['x-3'] });
    assert.deepStrictEqual([...plan.keys()], ['a', 'b', 'c']);
  });

  it('roundrobin and cooperative-sticky deal topics in name order, whatever order a subscription lists them in', () => {
    const counts = new Map([
      ['t0', 1],
      ['t1', 2],
    ]);
    const members = [member('a', ['t1', 't0']), member('b', ['t1', 't0'])];
    assert.deepStrictEqual(flat(roundRobinAssignor(members, counts)), { a: ['t0-0', 't1-1'], b: ['t1-0'] });
    assert.deepStrictEqual(flat(stickyAssignor(members, counts)), { a: ['t0-0', 't1-1'], b: ['t1-0'] });
  });

  it('cooperative-sticky keeps the lowest owned partitions when it keeps only a share, and sorts what it gives', () => {
    const kept = stickyAssignor(
      [member('a', ['t'], [{ topic: 't', partitions: [3, 2, 1, 0] }]), member('b', ['t'])],
      new Map([['t', 4]]),
    );
    assert.deepStrictEqual(flat(kept), { a: ['t-0', 't-1'], b: ['t-2', 't-3'] });
    const mixed = stickyAssignor(
      [member('a', ['t'], [{ topic: 't', partitions: [3] }]), member('b', ['t'])],
      new Map([['t', 4]]),
    );
    assert.deepStrictEqual(flat(mixed), { a: ['t-1', 't-3'], b: ['t-0', 't-2'] });
  });

  it('cooperative-sticky ignores owned partitions that no longer exist or that the member no longer subscribes to', () => {
    const plan = stickyAssignor(
      [
        member(
          'a',
          ['t'],
          [
            { topic: 't', partitions: [7, -1, 1] },
            { topic: 'u', partitions: [0] },
            { topic: 'gone', partitions: [0] },
          ],
        ),
        member('b', ['t', 'u']),
      ],
      new Map([
        ['t', 2],
        ['u', 1],
      ]),
    );
    assert.deepStrictEqual(flat(plan), { a: ['t-1'], b: ['t-0', 'u-0'] });
  });

  it('cooperative-sticky keeps no more than a fair share of what a member owned', () => {
    const plan = stickyAssignor(
      [member('a', ['t'], [{ topic: 't', partitions: [0, 1, 2, 3] }]), member('b', ['t'])],
      new Map([['t', 4]]),
    );
    assert.deepStrictEqual(flat(plan), { a: ['t-0', 't-1'], b: ['t-2', 't-3'] });
  });

  it('cooperative-sticky gives a free partition to the least loaded member, the first by id on a tie', () => {
    const plan = stickyAssignor(
      [member('b', ['t']), member('a', ['t'], [{ topic: 't', partitions: [0] }]), member('c', ['t'])],
      new Map([['t', 4]]),
    );
    assert.deepStrictEqual(flat(plan), { a: ['t-0', 't-3'], b: ['t-1'], c: ['t-2'] });
  });

  it("the plan encodes each member's topics in name order, partitions sorted", () => {
    const plan: AssignmentPlan = new Map([
      [
        'm',
        new Map([
          ['zeta', [1, 0]],
          ['alpha', [3]],
        ]),
      ],
      ['n', new Map()],
    ]);
    const out = planToAssignments(plan);
    assert.deepStrictEqual(
      out.map((o) => [o.memberId, decodeAssignment(o.assignment).assignedPartitions]),
      [
        [
          'm',
          [
            { topic: 'alpha', partitions: [3] },
            { topic: 'zeta', partitions: [1, 0] },
          ],
        ],
        ['n', []],
      ],
    );
  });

  it("the protocol names the in-process members offer map to the assignors, kafkajs's default included", () => {
    assert.strictEqual(ASSIGNORS.range, rangeAssignor);
    assert.strictEqual(ASSIGNORS.roundrobin, roundRobinAssignor);
    assert.strictEqual(ASSIGNORS['cooperative-sticky'], stickyAssignor);
    assert.strictEqual(ASSIGNORS.RoundRobinAssigner, roundRobinAssignor);
  });
});
