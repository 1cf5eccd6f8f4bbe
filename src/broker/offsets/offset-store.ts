/**
 * Committed offsets per group/topic/partition, with the commit metadata string and a bounded history of commits
 * (offset, member, generation, time) that the panels show.
 *
 * On disk: a nedb-promises datastore `<dir>/offsets.db`, one document per group/topic/partition:
 *   { _id: "<group>\u0000<topic>\u0000<partition>", groupId, topic, partition, offset, metadata, history: [...] }
 * Reads come from an in-memory map loaded at open. Every commit is written to the datastore and awaited before
 * commit() resolves, so an acknowledged commit survives a restart. nedb appends on every write; the datafile is
 * compacted on open and on close.
 *
 * Guarantees: metadata round-trips exactly (null stays null, '' stays ''); history keeps the newest
 * `historyLimit` commits, oldest first; commits of one call are applied in memory atomically (before any await).
 *
 * Callers: Broker only (validation of group membership and topic existence happens there).
 */
import * as fs from 'fs';
import * as path from 'path';
import Datastore from 'nedb-promises';
import type { OffsetStore, OffsetStoreOptions } from '../api';
import { ErrorCode, KafkaError } from '../errors';
import type { CommitHistoryEntry, CommittedOffset, OffsetCommitEntry } from '../types';

interface OffsetDoc {
  _id: string;
  groupId: string;
  topic: string;
  partition: number;
  offset: number;
  metadata: string | null;
  history: CommitHistoryEntry[];
}

const key = (groupId: string, topic: string, partition: number) => `${groupId}\u0000${topic}\u0000${partition}`;

export async function openOffsetStore(opts: OffsetStoreOptions): Promise<OffsetStore> {
  fs.mkdirSync(opts.dir, { recursive: true });
  const db = Datastore.create({ filename: path.join(opts.dir, 'offsets.db'), autoload: false });
  await db.load();
  const docs = (await db.find({})) as unknown as OffsetDoc[];
  const store = new NedbOffsetStore(db, opts);
  for (const d of docs) store.loadDoc(d);
  await compact(db);
  return store;
}

async function compact(db: Datastore<{ _id: string }>): Promise<void> {
  const original = (db as unknown as { __original: { compactDatafileAsync?: () => Promise<void> } }).__original;
  if (original?.compactDatafileAsync) await original.compactDatafileAsync();
}

class NedbOffsetStore implements OffsetStore {
  /** group -> key -> doc (the read path). */
  private readonly groups = new Map<string, Map<string, OffsetDoc>>();
  private closed = false;
  /** Writes per document are chained so the datastore sees them in commit order. */
  private readonly writes = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: Datastore<{ _id: string }>,
    private readonly opts: OffsetStoreOptions,
  ) {}

  loadDoc(d: OffsetDoc): void {
    this.docsOf(d.groupId, true)!.set(d._id, {
      _id: d._id,
      groupId: d.groupId,
      topic: d.topic,
      partition: d.partition,
      offset: d.offset,
      metadata: d.metadata === undefined ? null : d.metadata,
      history: Array.isArray(d.history) ? d.history.slice(-this.opts.historyLimit) : [],
    });
  }

  private docsOf(groupId: string, create: boolean): Map<string, OffsetDoc> | undefined {
    let m = this.groups.get(groupId);
    if (!m && create) {
      m = new Map();
      this.groups.set(groupId, m);
    }
    return m;
  }

  async commit(groupId: string, memberId: string, generationId: number, offsets: OffsetCommitEntry[]): Promise<void> {
    if (this.closed) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the offset store is closed');
    for (const o of offsets) {
      if (!Number.isInteger(o.offset) || o.offset < -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `offset ${o.offset} for ${o.topic}-${o.partition} is not a valid offset`);
      }
    }
    const now = this.opts.clock.now();
    const docs = this.docsOf(groupId, true)!;
    const changed: OffsetDoc[] = [];
    for (const o of offsets) {
      const id = key(groupId, o.topic, o.partition);
      let d = docs.get(id);
      if (!d) {
        d = { _id: id, groupId, topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata, history: [] };
        docs.set(id, d);
      }
      d.offset = o.offset;
      d.metadata = o.metadata;
      d.history.push({ offset: o.offset, memberId, generationId, timestamp: now });
      if (d.history.length > this.opts.historyLimit) d.history.splice(0, d.history.length - this.opts.historyLimit);
      changed.push(d);
    }
    await Promise.all(changed.map((d) => this.persist(d)));
  }

  private persist(d: OffsetDoc): Promise<unknown> {
    const snapshot: OffsetDoc = { ...d, history: d.history.map((h) => ({ ...h })) };
    const prev = this.writes.get(d._id) ?? Promise.resolve();
    const next = prev
      .catch(() => undefined)
      .then(() => this.db.update({ _id: snapshot._id }, snapshot, { upsert: true }));
    this.writes.set(d._id, next);
    void next.then(
      () => {
        if (this.writes.get(d._id) === next) this.writes.delete(d._id);
      },
      () => undefined,
    );
    return next;
  }

  fetch(groupId: string, topics: { topic: string; partitions: number[] }[] | null): CommittedOffset[] {
    const docs = this.groups.get(groupId);
    if (topics === null) {
      return [...(docs?.values() ?? [])]
        .map((d) => ({ topic: d.topic, partition: d.partition, offset: d.offset, metadata: d.metadata, errorCode: ErrorCode.NONE }))
        .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    }
    const out: CommittedOffset[] = [];
    for (const t of topics) {
      for (const p of t.partitions) {
        const d = docs?.get(key(groupId, t.topic, p));
        out.push({ topic: t.topic, partition: p, offset: d ? d.offset : -1, metadata: d ? d.metadata : null, errorCode: ErrorCode.NONE });
      }
    }
    return out;
  }

  groupsWithOffsets(): string[] {
    return [...this.groups.entries()].filter(([, m]) => m.size > 0).map(([g]) => g).sort();
  }

  history(groupId: string, topic: string, partition: number): CommitHistoryEntry[] {
    const d = this.groups.get(groupId)?.get(key(groupId, topic, partition));
    return d ? d.history.map((h) => ({ ...h })) : [];
  }

  async deleteGroup(groupId: string): Promise<void> {
    this.groups.delete(groupId);
    await Promise.all([...this.writes.values()].map((p) => p.catch(() => undefined)));
    await this.db.remove({ groupId }, { multi: true });
  }

  async deleteTopic(topic: string): Promise<void> {
    for (const docs of this.groups.values()) {
      for (const [id, d] of docs) if (d.topic === topic) docs.delete(id);
    }
    await Promise.all([...this.writes.values()].map((p) => p.catch(() => undefined)));
    await this.db.remove({ topic }, { multi: true });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.writes.values()].map((p) => p.catch(() => undefined)));
    await compact(this.db);
  }
}
