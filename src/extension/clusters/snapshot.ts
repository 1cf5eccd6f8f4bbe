/**
 * ClusterSnapshot: the sidebar trees' synchronous ClusterReader over any asynchronous Cluster. `refresh()` reads
 * a whole snapshot — every topic with its partitions' log start/end offsets (one ListOffsets pair per broker,
 * not one per topic, so thousands of topics stay fast), the groups with members and assignments, each group's
 * committed offsets and its lag (computeGroupLag, the engine's own definition) — and swaps it in only when every
 * read succeeded, so the trees always draw one consistent picture. What the cluster cannot tell (size on disk,
 * newest record time) becomes the tree model's "unknown" (no segments, timestamp -1).
 *
 * vscode-free; used for configured clusters ("Use This Cluster") and for another window's broker.
 */
import type { GroupLag } from '../../broker/lag';
import { computeGroupLag } from '../../broker/lag';
import type { GroupDescription, GroupListing, PartitionInfo, PartitionLag, TopicInfo } from '../../broker/types';
import type { ClusterReader } from '../model/tree-model';
import type { Cluster, ClusterPartition } from './cluster';

interface Snapshot {
  topics: TopicInfo[];
  partitions: Map<string, PartitionInfo[]>;
  groups: GroupListing[];
  descriptions: Map<string, GroupDescription>;
  lag: Map<string, GroupLag>;
}

/** How many groups' committed offsets are read at once. */
const GROUP_READS_IN_FLIGHT = 8;

function toPartitionInfo(p: ClusterPartition): PartitionInfo {
  return {
    topic: p.topic,
    partition: p.partition,
    logStartOffset: p.logStartOffset,
    logEndOffset: p.logEndOffset,
    sizeBytes: p.sizeBytes ?? 0,
    // The tree model reads "records but no segments" as size unknown, "timestamp -1 with records" as time unknown.
    segmentCount: p.sizeBytes === undefined ? 0 : 1,
    lastTimestamp: p.lastTimestamp ?? -1,
  };
}

async function inBatches<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

export class ClusterSnapshot implements ClusterReader {
  private snapshot: Snapshot | undefined;
  private fingerprint = '';
  /** Date.now() of the last successful refresh (0: none yet). */
  refreshedAt = 0;

  constructor(readonly cluster: Cluster) {}

  get hasSnapshot(): boolean {
    return this.snapshot !== undefined;
  }

  /** Read a new snapshot; resolves true when it differs from the previous one; rejects keeping the previous. */
  async refresh(): Promise<boolean> {
    const next = await this.read();
    const print = JSON.stringify({
      t: next.topics,
      p: [...next.partitions],
      g: next.groups,
      d: [...next.descriptions].map(([k, v]) => [
        k,
        { ...v, members: v.members.map((m) => ({ ...m, metadata: undefined, assignment: undefined })) },
      ]),
      l: [...next.lag],
    });
    this.snapshot = next;
    this.refreshedAt = Date.now();
    const changed = print !== this.fingerprint;
    this.fingerprint = print;
    return changed;
  }

  close(): Promise<void> {
    return this.cluster.close();
  }

  // ------------------------------------------------------------------ ClusterReader

  listTopics(): TopicInfo[] {
    return this.require().topics.map((t) => ({ ...t }));
  }

  partitions(topic: string): PartitionInfo[] {
    const p = this.require().partitions.get(topic);
    if (!p) throw new Error(`unknown topic ${topic}`);
    return p.map((x) => ({ ...x }));
  }

  listGroups(): GroupListing[] {
    return this.require().groups.map((g) => ({ ...g }));
  }

  describeGroup(groupId: string): GroupDescription {
    const d = this.require().descriptions.get(groupId);
    if (d) return d;
    return { groupId, state: 'Dead', protocolType: '', protocol: '', generationId: -1, leader: null, members: [] };
  }

  groupLag(groupId: string): { partitions: PartitionLag[]; totalLag: number } {
    const l = this.require().lag.get(groupId);
    return l
      ? { partitions: l.partitions.map((p) => ({ ...p })), totalLag: l.totalLag }
      : { partitions: [], totalLag: 0 };
  }

  private require(): Snapshot {
    if (!this.snapshot) throw new Error(`no data from ${this.cluster.name} yet`);
    return this.snapshot;
  }

  private async read(): Promise<Snapshot> {
    const c = this.cluster;
    const page = await c.listTopics();
    const topics: TopicInfo[] = page.topics.map((t) => ({
      name: t.name,
      topicId: t.topicId,
      partitions: t.partitions,
      configs: t.configs,
      createdAt: 0,
    }));
    const parts = await c.partitionsOf(topics.map((t) => t.name));
    const partitions = new Map<string, PartitionInfo[]>();
    for (const [name, list] of parts) partitions.set(name, list.map(toPartitionInfo));
    const groups = await c.listGroups();
    const described = await c.describeGroups(groups.map((g) => g.groupId));
    const descriptions = new Map(described.map((d) => [d.groupId, d]));
    const committed = await inBatches(groups, GROUP_READS_IN_FLIGHT, (g) => c.committedOffsets(g.groupId));
    const lag = new Map<string, GroupLag>();
    groups.forEach((g, i) => {
      lag.set(
        g.groupId,
        computeGroupLag(
          committed[i],
          descriptions.get(g.groupId)?.members ?? [],
          (topic, partition) => partitions.get(topic)?.[partition],
        ),
      );
    });
    return { topics, partitions, groups, descriptions, lag };
  }
}
