/**
 * The group coordinator: Kafka's classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup)
 * run in memory on an injected clock.
 *
 * Owns: every group's state machine (Empty -> PreparingRebalance -> CompletingRebalance -> Stable, Dead when
 * deleted), its generation, members, leader, chosen protocol, the assignments the leader handed out, the parked
 * JoinGroup/SyncGroup calls and every timer (session expiry, rebalance timeout, initial rebalance delay).
 *
 * Guarantees (Kafka's rules):
 *  - a rebalance completes when every known member has rejoined, or when the rebalance timeout (the largest of
 *    the members') expires; members that did not rejoin are then removed; the first rebalance of an empty group
 *    waits initialRebalanceDelayMs (extended while new members keep arriving, bounded by the rebalance timeout);
 *  - the leader gets every member's metadata for the chosen protocol (the one all members support, most voted);
 *    followers' SyncGroup parks until the leader's arrives; each member gets exactly the bytes the leader gave it;
 *  - a member that neither heartbeats, joins nor syncs within its session timeout is removed and the group
 *    rebalances (members parked in JoinGroup/SyncGroup are kept alive, as in Kafka);
 *  - a rebalance that starts while members wait in SyncGroup answers them REBALANCE_IN_PROGRESS;
 *  - every state or generation change emits 'groupChanged'.
 * Static membership (group.instance.id): an instance that rejoins with an empty member id takes over its old
 * member id's place and assignment, without a rebalance when a Stable group's protocol would not change (its leader
 * is then told to skip the assignment); otherwise static members are handled like dynamic ones.
 *
 * Callers: Broker (broker.ts) only.
 */
import { randomUUID } from 'crypto';
import type { GroupCoordinator, GroupCoordinatorOptions } from '../api';
import type { TimerHandle } from '../clock';
import { ErrorCode } from '../errors';
import type {
  GroupDescription,
  GroupListing,
  GroupState,
  JoinGroupRequest,
  JoinGroupResult,
  SyncGroupRequest,
  SyncGroupResult,
} from '../types';
import { decodeAssignment } from './consumer-protocol';

/** Accepted session timeouts (Kafka's broker defaults are 6000..1800000; a local broker is permissive). */
export const MIN_SESSION_TIMEOUT_MS = 1;
export const MAX_SESSION_TIMEOUT_MS = 3_600_000;

interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: { name: string; metadata: Buffer }[];
  assignment: Buffer;
  joinWaiter?: (r: JoinGroupResult) => void;
  syncWaiter?: (r: SyncGroupResult) => void;
  sessionTimer?: TimerHandle;
}

interface Group {
  groupId: string;
  state: GroupState;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string | null;
  /** Insertion-ordered, like Kafka's member map (the first member becomes leader). */
  members: Map<string, Member>;
  /** Member ids handed out with MEMBER_ID_REQUIRED, not yet joined; each expires after its session timeout. */
  pending: Map<string, TimerHandle>;
  rebalanceTimer?: TimerHandle;
  /** True while the initial (delayed) rebalance of an empty group is running. */
  initialDelay: boolean;
  newMemberAdded: boolean;
  rebalanceDeadline: number;
}

export function createGroupCoordinator(opts: GroupCoordinatorOptions): GroupCoordinator {
  return new Coordinator(opts);
}

function joinError(errorCode: number, memberId: string): JoinGroupResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', memberId, members: [] };
}

/** Answer a member's parked JoinGroup and SyncGroup (if any) with an error; each waiter is answered once. */
function failWaiters(m: Member, errorCode: number): void {
  const jw = m.joinWaiter;
  const sw = m.syncWaiter;
  m.joinWaiter = undefined;
  m.syncWaiter = undefined;
  jw?.(joinError(errorCode, m.memberId));
  sw?.(syncError(errorCode));
}

function syncError(errorCode: number): SyncGroupResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

class Coordinator implements GroupCoordinator {
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(private readonly opts: GroupCoordinatorOptions) {}

  // ------------------------------------------------------------------ JoinGroup

