/**
 * Consumer lag, Kafka's way, as a pure function: one row per partition a group has committed or is assigned,
 * lag = log end offset - committed offset (log end - log start when nothing is committed yet), never negative.
 * Used by the engine (Broker.groupLag) and by the extension's remote snapshot of another window's broker, so
 * both views agree.
 */
import type { GroupMemberDescription, PartitionLag } from './types';
import type { TopicPartition } from '../shared/topic-partition';
import { TopicPartitionMap } from '../shared/topic-partition';

export interface GroupLag {
  partitions: PartitionLag[];
  totalLag: number;
}

export function computeGroupLag(
  committed: Iterable<TopicPartition & { offset: number }>,
  members: readonly Pick<GroupMemberDescription, 'assignedPartitions'>[],
  partitionInfo: (topic: string, partition: number) => { logStartOffset: number; logEndOffset: number } | undefined,
): GroupLag {
  const rows = new TopicPartitionMap<TopicPartition & { offset: number }>();
  for (const c of committed) rows.set(c.topic, c.partition, c);
  for (const m of members) {
    for (const a of m.assignedPartitions) {
      for (const p of a.partitions) {
        if (!rows.has(a.topic, p)) rows.set(a.topic, p, { topic: a.topic, partition: p, offset: -1 });
      }
    }
  }
  const partitions: PartitionLag[] = [];
  for (const c of rows.values()) {
    const info = partitionInfo(c.topic, c.partition);
    if (!info) continue;
    const from = c.offset >= 0 ? c.offset : info.logStartOffset;
    partitions.push({
      topic: c.topic,
      partition: c.partition,
      committedOffset: c.offset,
      logEndOffset: info.logEndOffset,
      lag: Math.max(0, info.logEndOffset - from),
    });
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { partitions, totalLag: partitions.reduce((s, p) => s + p.lag, 0) };
}
