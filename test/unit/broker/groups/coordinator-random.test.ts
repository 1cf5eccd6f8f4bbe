/**
 * A seeded randomized run of the coordinator: simulated clients (heartbeating on the fake clock, rejoining when told
 * to, the leader assigning with the range assignor) join, leave and die at random; after every step the group's
 * invariants are checked, and once the dust settles every partition has exactly one owner among the live members.
 */
import * as assert from 'assert';
import type { GroupCoordinator } from '../../../../src/broker/api';
import type { FakeClock, TimerHandle } from '../../../../src/broker/clock';
import { ErrorCode } from '../../../../src/broker/errors';
import {
  decodeAssignment,
  decodeSubscription,
  encodeSubscription,
  planToAssignments,
  rangeAssignor,
} from '../../../../src/broker/groups/consumer-protocol';
import { harness, joinRequest, rng, settle } from './helpers';

const PARTITIONS = 6;
const SESSION = 3000;
const REBALANCE = 5000;
const HEARTBEAT = 1000;

class SimClient {
  memberId = '';
  generation = -1;
  owned: number[] = [];
  alive = true;
  private timer?: TimerHandle;
  private joining = false;

  constructor(
    readonly name: string,
    private readonly coord: GroupCoordinator,
    private readonly clock: FakeClock,
  ) {}

  async join(): Promise<void> {
    if (this.joining || !this.alive) return;
    this.joining = true;
    this.owned = [];
    this.clock.clearTimeout(this.timer);
    try {
      for (let i = 0; i < 20 && this.alive; i++) {
        const r = await this.coord.join(
          joinRequest({
            memberId: this.memberId,
            clientId: this.name,
            sessionTimeoutMs: SESSION,
            rebalanceTimeoutMs: REBALANCE,
            protocols: [{ name: 'range', metadata: encodeSubscription({ topics: ['t'] }) }],
          }),
        );
        if (!this.alive) return;
        if (r.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
          this.memberId = r.memberId;
          continue;
        }
        if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
          this.memberId = '';
          continue;
        }
        if (r.errorCode !== ErrorCode.NONE) continue;
        const assignments =
          r.leader === r.memberId
            ? planToAssignments(
                rangeAssignor(
                  r.members.map((m) => ({ memberId: m.memberId, subscription: decodeSubscription(m.metadata) })),
                  new Map([['t', PARTITIONS]]),
                ),
              )
            : [];
        const s = await this.coord.sync({
          groupId: 'g',
          generationId: r.generationId,
          memberId: r.memberId,
          groupInstanceId: null,
          protocolType: 'consumer',
          protocolName: r.protocolName,
          assignments,
        });
        if (!this.alive) return;
        if (s.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
          this.memberId = '';
          continue;
        }
        if (s.errorCode !== ErrorCode.NONE) continue;
        this.generation = r.generationId;
        this.owned = decodeAssignment(s.assignment).assignedPartitions.flatMap((tp) => tp.partitions);
        this.scheduleHeartbeat();
        return;
      }
    } finally {
      this.joining = false;
    }
  }

  private scheduleHeartbeat(): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.alive) return;
      const code = this.coord.heartbeat('g', this.generation, this.memberId).errorCode;
      if (code === ErrorCode.NONE) this.scheduleHeartbeat();
      else {
        if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        void this.join();
      }
    }, HEARTBEAT);
  }

  leave(): void {
    this.alive = false;
    this.clock.clearTimeout(this.timer);
    if (this.memberId) this.coord.leave('g', [{ memberId: this.memberId, groupInstanceId: null }]);
  }

  die(): void {
    this.alive = false;
    this.clock.clearTimeout(this.timer);
  }
}

async function advance(clock: FakeClock, ms: number, step = 250): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

function checkInvariants(coord: GroupCoordinator, clients: SimClient[], step: string): void {
  const d = coord.describe('g');
  // Clients that believe they are in the current generation own disjoint partitions.
  const current = clients.filter((c) => c.alive && c.generation === d.generationId && c.owned.length > 0);
  const seen = new Map<number, string>();
  for (const c of current) {
    for (const p of c.owned) {
      assert.ok(
        !seen.has(p),
        `${step}: partition ${p} owned by both ${seen.get(p)} and ${c.name} in generation ${d.generationId}`,
      );
      seen.set(p, c.name);
    }
  }
  // The coordinator's view never gives a partition to two members.
  const coordSeen = new Set<number>();
  for (const m of d.members) {
    for (const a of m.assignedPartitions) {
      for (const p of a.partitions) {
        assert.ok(!coordSeen.has(p), `${step}: the coordinator lists partition ${p} twice`);
        coordSeen.add(p);
      }
    }
  }
  // A client of an older generation cannot commit.
  for (const c of clients) {
    if (c.alive && c.generation >= 0 && c.generation !== d.generationId && c.memberId) {
      assert.notStrictEqual(
        coord.validateCommit('g', c.generation, c.memberId),
        ErrorCode.NONE,
        `${step}: ${c.name} of generation ${c.generation} could commit`,
      );
    }
  }
}

describe('group coordinator: randomized membership changes (seeded)', () => {
  for (const seed of [11, 42, 2024]) {
    it(`seed ${seed}: after every join, leave and death a partition has at most one owner, and once settled exactly one among the live members`, async function () {
      this.timeout(20000);
      const { clock, coord } = harness(0);
      const random = rng(seed);
      const clients: SimClient[] = [];
      let n = 0;
      for (let step = 0; step < 30; step++) {
        const live = clients.filter((c) => c.alive);
        const roll = random();
        let what: string;
        if (live.length === 0 || roll < 0.45) {
          const c = new SimClient(`c${n++}`, coord, clock);
          clients.push(c);
          void c.join();
          what = `${c.name} joins`;
        } else if (roll < 0.7) {
          const c = live[Math.floor(random() * live.length)];
          c.leave();
          what = `${c.name} leaves`;
        } else {
          const c = live[Math.floor(random() * live.length)];
          c.die();
          what = `${c.name} dies`;
        }
        // Let a random amount of time pass, checking as it goes.
        const wait = Math.floor(random() * 4) * 500;
        for (let t = 0; t <= wait; t += 500) {
          await settle();
          checkInvariants(coord, clients, `step ${step} (${what})`);
          clock.advance(500);
        }
      }
      // Settle: longer than the session and rebalance timeouts together.
      await advance(clock, SESSION + REBALANCE + 4 * HEARTBEAT);
      const live = clients.filter((c) => c.alive);
      const d = coord.describe('g');
      checkInvariants(coord, clients, 'settled');
      if (live.length === 0) {
        assert.strictEqual(d.state, 'Empty');
        return;
      }
      assert.strictEqual(d.state, 'Stable', `settled state with ${live.length} live members`);
      assert.deepStrictEqual(
        d.members.map((m) => m.memberId).sort(),
        live.map((c) => c.memberId).sort(),
        'members are exactly the live clients',
      );
      const owners = new Map<number, number>();
      for (const c of live) {
        assert.strictEqual(c.generation, d.generationId);
        for (const p of c.owned) owners.set(p, (owners.get(p) ?? 0) + 1);
      }
      for (let p = 0; p < PARTITIONS; p++) assert.strictEqual(owners.get(p), 1, `partition ${p} has exactly one owner`);
      const counts = live.map((c) => c.owned.length);
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `balanced: ${counts}`);
      if (live.length > PARTITIONS)
        assert.strictEqual(
          counts.filter((x) => x === 0).length,
          live.length - PARTITIONS,
          'members beyond the partition count are idle',
        );
      for (const c of clients) c.die();
      coord.close();
    });
  }
});
