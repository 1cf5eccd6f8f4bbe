/**
 * The in-process group consumer the panels use: a real member of a Kafka consumer group (protocol type
 * "consumer", Kafka's subscription/assignment encodings), so it can share a group with a kafkajs or Java
 * application and the assignment it shows is the real one.
 *
 * What a person does with it: join, poll the next N records, commit, seek, leave, or crash (stop heartbeating
 * without committing or leaving; the session timeout removes it and its partitions move to other members).
 *
 * Guarantees:
 *  - join() runs JoinGroup (with the MEMBER_ID_REQUIRED round trip) and SyncGroup; as leader it computes the
 *    assignment with the chosen protocol's assignor; it then heartbeats on the broker's clock;
 *  - when a heartbeat answers REBALANCE_IN_PROGRESS (or the member is unknown / of an old generation) it rejoins in
 *    the background, as a real client's heartbeat thread does; poll() waits for a rejoin in progress first;
 *  - positions start at the committed offset, else at autoOffsetReset; eager assignors (range, roundrobin) reset
 *    every position to the committed offset after a rebalance (uncommitted records are delivered again, as in
 *    Kafka); cooperative-sticky keeps the positions of partitions the member retains;
 *  - isolationLevel read_committed stops each partition at its last stable offset (the first offset of a
 *    transaction still open) and skips aborted records and markers, so its position passes a commit marker;
 *  - advertised protocols: the chosen assignor first, then the others ("range", "roundrobin",
 *    "cooperative-sticky") and kafkajs' default "RoundRobinAssigner", so mixed groups find a common protocol.
 *
 * Where the group lives is a ConsumerTransport (consumer-transport.ts): the in-process Broker (pass the Broker
 * itself) or any Kafka cluster over the wire (src/extension/clusters/wire-member.ts); this logic is the same for
 * both.
 *
 * Events: 'rebalance' {generationId, memberId, leader, leaderId, assignment}, 'revoked' {assignment}, 'error' Error.
 * Callers: panels, tests, benchmarks.
 */
import { EventEmitter } from 'events';
import type { Broker } from '../broker/broker';
import type { ConsumerTransport } from './consumer-transport';
import { BrokerConsumerTransport } from './consumer-transport';
import type { TimerHandle } from '../broker/clock';
import { ErrorCode, KafkaError, errorName } from '../broker/errors';
import {
  ASSIGNORS,
  decodeAssignment,
  decodeSubscription,
  encodeSubscription,
  planToAssignments,
  roundRobinAssignor,
  type AssignorMember,
} from '../broker/groups/consumer-protocol';
import type { ConsumedRecord, JoinGroupResult } from '../broker/types';
import type { TopicPartition, TopicPartitionKey } from '../shared/topic-partition';
import { compareTopicPartitions, topicPartitionKey } from '../shared/topic-partition';

export type AssignorName = 'range' | 'roundrobin' | 'cooperative-sticky';
export type ConsumerState = 'idle' | 'joining' | 'stable' | 'left' | 'crashed';

export interface GroupConsumerOptions {
  groupId: string;
  topics: string[];
  clientId?: string;
  /** Default 30000 (kafkajs' default). */
  sessionTimeoutMs?: number;
  /** Default 60000. */
  rebalanceTimeoutMs?: number;
  /** Default 3000. */
  heartbeatIntervalMs?: number;
  assignor?: AssignorName;
  autoOffsetReset?: 'earliest' | 'latest';
  /** Default read_uncommitted. read_committed reads only below the last stable offset and skips aborted records. */
  isolationLevel?: IsolationLevel;
}

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export type { TopicPartition } from '../shared/topic-partition';

const ALL_ASSIGNORS: AssignorName[] = ['range', 'roundrobin', 'cooperative-sticky'];
const MAX_JOIN_ATTEMPTS = 100;

export class GroupConsumer extends EventEmitter {
  readonly groupId: string;
  readonly topics: string[];
  readonly clientId: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly assignor: AssignorName;
  readonly autoOffsetReset: 'earliest' | 'latest';
  /** Read at every poll, so it can be changed between polls. */
  isolationLevel: IsolationLevel;

