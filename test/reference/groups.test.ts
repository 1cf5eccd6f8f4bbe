/**
 * Reference tier, consumer groups (classic protocol): JoinGroup/SyncGroup/Heartbeat with one and two members,
 * generations and states in DescribeGroups, the fencing errors (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS), OffsetCommit/OffsetFetch/OffsetDelete, ListGroups and DeleteGroups answer the same on
 * Apache Kafka and on Kafka Lite. Each member has its own connection (a parked JoinGroup holds its connection).
 */
import { API } from './wire';
import type { Msg, WireClient } from './wire';
import {
  commitOffsets,
  describeGroups,
  fetchOffsets,
  heartbeat,
  joinGroup,
  joinNew,
  scenario,
  sleep,
  syncGroup,
  topic,
  V,
  type Ctx,
} from './harness';

const ASSIGNMENT = Buffer.from([0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]); // v0, no partitions, null user data

/** One member joined and synced: generation 1, Stable. */
async function stableOne(
  ctx: Ctx,
  group: string,
  t: string,
): Promise<{ a: WireClient; memberId: string; gen: number; join: Msg }> {
  const a = await ctx.connect('member-a');
  const { joined } = await joinNew(a, group, [t]);
  await syncGroup(a, group, joined.generationId, joined.memberId, [
    { memberId: joined.memberId, assignment: ASSIGNMENT },
  ]);
  return { a, memberId: joined.memberId, gen: joined.generationId, join: joined };
}

/** A second member's join parks the group in PreparingRebalance until A rejoins; resolves once it is parked. */
async function secondJoinParked(ctx: Ctx, group: string, t: string) {
  const b = await ctx.connect('member-b');
  const bFirst = await joinGroup(b, group, '', [t]);
  const bJoin = joinGroup(b, group, bFirst.memberId, [t]);
  const probe = await ctx.connect();
  for (let i = 0; i < 100; i++) {
    const d = await describeGroups(probe, [group]);
    if (d.groups[0].groupState === 'PreparingRebalance') break;
    await sleep(20);
  }
  return { b, bFirst, bJoin };
}

