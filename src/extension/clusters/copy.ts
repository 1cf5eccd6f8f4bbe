/**
 * Copy records from a topic of one Cluster into a topic of another (remote → Kafka Lite, or back), vscode-free.
 * Which records: the last N of each partition, a time range [from, to) of record timestamps, or everything.
 * Each record keeps its key, value, headers and timestamp; source partition p goes to target partition p when
 * the target has it (else the target's partitioner places it by key). A missing target topic is created with
 * the source's partition count. Reads and writes overlap (the next page is fetched while one is produced);
 * `signal` stops between batches and the result says how far it got. The command in commands/clusters.ts
 * only asks the questions and shows the progress.
 */
import type { Cluster, ClusterRecord } from './cluster';

export type CopySelection =
  { kind: 'lastN'; perPartition: number } | { kind: 'timeRange'; from: number; to: number } | { kind: 'all' };

export interface CopySpec {
  sourceTopic: string;
  targetTopic: string;
  selection: CopySelection;
  /** Records fetched (and produced) per step; default 1000. */
  pageRecords?: number;
}

export interface CopyProgress {
  copied: number;
  /** Upper bound of what will be copied (offset span of the selection). */
  total: number;
}

export interface PartitionCopy {
  partition: number;
  /** Source offsets [from, to) read. */
  from: number;
  to: number;
  copied: number;
}

export interface CopyResult {
  copied: number;
  partitions: PartitionCopy[];
  targetCreated: boolean;
  cancelled: boolean;
  ms: number;
}

export interface CopyOptions {
  signal?: AbortSignal;
  onProgress?: (p: CopyProgress) => void;
}

export async function copyRecords(
  source: Cluster,
  target: Cluster,
  spec: CopySpec,
  opts: CopyOptions = {},
): Promise<CopyResult> {
  const t0 = Date.now();
  const page = spec.pageRecords ?? 1000;
  const parts = (await source.partitionsOf([spec.sourceTopic])).get(spec.sourceTopic);
  if (!parts) throw new Error(`${source.name} has no topic "${spec.sourceTopic}"`);

  let targetParts = (await target.partitionsOf([spec.targetTopic])).get(spec.targetTopic)?.length;
  let targetCreated = false;
  if (targetParts === undefined) {
    await target.createTopic(spec.targetTopic, parts.length);
    targetParts = parts.length;
    targetCreated = true;
  }

  const sel = spec.selection;
  const ranges: PartitionCopy[] = [];
  for (const p of parts) {
    let from = p.logStartOffset;
    let to = p.logEndOffset;
    if (sel.kind === 'lastN') from = Math.max(p.logStartOffset, p.logEndOffset - Math.max(0, sel.perPartition));
    else if (sel.kind === 'timeRange') {
      const a = await source.offsetForTimestamp(spec.sourceTopic, p.partition, sel.from);
      const b = await source.offsetForTimestamp(spec.sourceTopic, p.partition, sel.to);
      from = a < 0 ? p.logEndOffset : a;
      to = b < 0 ? p.logEndOffset : b;
    }
    ranges.push({ partition: p.partition, from, to: Math.max(from, to), copied: 0 });
  }
  const total = ranges.reduce((s, r) => s + (r.to - r.from), 0);
  let copied = 0;
  let cancelled = false;
  opts.onProgress?.({ copied, total });

  const keep = (r: ClusterRecord) => sel.kind !== 'timeRange' || (r.timestamp >= sel.from && r.timestamp < sel.to);

  outer: for (const range of ranges) {
    if (range.to <= range.from) continue;
    const read = (at: number) =>
      at >= range.to
        ? Promise.resolve<ClusterRecord[]>([])
        : source.fetch(spec.sourceTopic, range.partition, at, { maxRecords: Math.min(page, range.to - at) });
    let next = read(range.from);
    for (;;) {
      const records = (await next).filter((r) => r.offset < range.to);
      if (records.length === 0) break;
      const after = records[records.length - 1].offset + 1;
      // Read the next page while this one is written.
      next = read(after);
      const out = records.filter(keep).map((r) => ({
        partition: range.partition < targetParts ? range.partition : undefined,
        key: r.key,
        value: r.value,
        headers: r.headers,
        timestamp: r.timestamp,
      }));
      if (out.length > 0) await target.produce(spec.targetTopic, out);
      range.copied += out.length;
      copied += out.length;
      opts.onProgress?.({ copied, total });
      if (opts.signal?.aborted) {
        cancelled = true;
        await next.catch(() => undefined);
        break outer;
      }
      if (after >= range.to) break;
    }
  }
  return { copied, partitions: ranges, targetCreated, cancelled, ms: Date.now() - t0 };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time a person types for a copy's range: "now", "-15m" / "-2h" / "-1d" (before now), or an ISO date
 * ("2026-12-01T10:00", "2026-12-01"). Returns ms since the epoch, or undefined when it is neither.
 */
export function parseWhen(text: string, now = Date.now()): number | undefined {
  const t = text.trim();
  if (t === 'now') return now;
  const rel = /^-(\d+)\s*([smhd])$/.exec(t);
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2]];
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}