  private _memberId = '';
  private _generationId = -1;
  private _leaderId = '';
  private _state: ConsumerState = 'idle';
  private owned: TopicPartition[] = [];
  private readonly positions = new Map<TopicPartitionKey, number>();
  private heartbeatTimer?: TimerHandle;
  private joining?: Promise<void>;
  private rotate = 0;
  /** Bumped by leave()/crash(): a join loop of an older incarnation stops at its next step. */
  private incarnation = 0;

  /** Where the group lives. */
  readonly transport: ConsumerTransport;

  constructor(where: Broker | ConsumerTransport, opts: GroupConsumerOptions) {
    super();
    this.transport = isTransport(where) ? where : new BrokerConsumerTransport(where);
    if (!opts.groupId) throw new KafkaError(ErrorCode.INVALID_GROUP_ID, 'a consumer needs a group id');
    if (!opts.topics || opts.topics.length === 0)
      throw new KafkaError(ErrorCode.INVALID_REQUEST, 'a consumer needs at least one topic to subscribe to');
    this.groupId = opts.groupId;
    this.topics = [...new Set(opts.topics)];
    this.clientId = opts.clientId ?? 'kafka-lite-consumer';
    this.sessionTimeoutMs = opts.sessionTimeoutMs ?? 30_000;
    this.rebalanceTimeoutMs = opts.rebalanceTimeoutMs ?? 60_000;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs ?? 3_000;
    this.assignor = opts.assignor ?? 'range';
    this.autoOffsetReset = opts.autoOffsetReset ?? 'earliest';
    this.isolationLevel = opts.isolationLevel ?? 'read_uncommitted';
  }

  get memberId(): string {
    return this._memberId;
  }
  get generationId(): number {
    return this._generationId;
  }
  get isLeader(): boolean {
    return this._memberId !== '' && this._leaderId === this._memberId;
  }
  get state(): ConsumerState {
    return this._state;
  }

  assignment(): TopicPartition[] {
    return this.owned.map((tp) => ({ ...tp }));
  }

  /** Join the group (JoinGroup + SyncGroup) and start heartbeating. A left or crashed consumer joins as a new member. */
  join(): Promise<void> {
    if (this.joining) return this.joining;
    if (this._state === 'stable') return Promise.resolve();
    if (this._state === 'left' || this._state === 'crashed') {
      this._memberId = '';
      this._generationId = -1;
    }
    return this.startJoin();
  }

  private startJoin(): Promise<void> {
    this._state = 'joining';
    const incarnation = this.incarnation;
    // A join overtaken by leave()/crash() ends quietly (its connection may be gone with it).
    const p = this.joinLoop(incarnation)
      .catch((e: unknown) => {
        if (!this.stale(incarnation)) throw e;
      })
      .finally(() => {
        if (this.joining === p) this.joining = undefined;
      });
    this.joining = p;
    return p;
  }

  private rejoinInBackground(): void {
    if (this.joining || (this._state !== 'stable' && this._state !== 'joining')) return;
    this.startJoin().catch((e: unknown) => this.fail(e));
  }

  private fail(e: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', e instanceof Error ? e : new Error(String(e)));
  }

  private stale(incarnation: number): boolean {
    return incarnation !== this.incarnation || this._state === 'left' || this._state === 'crashed';
  }

