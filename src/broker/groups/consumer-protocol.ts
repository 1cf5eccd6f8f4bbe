/**
 * Kafka's consumer protocol (protocol type "consumer"): the bytes a member puts in JoinGroup's protocol metadata
 * (ConsumerProtocolSubscription) and the bytes the leader hands out through SyncGroup (ConsumerProtocolAssignment),
 * plus the assignors the in-process members use (range, roundrobin, cooperative-sticky).
 *
 * Guarantees: encodings are byte-exact with the Java client and kafkajs (big-endian int16 version, int32 array
 * counts, int16-length strings, int32-length nullable bytes); decoding is tolerant of trailing fields of newer
 * versions and of a missing userData (versions 0..3 read; fields beyond v1 are skipped). Assignors are pure
 * functions: same members and partition counts in, same assignment out, each partition to at most one member.
 *
 * Callers: the group coordinator (describe decodes assignments), the in-process consumer (src/client), panels.
 */
import type { TopicPartition, TopicPartitionKey } from '../../shared/topic-partition';
import { topicPartitionKey } from '../../shared/topic-partition';

export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

export interface Subscription {
  version: number;
  topics: string[];
  userData: Buffer | null;
  /** v1+: partitions the member owned before this rebalance (cooperative protocols). */
  ownedPartitions: TopicPartitions[];
}

export interface Assignment {
  version: number;
  assignedPartitions: TopicPartitions[];
  userData: Buffer | null;
}

// ------------------------------------------------------------------ byte helpers