  join(req: JoinGroupRequest): Promise<JoinGroupResult> {
    if (this.closed) return Promise.resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (!req.groupId) return Promise.resolve(joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (
      !Number.isFinite(req.sessionTimeoutMs) ||
      req.sessionTimeoutMs < MIN_SESSION_TIMEOUT_MS ||
      req.sessionTimeoutMs > MAX_SESSION_TIMEOUT_MS
    ) {
      return Promise.resolve(joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.groups.get(req.groupId);
    if (!group) {
      if (req.memberId !== '') return Promise.resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      group = {
        groupId: req.groupId,
        state: 'Empty',
        generationId: 0,
        protocolType: null,
        protocolName: null,
        leaderId: null,
        members: new Map(),
        pending: new Map(),
        initialDelay: false,
        newMemberAdded: false,
        rebalanceDeadline: 0,
      };
      this.groups.set(req.groupId, group);
    }
    const g = group;
    return new Promise<JoinGroupResult>((resolve) => {
      if (req.memberId === '') this.joinUnknownMember(g, req, resolve);
      else this.joinKnownMember(g, req, resolve);
      if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
    });
  }

  private joinUnknownMember(g: Group, req: JoinGroupRequest, resolve: (r: JoinGroupResult) => void): void {
    if (g.state === 'Dead') return resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, ''));
    const staticMember = req.groupInstanceId === null ? undefined : this.memberOfInstance(g, req.groupInstanceId);
    if (staticMember) return this.replaceStaticMember(g, staticMember, req, resolve);
    if (!this.supportsProtocols(g, req, null)) return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ''));
    const memberId = `${req.groupInstanceId ?? (req.clientId || 'member')}-${randomUUID()}`;
    // A static member (group.instance.id) joins at once: its instance id already names it, as in Kafka.
    if (req.requireKnownMemberId && req.groupInstanceId === null) {
      const timer = this.opts.clock.setTimeout(() => {
        g.pending.delete(memberId);
        if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
      }, req.sessionTimeoutMs);
      g.pending.set(memberId, timer);
      return resolve(joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId));
    }
    this.addMemberAndRebalance(g, memberId, req, resolve);
  }

  private memberOfInstance(g: Group, groupInstanceId: string): Member | undefined {
    for (const m of g.members.values()) if (m.groupInstanceId === groupInstanceId) return m;
    return undefined;
  }

  /**
   * Static membership: a member whose group.instance.id is already in the group rejoins with an empty member id
   * (a restarted process). Kafka's rule: the old member id is fenced (its parked calls get FENCED_INSTANCE_ID), the
   * new id takes its place and its assignment, and, when the protocol the group would choose is unchanged, the
   * group does not rebalance: a Stable group answers with the current generation at once (a leader that then
   * sends SyncGroup with a new plan gets the current assignment: a Stable group's SyncGroup ignores plans). Such a
   * leader's answer says skipAssignment (JoinGroup v9+), as Kafka's does.
   */
  private replaceStaticMember(
    g: Group,
    member: Member,
    req: JoinGroupRequest,
    resolve: (r: JoinGroupResult) => void,
  ): void {
    if (!this.supportsProtocols(g, req, member)) return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, ''));
    const oldId = member.memberId;
    const newId = `${req.groupInstanceId}-${randomUUID()}`;
    failWaiters(member, ErrorCode.FENCED_INSTANCE_ID);
    g.members = new Map([...g.members].map(([id, m]): [string, Member] => (id === oldId ? [newId, m] : [id, m])));
    member.memberId = newId;
    if (g.leaderId === oldId) g.leaderId = newId;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    this.opts.logger(
      'info',
      `group "${g.groupId}": static member ${req.groupInstanceId} rejoined as ${newId} (was ${oldId})`,
    );
    // Kafka compares the protocol the group would pick, not the metadata bytes: a restarted consumer's
    // subscription carries no owned partitions and no generation, which must not cost a rebalance.
    member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
    if (g.state === 'PreparingRebalance' || this.selectProtocol(g) !== g.protocolName) {
      return this.updateMemberAndRebalance(g, member, req, resolve);
    }
    this.touchSession(g, member);
    const result = this.joinResultFor(g, member);
    // The group keeps its assignment: a Stable group's leader gets the members (to know their subscriptions)
    // and is told not to run the assignor (JoinGroup v9's skipAssignment; older versions ignore it).
    if (g.state === 'Stable' && g.leaderId === member.memberId) result.skipAssignment = true;
    resolve(result);
  }

  private joinKnownMember(g: Group, req: JoinGroupRequest, resolve: (r: JoinGroupResult) => void): void {
    const pendingTimer = g.pending.get(req.memberId);
    if (pendingTimer) {
      if (!this.supportsProtocols(g, req, null))
        return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
      this.opts.clock.clearTimeout(pendingTimer);
      g.pending.delete(req.memberId);
      return this.addMemberAndRebalance(g, req.memberId, req, resolve);
    }
    const member = g.members.get(req.memberId);
    if (g.state === 'Dead') return resolve(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    if (req.groupInstanceId !== null) {
      const owner = this.memberOfInstance(g, req.groupInstanceId);
      if (owner && owner !== member) return resolve(joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId));
    }
    if (!member) return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    if (!this.supportsProtocols(g, req, member))
      return resolve(joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId));
    switch (g.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(g, member, req, resolve);
      case 'CompletingRebalance':
        if (sameProtocols(member, req)) {
          // A retried JoinGroup of the current generation: answer it again.
          this.touchSession(g, member);
          return resolve(this.joinResultFor(g, member));
        }
        return this.updateMemberAndRebalance(g, member, req, resolve);
      case 'Stable':
        if (g.leaderId === member.memberId || !sameProtocols(member, req)) {
          // The leader rejoining (e.g. its subscription changed) or new metadata: rebalance.
          return this.updateMemberAndRebalance(g, member, req, resolve);
        }
        this.touchSession(g, member);
        return resolve(this.joinResultFor(g, member));
      default:
        return resolve(joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
    }
  }

  private supportsProtocols(g: Group, req: JoinGroupRequest, self: Member | null): boolean {
    if (!req.protocolType || req.protocols.length === 0) return false;
    const others = [...g.members.values()].filter((m) => m !== self);
    if (others.length === 0) return true;
    if (g.protocolType !== null && g.protocolType !== req.protocolType) return false;
    return req.protocols.some((p) => others.every((m) => m.protocols.some((q) => q.name === p.name)));
  }

  private addMemberAndRebalance(
    g: Group,
    memberId: string,
    req: JoinGroupRequest,
    resolve: (r: JoinGroupResult) => void,
  ): void {
    const member: Member = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: req.clientId,
      clientHost: req.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
      assignment: Buffer.alloc(0),
      joinWaiter: resolve,
    };
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, member);
    if (g.leaderId === null) g.leaderId = memberId;
    g.newMemberAdded = true;
    this.touchSession(g, member);
    this.maybePrepareRebalance(g, `member ${memberId} joined`);
  }

  private updateMemberAndRebalance(
    g: Group,
    member: Member,
    req: JoinGroupRequest,
    resolve: (r: JoinGroupResult) => void,
  ): void {
    member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) }));
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;
    member.clientId = req.clientId;
    member.clientHost = req.clientHost;
    // A second JoinGroup while one is parked: the older call is superseded.
    member.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    member.joinWaiter = resolve;
    this.touchSession(g, member);
    this.maybePrepareRebalance(g, `member ${member.memberId} rejoined`);
  }

  private maybePrepareRebalance(g: Group, reason: string): void {
    if (g.state === 'Stable' || g.state === 'CompletingRebalance' || g.state === 'Empty')
      this.prepareRebalance(g, reason);
  }

  private prepareRebalance(g: Group, reason: string): void {
    if (g.state === 'CompletingRebalance') {
      // The assignment being distributed is void: tell members parked in SyncGroup to rejoin.
      for (const m of g.members.values()) {
        m.assignment = Buffer.alloc(0);
        const w = m.syncWaiter;
        m.syncWaiter = undefined;
        w?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      }
    }
    const clock = this.opts.clock;
    const wasEmpty = g.state === 'Empty';
    this.transition(g, 'PreparingRebalance');
    this.opts.logger('info', `group "${g.groupId}" is rebalancing (generation ${g.generationId}): ${reason}`);
    clock.clearTimeout(g.rebalanceTimer);
    const rebalanceTimeout = this.maxRebalanceTimeout(g);
    if (wasEmpty && this.opts.initialRebalanceDelayMs > 0) {
      g.initialDelay = true;
      g.newMemberAdded = false;
      g.rebalanceDeadline = clock.now() + rebalanceTimeout;
      g.rebalanceTimer = clock.setTimeout(
        () => this.onInitialDelayExpired(g),
        Math.min(this.opts.initialRebalanceDelayMs, rebalanceTimeout),
      );
    } else {
      g.initialDelay = false;
      g.rebalanceTimer = clock.setTimeout(() => this.completeJoin(g), rebalanceTimeout);
    }
  }

  private onInitialDelayExpired(g: Group): void {
    const clock = this.opts.clock;
    const remaining = g.rebalanceDeadline - clock.now();
    if (g.newMemberAdded && remaining > 0) {
      g.newMemberAdded = false;
      g.rebalanceTimer = clock.setTimeout(
        () => this.onInitialDelayExpired(g),
        Math.min(this.opts.initialRebalanceDelayMs, remaining),
      );
      return;
    }
    g.initialDelay = false;
    this.completeJoin(g);
  }

  private maxRebalanceTimeout(g: Group): number {
    let max = 0;
    for (const m of g.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  private tryCompleteJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance' || g.initialDelay) return;
    if (g.pending.size > 0) return;
    for (const m of g.members.values()) if (!m.joinWaiter) return;
    this.completeJoin(g);
  }

  private completeJoin(g: Group): void {
    if (g.state !== 'PreparingRebalance') return;
    this.opts.clock.clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = undefined;
    g.initialDelay = false;
    for (const m of [...g.members.values()]) {
      if (!m.joinWaiter) this.removeMember(g, m, 'it did not rejoin within the rebalance timeout');
    }
    g.generationId++;
    if (g.members.size === 0) {
      // Kafka keeps the protocol type of an empty group (it is listed with it); the protocol is chosen anew.
      g.protocolName = null;
      g.leaderId = null;
      this.transition(g, 'Empty', true);
      return;
    }
    if (g.leaderId === null || !g.members.has(g.leaderId)) g.leaderId = g.members.keys().next().value ?? null;
    g.protocolName = this.selectProtocol(g);
    this.transition(g, 'CompletingRebalance', true);
    for (const m of g.members.values()) {
      const w = m.joinWaiter;
      m.joinWaiter = undefined;
      this.touchSession(g, m);
      w?.(this.joinResultFor(g, m));
    }
  }

  /** Kafka's rule: candidates are the protocols every member supports; each member votes for its most preferred candidate. */
  private selectProtocol(g: Group): string | null {
    const members = [...g.members.values()];
    const candidates = members[0].protocols
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    if (candidates.length === 0) return null;
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of members) {
      const choice = m.protocols.find((p) => votes.has(p.name));
      if (choice) votes.set(choice.name, votes.get(choice.name)! + 1);
    }
    let best = candidates[0];
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  private joinResultFor(g: Group, m: Member): JoinGroupResult {
    const isLeader = g.leaderId === m.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leader: g.leaderId ?? '',
      memberId: m.memberId,
      members: isLeader
        ? [...g.members.values()].map((x) => ({
            memberId: x.memberId,
            groupInstanceId: x.groupInstanceId,
            metadata: x.protocols.find((p) => p.name === g.protocolName)?.metadata ?? Buffer.alloc(0),
          }))
        : [],
    };
  }

  // ------------------------------------------------------------------ SyncGroup

  sync(req: SyncGroupRequest): Promise<SyncGroupResult> {
    if (this.closed) return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const g = this.groups.get(req.groupId);
    if (!g) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (g.state === 'Dead') return Promise.resolve(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    const m = g.members.get(req.memberId);
    if (!m) return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== g.generationId) return Promise.resolve(syncError(ErrorCode.ILLEGAL_GENERATION));
    if (
      (req.protocolType !== null && req.protocolType !== g.protocolType) ||
      (req.protocolName !== null && req.protocolName !== g.protocolName)
    ) {
      return Promise.resolve(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    switch (g.state) {
      case 'Empty':
        return Promise.resolve(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
      case 'PreparingRebalance':
        return Promise.resolve(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable':
        this.touchSession(g, m);
        return Promise.resolve(this.syncResultFor(g, m));
      default:
        break;
    }
    // CompletingRebalance: park until the leader's assignment arrives.
    return new Promise<SyncGroupResult>((resolve) => {
      m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      m.syncWaiter = resolve;
      this.touchSession(g, m);
      if (m.memberId !== g.leaderId) return;
      const given = new Map<string, Buffer>();
      for (const a of req.assignments) given.set(a.memberId, Buffer.from(a.assignment));
      for (const x of g.members.values()) x.assignment = given.get(x.memberId) ?? Buffer.alloc(0);
      this.transition(g, 'Stable');
      for (const x of g.members.values()) {
        const w = x.syncWaiter;
        x.syncWaiter = undefined;
        this.touchSession(g, x);
        w?.(this.syncResultFor(g, x));
      }
    });
  }

  private syncResultFor(g: Group, m: Member): SyncGroupResult {
    return {
      errorCode: ErrorCode.NONE,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      assignment: m.assignment,
    };
  }

  // ------------------------------------------------------------------ Heartbeat / LeaveGroup

  heartbeat(groupId: string, generationId: number, memberId: string): { errorCode: number } {
    if (this.closed) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const g = this.groups.get(groupId);
    if (!g) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (g.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const m = g.members.get(memberId);
    if (!m) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    if (generationId !== g.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
    this.touchSession(g, m);
    if (g.state === 'PreparingRebalance') return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
    return { errorCode: ErrorCode.NONE };
  }

  /** Top-level errorCode: NONE unless the group is unknown or every listed member failed (then that member error). */
  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]) {
    if (this.closed) {
      return {
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })),
      };
    }
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') {
      return {
        errorCode: ErrorCode.NONE,
        members: members.map((m) => ({ ...m, errorCode: ErrorCode.UNKNOWN_MEMBER_ID })),
      };
    }
    const results = members.map((req) => {
      const pending = g.pending.get(req.memberId);
      if (pending) {
        this.opts.clock.clearTimeout(pending);
        g.pending.delete(req.memberId);
        if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
        return { ...req, errorCode: ErrorCode.NONE };
      }
      const byInstance = req.groupInstanceId === null ? undefined : this.memberOfInstance(g, req.groupInstanceId);
      if (byInstance && req.memberId !== '' && byInstance.memberId !== req.memberId) {
        return { ...req, errorCode: ErrorCode.FENCED_INSTANCE_ID };
      }
      const m = byInstance ?? g.members.get(req.memberId);
      if (!m) return { ...req, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
      this.removeMemberAndUpdateGroup(g, m, 'it left the group');
      return { ...req, errorCode: ErrorCode.NONE };
    });
    // As in Kafka, a leave answers each member on its own (an unknown group: each UNKNOWN_MEMBER_ID); the top-level
    // code stays NONE even when every member failed (LeaveGroup v0-2, which name one member, answer with that member's code).
    return { errorCode: ErrorCode.NONE, members: results };
  }

  private touchSession(g: Group, m: Member): void {
    const clock = this.opts.clock;
    clock.clearTimeout(m.sessionTimer);
    m.sessionTimer = clock.setTimeout(() => this.onSessionExpired(g, m), m.sessionTimeoutMs);
  }

  private onSessionExpired(g: Group, m: Member): void {
    m.sessionTimer = undefined;
    if (g.members.get(m.memberId) !== m) return;
    if (m.joinWaiter || m.syncWaiter) {
      // Parked in JoinGroup/SyncGroup: alive (Kafka keeps such members); the rebalance timeout bounds the wait.
      this.touchSession(g, m);
      return;
    }
    this.removeMemberAndUpdateGroup(g, m, `its session timed out (no heartbeat for ${m.sessionTimeoutMs} ms)`);
  }

  private removeMember(g: Group, m: Member, reason: string): void {
    this.opts.clock.clearTimeout(m.sessionTimer);
    m.sessionTimer = undefined;
    g.members.delete(m.memberId);
    this.opts.logger('info', `group "${g.groupId}": member ${m.memberId} removed: ${reason}`);
    failWaiters(m, ErrorCode.UNKNOWN_MEMBER_ID);
    if (g.leaderId === m.memberId) {
      const next = [...g.members.values()].find((x) => x.joinWaiter) ?? g.members.values().next().value;
      g.leaderId = next ? next.memberId : null;
    }
  }

  private removeMemberAndUpdateGroup(g: Group, m: Member, reason: string): void {
    this.removeMember(g, m, reason);
    switch (g.state) {
      case 'Stable':
      case 'CompletingRebalance':
        this.prepareRebalance(g, `member ${m.memberId} removed: ${reason}`);
        this.tryCompleteJoin(g);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(g);
        break;
      default:
        break;
    }
  }

  // ------------------------------------------------------------------ admin

  describe(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (!g)
      return { groupId, state: 'Dead', protocolType: '', protocol: '', generationId: 0, leader: null, members: [] };
    const stable = g.state === 'Stable';
    return {
      groupId,
      state: g.state,
      protocolType: g.protocolType ?? '',
      protocol: stable || g.state === 'CompletingRebalance' ? (g.protocolName ?? '') : '',
      generationId: g.generationId,
      leader: g.leaderId,
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: Buffer.from(
          m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? m.protocols[0]?.metadata ?? Buffer.alloc(0),
        ),
        assignment: Buffer.from(m.assignment),
        assignedPartitions: decodeAssigned(g.protocolType, m.assignment),
      })),
    };
  }

  list(): GroupListing[] {
    return [...this.groups.values()]
      .filter((g) => g.state !== 'Dead')
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? 'consumer', state: g.state }));
  }

  validateCommit(groupId: string, generationId: number, memberId: string): number {
    if (this.closed) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const g = this.groups.get(groupId);
    if (!g) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (generationId < 0 && g.members.size === 0) return ErrorCode.NONE;
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    if (!g.members.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  deleteGroup(groupId: string): number {
    const g = this.groups.get(groupId);
    if (!g || g.state === 'Dead') return ErrorCode.GROUP_ID_NOT_FOUND;
    if (g.members.size > 0 || g.pending.size > 0) return ErrorCode.NON_EMPTY_GROUP;
    this.opts.clock.clearTimeout(g.rebalanceTimer);
    this.transition(g, 'Dead');
    this.groups.delete(groupId);
    return ErrorCode.NONE;
  }

  hasActiveMembers(groupId: string): boolean {
    const g = this.groups.get(groupId);
    return !!g && g.members.size > 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const clock = this.opts.clock;
    for (const g of this.groups.values()) {
      clock.clearTimeout(g.rebalanceTimer);
      for (const t of g.pending.values()) clock.clearTimeout(t);
      g.pending.clear();
      for (const m of g.members.values()) {
        clock.clearTimeout(m.sessionTimer);
        failWaiters(m, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
  }

  private transition(g: Group, state: GroupState, force = false): void {
    if (g.state === state && !force) return;
    g.state = state;
    this.opts.onEvent('groupChanged', {
      groupId: g.groupId,
      state,
      generationId: g.generationId,
      members: g.members.size,
    });
  }
}

function sameProtocols(m: Member, req: JoinGroupRequest): boolean {
  if (m.protocols.length !== req.protocols.length) return false;
  return m.protocols.every((p, i) => p.name === req.protocols[i].name && p.metadata.equals(req.protocols[i].metadata));
}

function decodeAssigned(protocolType: string | null, assignment: Buffer): { topic: string; partitions: number[] }[] {
  if (protocolType !== 'consumer' || assignment.length === 0) return [];
  try {
    return decodeAssignment(assignment).assignedPartitions.map((tp) => ({
      topic: tp.topic,
      partitions: [...tp.partitions],
    }));
  } catch {
    return [];
  }
}