  private async joinLoop(incarnation: number): Promise<void> {
    this.stopHeartbeat();
    const previous = this.owned;
    if (previous.length > 0) {
      this.emit('revoked', { assignment: previous.map((tp) => ({ ...tp })) });
    }
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS; attempt++) {
      await this.transport.prepare(this.topics);
      if (this.stale(incarnation)) return;
      const join = await this.transport.joinGroup({
        groupId: this.groupId,
        memberId: this._memberId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        protocols: this.protocols(),
        clientId: this.clientId,
      });
      if (this.stale(incarnation)) return;
      if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this._memberId = join.memberId;
        continue;
      }
      if (join.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this._memberId = '';
        continue;
      }
      if (join.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || join.errorCode === ErrorCode.ILLEGAL_GENERATION)
        continue;
      if (join.errorCode !== ErrorCode.NONE) {
        this._state = 'idle';
        throw new KafkaError(
          join.errorCode,
          `group "${this.groupId}": JoinGroup failed with ${errorName(join.errorCode)}`,
        );
      }
      this._memberId = join.memberId;
      this._generationId = join.generationId;
      this._leaderId = join.leader;
      const assignments = join.leader === join.memberId ? await this.computeAssignment(join) : [];
      if (this.stale(incarnation)) return;
      const sync = await this.transport.syncGroup({
        groupId: this.groupId,
        generationId: join.generationId,
        memberId: join.memberId,
        protocolName: join.protocolName,
        assignments,
      });
      if (this.stale(incarnation)) return;
      if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        this._memberId = '';
        continue;
      }
      if (sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || sync.errorCode === ErrorCode.ILLEGAL_GENERATION)
        continue;
      if (sync.errorCode !== ErrorCode.NONE) {
        this._state = 'idle';
        throw new KafkaError(
          sync.errorCode,
          `group "${this.groupId}": SyncGroup failed with ${errorName(sync.errorCode)}`,
        );
      }
      await this.applyAssignment(previous, sync.assignment, join.protocolName);
      if (this.stale(incarnation)) return;
      this._state = 'stable';
      this.scheduleHeartbeat();
      this.emit('rebalance', {
        generationId: this._generationId,
        memberId: this._memberId,
        leader: this.isLeader,
        leaderId: this._leaderId,
        assignment: this.assignment(),
      });
      return;
    }
    this._state = 'idle';
    throw new KafkaError(
      ErrorCode.REBALANCE_IN_PROGRESS,
      `group "${this.groupId}": gave up joining after ${MAX_JOIN_ATTEMPTS} attempts`,
    );
  }

  private protocols(): { name: string; metadata: Buffer }[] {
    const byTopic = new Map<string, number[]>();
    for (const tp of this.owned) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const metadata = encodeSubscription({
      version: 1,
      topics: this.topics,
      userData: null,
      ownedPartitions: [...byTopic.entries()].map(([topic, partitions]) => ({ topic, partitions })),
    });
    const names = [this.assignor, ...ALL_ASSIGNORS.filter((a) => a !== this.assignor), 'RoundRobinAssigner'];
    return names.map((name) => ({ name, metadata }));
  }

  /** Leader only: decode every member's subscription and run the chosen protocol's assignor. */
  private async computeAssignment(join: JoinGroupResult): Promise<{ memberId: string; assignment: Buffer }[]> {
    const members: AssignorMember[] = join.members.map((m) => {
      try {
        return { memberId: m.memberId, subscription: decodeSubscription(m.metadata) };
      } catch {
        return { memberId: m.memberId, subscription: { version: 0, topics: [], userData: null, ownedPartitions: [] } };
      }
    });
    const counts = new Map<string, number>();
    for (const t of new Set(members.flatMap((m) => m.subscription.topics))) {
      const n = await this.transport.partitionCount(t);
      if (n !== undefined) counts.set(t, n);
    }
    const assignor = (join.protocolName && ASSIGNORS[join.protocolName]) || roundRobinAssignor;
    return planToAssignments(assignor(members, counts));
  }

  private async applyAssignment(
    previous: TopicPartition[],
    assignment: Buffer,
    protocolName: string | null,
  ): Promise<void> {
    let decoded: TopicPartition[] = [];
    try {
      decoded = decodeAssignment(assignment).assignedPartitions.flatMap((tp) =>
        tp.partitions.map((partition) => ({ topic: tp.topic, partition })),
      );
    } catch (e) {
      this.fail(new Error(`group "${this.groupId}": could not decode the assignment: ${(e as Error).message}`));
    }
    decoded.sort(compareTopicPartitions);
    const keep =
      protocolName === 'cooperative-sticky'
        ? new Set(previous.map((tp) => topicPartitionKey(tp.topic, tp.partition)))
        : new Set<TopicPartitionKey>();
    const old = new Map(this.positions);
    const fresh = decoded.filter(
      (tp) =>
        !(keep.has(topicPartitionKey(tp.topic, tp.partition)) && old.has(topicPartitionKey(tp.topic, tp.partition))),
    );
    const committed = fresh.length > 0 ? await this.transport.committedOffsets(this.groupId, fresh) : [];
    const starts = await Promise.all(
      fresh.map((tp, i) => (committed[i] >= 0 ? committed[i] : this.resetPosition(tp.topic, tp.partition))),
    );
    const startOf = new Map(fresh.map((tp, i) => [topicPartitionKey(tp.topic, tp.partition), starts[i]]));
    this.positions.clear();
    this.owned = decoded;
    for (const tp of decoded) {
      const k = topicPartitionKey(tp.topic, tp.partition);
      this.positions.set(k, startOf.get(k) ?? old.get(k)!);
    }
  }

  private async initialPosition(topic: string, partition: number): Promise<number> {
    const committed = await this.committed(topic, partition);
    if (committed >= 0) return committed;
    return this.resetPosition(topic, partition);
  }

  private async resetPosition(topic: string, partition: number): Promise<number> {
    const info = await this.transport.partitionOffsets(topic, partition);
    return this.autoOffsetReset === 'latest' ? info.logEndOffset : info.logStartOffset;
  }

  // ------------------------------------------------------------------ heartbeats

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = this.transport.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.heartbeatNow();
    }, this.heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    this.transport.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /**
   * One heartbeat; true when the member is stable and current. Schedules the next one or starts a rejoin.
   * Answers synchronously when the transport does (the in-process broker), else once the broker answered.
   */
  private heartbeatNow(): boolean | Promise<boolean> {
    if (this._state !== 'stable') return false;
    if (this.transport.closed) {
      this.stopHeartbeat();
      return false;
    }
    const incarnation = this.incarnation;
    const generationId = this._generationId;
    let answer: number | Promise<number>;
    try {
      answer = this.transport.heartbeat(this.groupId, generationId, this._memberId);
    } catch (e) {
      return this.heartbeatFailed(e);
    }
    if (typeof answer === 'number') return this.heartbeatAnswered(answer);
    // Over the wire: the next beat is scheduled only after this one answered (one request at a time).
    this.stopHeartbeat();
    return answer.then(
      (code) =>
        incarnation === this.incarnation && generationId === this._generationId && this._state === 'stable'
          ? this.heartbeatAnswered(code)
          : false,
      (e: unknown) => (incarnation === this.incarnation ? this.heartbeatFailed(e) : false),
    );
  }

  /** The transport failed (not an error code): try again at the next interval, unless it is closed. */
  private heartbeatFailed(e: unknown): boolean {
    if (this._state !== 'stable') return false;
    if (this.transport.closed) {
      this.stopHeartbeat();
      return false;
    }
    this.fail(new Error(`group "${this.groupId}": heartbeat failed: ${e instanceof Error ? e.message : String(e)}`));
    this.scheduleHeartbeat();
    return false;
  }

  private heartbeatAnswered(code: number): boolean {
    switch (code) {
      case ErrorCode.NONE:
        this.scheduleHeartbeat();
        return true;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this._memberId = '';
        this.rejoinInBackground();
        return false;
      case ErrorCode.REBALANCE_IN_PROGRESS:
      case ErrorCode.ILLEGAL_GENERATION:
        this.rejoinInBackground();
        return false;
      default:
        this.stopHeartbeat();
        this.fail(new KafkaError(code, `group "${this.groupId}": heartbeat failed with ${errorName(code)}`));
        return false;
    }
  }

  // ------------------------------------------------------------------ reading and committing

  /** The next records from the owned partitions (fairly across them), advancing positions. Rejoins first when a rebalance is pending. */
  async poll(maxRecords = 100): Promise<ConsumedRecord[]> {
    this.assertUsable('poll');
    if (this._state === 'idle') await this.join();
    if (this.joining) await this.joining;
    if (this._state === 'stable' && !(await this.heartbeatNow()) && this.joining) await this.joining;
    if (this._state !== 'stable') return [];
    const out: ConsumedRecord[] = [];
    const n = this.owned.length;
    for (let i = 0; i < n && out.length < maxRecords; i++) {
      const tp = this.owned[(this.rotate + i) % n];
      const k = topicPartitionKey(tp.topic, tp.partition);
      const info = await this.transport.partitionOffsets(tp.topic, tp.partition);
      let pos = this.positions.get(k) ?? (await this.initialPosition(tp.topic, tp.partition));
      if (pos < info.logStartOffset || pos > info.logEndOffset) pos = await this.resetPosition(tp.topic, tp.partition);
      const isolation = this.isolationLevel;
      const end = isolation === 'read_committed' ? info.lastStableOffset : info.logEndOffset;
      if (pos < end) {
        const want = maxRecords - out.length;
        const read = await this.transport.readRecords(tp.topic, tp.partition, pos, want, isolation);
        out.push(...read.records);
        pos = Math.max(pos, read.nextOffset);
      }
      // a rebalance (or leave/crash) while reading: the partition may no longer be this member's
      if (!this.positions.has(k)) continue;
      this.positions.set(k, pos);
    }
    if (n > 0) this.rotate = (this.rotate + 1) % n;
    return out;
  }

  /** Commit the current position of every owned partition. Throws KafkaError (e.g. REBALANCE_IN_PROGRESS) when the group refuses it. */
  async commit(): Promise<void> {
    this.assertUsable('commit');
    if (this.joining) await this.joining;
    if (this._state !== 'stable')
      throw new KafkaError(
        ErrorCode.UNKNOWN_MEMBER_ID,
        `consumer is ${this._state}, not a member of group "${this.groupId}"`,
      );
    const entries = await Promise.all(
      this.owned.map(async (tp) => ({
        topic: tp.topic,
        partition: tp.partition,
        offset:
          this.positions.get(topicPartitionKey(tp.topic, tp.partition)) ??
          (await this.initialPosition(tp.topic, tp.partition)),
      })),
    );
    if (entries.length === 0) return;
    const results = await this.transport.commitOffsets(this.groupId, this._memberId, this._generationId, entries);
    const failed = results.find((r) => r.errorCode !== ErrorCode.NONE);
    if (failed) {
      if (
        failed.errorCode === ErrorCode.REBALANCE_IN_PROGRESS ||
        failed.errorCode === ErrorCode.ILLEGAL_GENERATION ||
        failed.errorCode === ErrorCode.UNKNOWN_MEMBER_ID
      ) {
        if (failed.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this._memberId = '';
        this.rejoinInBackground();
      }
      throw new KafkaError(
        failed.errorCode,
        `group "${this.groupId}" refused the commit for ${failed.topic}-${failed.partition}: ${errorName(failed.errorCode)} (the group is rebalancing or this member is no longer current)`,
      );
    }
  }

  /** The next offset poll() reads from this partition; -1 when the partition is not assigned to this consumer. */
  position(topic: string, partition: number): number {
    return this.positions.get(topicPartitionKey(topic, partition)) ?? -1;
  }

  /** The group's committed offset for this partition, -1 when none. */
  async committed(topic: string, partition: number): Promise<number> {
    return (await this.transport.committedOffsets(this.groupId, [{ topic, partition }]))[0] ?? -1;
  }

  seek(topic: string, partition: number, offset: number): void {
    if (!this.positions.has(topicPartitionKey(topic, partition))) {
      throw new KafkaError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `${topic}-${partition} is not assigned to this consumer; it owns ${this.describeOwned()}`,
      );
    }
    if (!Number.isInteger(offset) || offset < 0)
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot seek to ${offset}: an offset is a whole number >= 0`);
    this.positions.set(topicPartitionKey(topic, partition), offset);
  }

  // ------------------------------------------------------------------ leaving

  /** LeaveGroup: the group rebalances at once and this consumer's partitions go to the others. */
  async leave(): Promise<void> {
    if (this._state === 'left' || this._state === 'crashed') return;
    this.incarnation++;
    this.stopHeartbeat();
    const memberId = this._memberId;
    const revoked = this.owned;
    this._state = 'left';
    this.owned = [];
    this.positions.clear();
    try {
      if (memberId && !this.transport.closed) await this.transport.leaveGroup(this.groupId, memberId);
    } finally {
      if (revoked.length > 0) this.emit('revoked', { assignment: revoked.map((tp) => ({ ...tp })) });
    }
  }

  /** Simulate a crashed process: no commit, no LeaveGroup, no more heartbeats; the session timeout removes it. */
  crash(): void {
    if (this._state === 'left' || this._state === 'crashed') return;
    this.incarnation++;
    this.stopHeartbeat();
    this._state = 'crashed';
    this.owned = [];
    this.positions.clear();
  }

  private assertUsable(what: string): void {
    if (this._state === 'left' || this._state === 'crashed') {
      throw new KafkaError(
        ErrorCode.UNKNOWN_MEMBER_ID,
        `cannot ${what}: this consumer has ${this._state === 'left' ? 'left' : 'crashed'}; call join() to come back as a new member`,
      );
    }
  }

  private describeOwned(): string {
    return this.owned.length ? this.owned.map((tp) => `${tp.topic}-${tp.partition}`).join(', ') : 'nothing';
  }
}

function isTransport(x: Broker | ConsumerTransport): x is ConsumerTransport {
  return typeof (x as Partial<ConsumerTransport>).prepare === 'function';
}