class Writer {
  private parts: Buffer[] = [];
  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  string(s: string): this {
    const body = Buffer.from(s, 'utf8');
    this.int16(body.length);
    this.parts.push(body);
    return this;
  }
  bytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    this.int32(b.length);
    this.parts.push(b);
    return this;
  }
  topicPartitions(list: TopicPartitions[]): this {
    this.int32(list.length);
    for (const tp of list) {
      this.string(tp.topic);
      this.int32(tp.partitions.length);
      for (const p of tp.partitions) this.int32(p);
    }
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

class Reader {
  private pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}
  remaining(): number {
    return this.buf.length - this.pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new Error(`${this.what} is truncated: needed ${n} byte(s) at position ${this.pos} of ${this.buf.length}`);
    }
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  string(): string {
    const len = this.int16();
    if (len < 0) return '';
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
  bytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    this.need(len);
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return b;
  }
  array<T>(item: () => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.remaining())
      throw new Error(`${this.what}: array of ${n} items cannot fit in ${this.remaining()} byte(s)`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  topicPartitions(): TopicPartitions[] {
    return this.array(() => ({ topic: this.string(), partitions: this.array(() => this.int32()) }));
  }
}

// ------------------------------------------------------------------ subscription

/** Version 0 writes version, topics, userData; version 1 adds ownedPartitions (as the Java client does). */
export function encodeSubscription(s: {
  version?: number;
  topics: string[];
  userData?: Buffer | null;
  ownedPartitions?: TopicPartitions[];
}): Buffer {
  const version = s.version ?? 1;
  const w = new Writer().int16(version);
  w.int32(s.topics.length);
  for (const t of s.topics) w.string(t);
  w.bytes(s.userData === undefined ? null : s.userData);
  if (version >= 1) w.topicPartitions(s.ownedPartitions ?? []);
  return w.build();
}

export function decodeSubscription(buf: Buffer): Subscription {
  const r = new Reader(buf, 'consumer subscription');
  const version = r.int16();
  const topics = r.array(() => r.string());
  const userData = r.remaining() >= 4 ? r.bytes() : null;
  const ownedPartitions = version >= 1 && r.remaining() >= 4 ? r.topicPartitions() : [];
  return { version, topics, userData, ownedPartitions };
}

// ------------------------------------------------------------------ assignment

export function encodeAssignment(a: {
  version?: number;
  assignedPartitions: TopicPartitions[];
  userData?: Buffer | null;
}): Buffer {
  return new Writer()
    .int16(a.version ?? 0)
    .topicPartitions(a.assignedPartitions)
    .bytes(a.userData === undefined ? null : a.userData)
    .build();
}

/** An empty buffer (a member that was given nothing, as some clients send it) decodes to no partitions. */
export function decodeAssignment(buf: Buffer): Assignment {
  if (buf.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const r = new Reader(buf, 'consumer assignment');
  const version = r.int16();
  const assignedPartitions = r.topicPartitions();
  const userData = r.remaining() >= 4 ? r.bytes() : null;
  return { version, assignedPartitions, userData };
}

// ------------------------------------------------------------------ assignors

export interface AssignorMember {
  memberId: string;
  subscription: Subscription;
}

/** memberId -> topic -> sorted partitions. Every member appears, possibly with nothing. */
export type AssignmentPlan = Map<string, Map<string, number[]>>;

export type AssignorFn = (members: AssignorMember[], partitionsPerTopic: Map<string, number>) => AssignmentPlan;

function emptyPlan(members: AssignorMember[]): AssignmentPlan {
  const plan: AssignmentPlan = new Map();
  for (const m of [...members].sort((a, b) => cmp(a.memberId, b.memberId))) plan.set(m.memberId, new Map());
  return plan;
}

function give(plan: AssignmentPlan, memberId: string, topic: string, partition: number): void {
  const m = plan.get(memberId)!;
  const list = m.get(topic);
  if (list) list.push(partition);
  else m.set(topic, [partition]);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function finish(plan: AssignmentPlan): AssignmentPlan {
  for (const m of plan.values()) for (const list of m.values()) list.sort((a, b) => a - b);
  return plan;
}

/** Kafka's RangeAssignor: per topic, the subscribed members sorted by id get contiguous ranges; the first ones get one extra. */
export const rangeAssignor: AssignorFn = (members, partitionsPerTopic) => {
  const plan = emptyPlan(members);
  const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort(cmp);
  for (const topic of topics) {
    const n = partitionsPerTopic.get(topic);
    if (n === undefined) continue;
    const subs = members
      .filter((m) => m.subscription.topics.includes(topic))
      .map((m) => m.memberId)
      .sort(cmp);
    const per = Math.floor(n / subs.length);
    const extra = n % subs.length;
    subs.forEach((memberId, i) => {
      const start = per * i + Math.min(i, extra);
      const len = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + len; p++) give(plan, memberId, topic, p);
    });
  }
  return finish(plan);
};

/** Kafka's RoundRobinAssigner: every partition of every subscribed topic (sorted), dealt to members sorted by id, skipping members not subscribed to the topic. */
export const roundRobinAssignor: AssignorFn = (members, partitionsPerTopic) => {
  const plan = emptyPlan(members);
  const sorted = [...members].sort((a, b) => cmp(a.memberId, b.memberId));
  const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort(cmp);
  let i = 0;
  for (const topic of topics) {
    const n = partitionsPerTopic.get(topic);
    if (n === undefined) continue;
    for (let p = 0; p < n; p++) {
      for (let tries = 0; tries < sorted.length; tries++) {
        const m = sorted[i % sorted.length];
        i++;
        if (m.subscription.topics.includes(topic)) {
          give(plan, m.memberId, topic, p);
          break;
        }
      }
    }
  }
  return finish(plan);
};

/**
 * A sticky assignor for the "cooperative-sticky" protocol name: each member keeps the partitions it reports in
 * ownedPartitions (up to its fair share), and the rest go to the least-loaded subscribed member. The in-process
 * members use eager semantics (they give up everything on a rebalance), which Kafka's cooperative protocol
 * tolerates; what stays the same is which member owns what.
 */
export const stickyAssignor: AssignorFn = (members, partitionsPerTopic) => {
  const plan = emptyPlan(members);
  const sorted = [...members].sort((a, b) => cmp(a.memberId, b.memberId));
  const load = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const all: TopicPartition[] = [];
  const topics = [...new Set(members.flatMap((m) => m.subscription.topics))].sort(cmp);
  for (const topic of topics) {
    const n = partitionsPerTopic.get(topic);
    if (n === undefined) continue;
    for (let p = 0; p < n; p++) all.push({ topic, partition: p });
  }
  const eligible = (topic: string) => sorted.filter((m) => m.subscription.topics.includes(topic));
  const quota = (topic: string) => Math.ceil(all.length / Math.max(1, eligible(topic).length));
  const taken = new Set<TopicPartitionKey>();
  for (const m of sorted) {
    for (const owned of m.subscription.ownedPartitions) {
      const n = partitionsPerTopic.get(owned.topic);
      if (n === undefined || !m.subscription.topics.includes(owned.topic)) continue;
      for (const p of [...owned.partitions].sort((a, b) => a - b)) {
        const key = topicPartitionKey(owned.topic, p);
        if (p < 0 || p >= n || taken.has(key) || load.get(m.memberId)! >= quota(owned.topic)) continue;
        taken.add(key);
        give(plan, m.memberId, owned.topic, p);
        load.set(m.memberId, load.get(m.memberId)! + 1);
      }
    }
  }
  for (const { topic, partition } of all) {
    const key = topicPartitionKey(topic, partition);
    if (taken.has(key)) continue;
    let best: string | undefined;
    for (const m of eligible(topic)) {
      if (best === undefined || load.get(m.memberId)! < load.get(best)!) best = m.memberId;
    }
    if (best === undefined) continue;
    taken.add(key);
    give(plan, best, topic, partition);
    load.set(best, load.get(best)! + 1);
  }
  return finish(plan);
};

/**
 * Assignors by protocol name. "RoundRobinAssigner" is kafkajs' default protocol name (round robin); listing it lets
 * an in-process member and a default kafkajs consumer agree on a protocol and share a group.
 */
export const ASSIGNORS: Record<string, AssignorFn> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  'cooperative-sticky': stickyAssignor,
  RoundRobinAssigner: roundRobinAssignor,
};

export function planToAssignments(plan: AssignmentPlan): { memberId: string; assignment: Buffer }[] {
  const out: { memberId: string; assignment: Buffer }[] = [];
  for (const [memberId, topics] of plan) {
    const assignedPartitions = [...topics.entries()]
      .sort((a, b) => cmp(a[0], b[0]))
      .map(([topic, partitions]) => ({ topic, partitions }));
    out.push({ memberId, assignment: encodeAssignment({ version: 0, assignedPartitions }) });
  }
  return out;
}
