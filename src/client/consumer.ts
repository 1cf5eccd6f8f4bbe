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
 * Events: 'rebalance' {generationId, memberId, leader, leaderId, assignment}, 'revoked' {assignment}, 'error' Error.
 * Callers: panels, tests, benchmarks.
 */
import { EventEmitter } from 'events';
import type { Broker } from '../broker/broker';
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

  constructor(
    private readonly broker: Broker,
    opts: GroupConsumerOptions,
  ) {
    super();
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
    const p = this.joinLoop(incarnation).finally(() => {
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
      for (const t of this.topics) await this.broker.ensureTopic(t);
      if (this.stale(incarnation)) return;
      const join = await this.broker.joinGroup({
        groupId: this.groupId,
        memberId: this._memberId,
        groupInstanceId: null,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        protocolType: 'consumer',
        protocols: this.protocols(),
        clientId: this.clientId,
        clientHost: '/127.0.0.1',
        requireKnownMemberId: true,
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
      const assignments = join.leader === join.memberId ? this.computeAssignment(join) : [];
      const sync = await this.broker.syncGroup({
        groupId: this.groupId,
        generationId: join.generationId,
        memberId: join.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
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
      this.applyAssignment(previous, sync.assignment, join.protocolName);
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
  private computeAssignment(join: JoinGroupResult): { memberId: string; assignment: Buffer }[] {
    const members: AssignorMember[] = join.members.map((m) => {
      try {
        return { memberId: m.memberId, subscription: decodeSubscription(m.metadata) };
      } catch {
        return { memberId: m.memberId, subscription: { version: 0, topics: [], userData: null, ownedPartitions: [] } };
      }
    });
    const counts = new Map<string, number>();
    for (const m of members) {
      for (const t of m.subscription.topics) {
        const info = this.broker.getTopic(t);
        if (info) counts.set(t, info.partitions);
      }
    }
    const assignor = (join.protocolName && ASSIGNORS[join.protocolName]) || roundRobinAssignor;
    return planToAssignments(assignor(members, counts));
  }

  private applyAssignment(previous: TopicPartition[], assignment: Buffer, protocolName: string | null): void {
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
    this.positions.clear();
    this.owned = decoded;
    for (const tp of decoded) {
      const k = topicPartitionKey(tp.topic, tp.partition);
      if (keep.has(k) && old.has(k)) this.positions.set(k, old.get(k)!);
      else this.positions.set(k, this.initialPosition(tp.topic, tp.partition));
    }
  }

  private initialPosition(topic: string, partition: number): number {
    const committed = this.committed(topic, partition);
    if (committed >= 0) return committed;
    return this.resetPosition(topic, partition);
  }

  private resetPosition(topic: string, partition: number): number {
    const info = this.broker.partitionInfo(topic, partition);
    return this.autoOffsetReset === 'latest' ? info.logEndOffset : info.logStartOffset;
  }

  // ------------------------------------------------------------------ heartbeats

  private scheduleHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = this.broker.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      this.heartbeatNow();
    }, this.heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    this.broker.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /** One heartbeat; true when the member is stable and current. Schedules the next one or starts a rejoin. */
  private heartbeatNow(): boolean {
    if (this._state !== 'stable') return false;
    if (this.broker.isClosed) {
      this.stopHeartbeat();
      return false;
    }
    const code = this.broker.heartbeat(this.groupId, this._generationId, this._memberId);
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
    if (this._state === 'stable' && !this.heartbeatNow() && this.joining) await this.joining;
    if (this._state !== 'stable') return [];
    const out: ConsumedRecord[] = [];
    const n = this.owned.length;
    for (let i = 0; i < n && out.length < maxRecords; i++) {
      const tp = this.owned[(this.rotate + i) % n];
      const k = topicPartitionKey(tp.topic, tp.partition);
      const info = this.broker.partitionInfo(tp.topic, tp.partition);
      let pos = this.positions.get(k) ?? this.initialPosition(tp.topic, tp.partition);
      if (pos < info.logStartOffset || pos > info.logEndOffset) pos = this.resetPosition(tp.topic, tp.partition);
      const committedOnly = this.isolationLevel === 'read_committed';
      const end = committedOnly ? this.broker.lastStableOffset(tp.topic, tp.partition) : info.logEndOffset;
      if (pos < end) {
        const want = maxRecords - out.length;
        const records = this.broker.readRecords(tp.topic, tp.partition, pos, want, undefined, {
          isolationLevel: committedOnly ? 1 : 0,
        });
        for (const r of records) {
          out.push(r);
          pos = r.offset + 1;
        }
        // read_committed skips markers and aborted batches: fewer records than asked means it read up to the LSO
        if (committedOnly && records.length < want) pos = Math.max(pos, end);
      }
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
    const entries = this.owned.map((tp) => ({
      topic: tp.topic,
      partition: tp.partition,
      offset:
        this.positions.get(topicPartitionKey(tp.topic, tp.partition)) ?? this.initialPosition(tp.topic, tp.partition),
      metadata: null,
    }));
    if (entries.length === 0) return;
    const results = await this.broker.commitOffsets(this.groupId, this._memberId, this._generationId, entries);
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
  committed(topic: string, partition: number): number {
    return this.broker.fetchOffsets(this.groupId, [{ topic, partitions: [partition] }])[0]?.offset ?? -1;
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
    if (memberId && !this.broker.isClosed) this.broker.leaveGroup(this.groupId, [{ memberId, groupInstanceId: null }]);
    if (revoked.length > 0) this.emit('revoked', { assignment: revoked.map((tp) => ({ ...tp })) });
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