describe('reference: groups', () => {
  scenario('FindCoordinator: the group coordinator is the broker itself', async ({ c, name }) => {
    return c.request(API.FindCoordinator, V.FindCoordinator, { key: name('g'), keyType: 0 });
  });

  scenario(
    'JoinGroup: a new member without an id answers MEMBER_ID_REQUIRED, then joins as leader of generation 1',
    async (ctx) => {
      const t = await topic(ctx.c, ctx.name('topic'));
      return joinNew(ctx.c, ctx.name('g'), [t]);
    },
  );

  scenario('DescribeGroups: after the join and before the sync the group is CompletingRebalance', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const m = await ctx.connect('member-a');
    await joinNew(m, g, [t]);
    return describeGroups(ctx.c, [g]);
  });

  scenario('SyncGroup: the leader\u2019s assignment comes back and the group is Stable', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const a = await ctx.connect('member-a');
    const { joined } = await joinNew(a, g, [t]);
    const sync = await syncGroup(a, g, joined.generationId, joined.memberId, [
      { memberId: joined.memberId, assignment: ASSIGNMENT },
    ]);
    return { sync, described: await describeGroups(ctx.c, [g]) };
  });

  scenario('Heartbeat: a stable member gets no error', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    return heartbeat(s.a, g, s.gen, s.memberId);
  });

  scenario('Heartbeat: a wrong generation answers ILLEGAL_GENERATION', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    return heartbeat(s.a, g, s.gen + 5, s.memberId);
  });

  scenario('Heartbeat: an unknown member answers UNKNOWN_MEMBER_ID', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    return heartbeat(s.a, g, s.gen, 'someone-else');
  });

  scenario('Heartbeat: a group that does not exist answers UNKNOWN_MEMBER_ID', async (ctx) => {
    return heartbeat(ctx.c, ctx.name('g'), 1, 'nobody');
  });

  scenario('SyncGroup: a wrong generation answers ILLEGAL_GENERATION', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const a = await ctx.connect('member-a');
    const { joined } = await joinNew(a, g, [t]);
    return syncGroup(a, g, joined.generationId + 1, joined.memberId, []);
  });

  scenario(
    'Two members: a second join makes the first see REBALANCE_IN_PROGRESS, and both rejoin as generation 2',
    async (ctx) => {
      const t = await topic(ctx.c, ctx.name('topic'));
      const g = ctx.name('g');
      const s = await stableOne(ctx, g, t);
      const { bJoin } = await secondJoinParked(ctx, g, t);
      const hb = await heartbeat(s.a, g, s.gen, s.memberId);
      const preparing = await describeGroups(ctx.c, [g]);
      const aJoin = await joinGroup(s.a, g, s.memberId, [t]);
      const bJoined = await bJoin;
      const completing = await describeGroups(ctx.c, [g]);
      const members = aJoin.members.map((m: Msg) => m.memberId);
      const aSync = await syncGroup(
        s.a,
        g,
        aJoin.generationId,
        s.memberId,
        members.map((memberId: string) => ({ memberId, assignment: ASSIGNMENT })),
      );
      return {
        hb,
        preparingState: preparing.groups[0].groupState,
        aJoin: { ...aJoin, members: aJoin.members.length },
        bJoined,
        completingState: completing.groups[0].groupState,
        aSync,
      };
    },
  );

  scenario('Two members: the follower\u2019s SyncGroup gets the assignment the leader sent for it', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    const { b, bJoin } = await secondJoinParked(ctx, g, t);
    await heartbeat(s.a, g, s.gen, s.memberId);
    const aJoin = await joinGroup(s.a, g, s.memberId, [t]);
    const bJoined = await bJoin;
    const bSync = syncGroup(b, g, bJoined.generationId, bJoined.memberId, []);
    const forB = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    await syncGroup(s.a, g, aJoin.generationId, s.memberId, [
      { memberId: s.memberId, assignment: ASSIGNMENT },
      { memberId: bJoined.memberId, assignment: forB },
    ]);
    return { bSync: await bSync, described: await describeGroups(ctx.c, [g]) };
  });

  scenario(
    'OffsetCommit: during a rebalance the old generation answers REBALANCE_IN_PROGRESS or is accepted as Kafka does',
    async (ctx) => {
      const t = await topic(ctx.c, ctx.name('topic'));
      const g = ctx.name('g');
      const s = await stableOne(ctx, g, t);
      const { bJoin } = await secondJoinParked(ctx, g, t);
      const commit = await commitOffsets(s.a, g, s.gen, s.memberId, t, [[0, 3]]);
      await joinGroup(s.a, g, s.memberId, [t]);
      await bJoin;
      return commit;
    },
  );

  scenario('OffsetCommit: in CompletingRebalance answers REBALANCE_IN_PROGRESS', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const a = await ctx.connect('member-a');
    const { joined } = await joinNew(a, g, [t]);
    return commitOffsets(a, g, joined.generationId, joined.memberId, t, [[0, 1]]);
  });

  scenario('OffsetCommit: a stale generation answers ILLEGAL_GENERATION', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    return commitOffsets(s.a, g, s.gen + 3, s.memberId, t, [[0, 1]]);
  });

  scenario('OffsetCommit: an unknown member of an active group answers UNKNOWN_MEMBER_ID', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    return commitOffsets(s.a, g, s.gen, 'not-a-member', t, [[0, 1]]);
  });

  scenario('OffsetCommit and OffsetFetch: a stable member commits and reads back', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'), 2);
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    const commit = await commitOffsets(s.a, g, s.gen, s.memberId, t, [
      [0, 5],
      [1, 7],
    ]);
    return { commit, fetched: await fetchOffsets(ctx.c, g, [{ name: t, partitions: [0, 1] }]) };
  });

  scenario('OffsetCommit: a standalone commit (generation -1, no member) creates an empty group', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const commit = await commitOffsets(ctx.c, g, -1, '', t, [[0, 2]]);
    return {
      commit,
      fetched: await fetchOffsets(ctx.c, g, [{ name: t, partitions: [0] }]),
      described: await describeGroups(ctx.c, [g]),
    };
  });

  scenario('OffsetFetch: partitions without a commit answer offset -1', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'), 2);
    const g = ctx.name('g');
    await commitOffsets(ctx.c, g, -1, '', t, [[0, 2]]);
    return fetchOffsets(ctx.c, g, [{ name: t, partitions: [0, 1] }]);
  });

  scenario('OffsetFetch: all topics (null) of a group', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'), 2);
    const u = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    await commitOffsets(ctx.c, g, -1, '', t, [[1, 4]]);
    await commitOffsets(ctx.c, g, -1, '', u, [[0, 9]]);
    return fetchOffsets(ctx.c, g, null);
  });

  scenario('OffsetFetch: a group that does not exist answers offset -1', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    return fetchOffsets(ctx.c, ctx.name('g'), [{ name: t, partitions: [0] }]);
  });

  scenario('OffsetDelete: on an empty group removes the commit', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    await commitOffsets(ctx.c, g, -1, '', t, [[0, 2]]);
    const del = await ctx.c.request(API.OffsetDelete, V.OffsetDelete, {
      groupId: g,
      topics: [{ name: t, partitions: [{ partitionIndex: 0 }] }],
    });
    return { del, fetched: await fetchOffsets(ctx.c, g, [{ name: t, partitions: [0] }]) };
  });

  scenario('OffsetDelete: a topic the active group subscribes to answers GROUP_SUBSCRIBED_TO_TOPIC', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    await commitOffsets(s.a, g, s.gen, s.memberId, t, [[0, 1]]);
    return ctx.c.request(API.OffsetDelete, V.OffsetDelete, {
      groupId: g,
      topics: [{ name: t, partitions: [{ partitionIndex: 0 }] }],
    });
  });

  scenario('OffsetDelete: a group that does not exist answers GROUP_ID_NOT_FOUND', async (ctx) => {
    return ctx.c.request(API.OffsetDelete, V.OffsetDelete, {
      groupId: ctx.name('g'),
      topics: [{ name: 'x', partitions: [{ partitionIndex: 0 }] }],
    });
  });

  scenario('DescribeGroups: a group that does not exist is Dead', async (ctx) => {
    return describeGroups(ctx.c, [ctx.name('g')]);
  });

  scenario('LeaveGroup: the last member leaving makes the group Empty', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    const s = await stableOne(ctx, g, t);
    const left = await s.a.request(API.LeaveGroup, V.LeaveGroup, {
      groupId: g,
      members: [{ memberId: s.memberId, groupInstanceId: null }],
    });
    return { left, described: await describeGroups(ctx.c, [g]) };
  });

  scenario('LeaveGroup: an unknown member answers UNKNOWN_MEMBER_ID for that member', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g = ctx.name('g');
    await stableOne(ctx, g, t);
    return ctx.c.request(API.LeaveGroup, V.LeaveGroup, {
      groupId: g,
      members: [{ memberId: 'ghost', groupInstanceId: null }],
    });
  });

  scenario('LeaveGroup: a group that does not exist', async (ctx) => {
    return ctx.c.request(API.LeaveGroup, V.LeaveGroup, {
      groupId: ctx.name('g'),
      members: [{ memberId: 'ghost', groupInstanceId: null }],
    });
  });

  scenario('JoinGroup: a session timeout below the broker minimum answers INVALID_SESSION_TIMEOUT', async (ctx) => {
    return joinGroup(ctx.c, ctx.name('g'), '', ['t'], { sessionTimeoutMs: 0 });
  });

  scenario('JoinGroup: a 10 ms session timeout (below Kafka\u2019s 6 s minimum)', async (ctx) => {
    return joinGroup(ctx.c, ctx.name('g'), '', ['t'], { sessionTimeoutMs: 10 });
  });

  scenario(
    'JoinGroup: a protocol the group\u2019s members do not share answers INCONSISTENT_GROUP_PROTOCOL',
    async (ctx) => {
      const t = await topic(ctx.c, ctx.name('topic'));
      const g = ctx.name('g');
      await stableOne(ctx, g, t);
      const b = await ctx.connect('member-b');
      return joinGroup(b, g, '', [t], { protocolName: 'roundrobin' });
    },
  );

  scenario('ListGroups: lists the groups with their protocol type', async (ctx) => {
    const t = await topic(ctx.c, ctx.name('topic'));
    const g1 = ctx.name('g');
    const g2 = ctx.name('g');
    await stableOne(ctx, g1, t);
    await commitOffsets(ctx.c, g2, -1, '', t, [[0, 1]]);
    const r = await ctx.c.request(API.ListGroups, V.ListGroups, {});
    return { errorCode: r.errorCode, ours: r.groups.filter((x: Msg) => x.groupId === g1 || x.groupId === g2) };
  });

  scenario(
    'DeleteGroups: a group with a member answers NON_EMPTY_GROUP; empty and unknown groups as Kafka does',
    async (ctx) => {
      const t = await topic(ctx.c, ctx.name('topic'));
      const active = ctx.name('g');
      const empty = ctx.name('g');
      await stableOne(ctx, active, t);
      await commitOffsets(ctx.c, empty, -1, '', t, [[0, 1]]);
      const r = await ctx.c.request(API.DeleteGroups, V.DeleteGroups, {
        groupsNames: [active, empty, ctx.name('none')],
      });
      return { r, emptyAfter: await describeGroups(ctx.c, [empty]) };
    },
  );
});
