/**
 * TopicPartition: one partition of one topic, Kafka's unit of storage, assignment, offsets and producer state.
 * This file is the noun's one home: the type, the map key built from it, and the map keyed by it. Every module
 * that keys something by topic and partition uses these instead of building its own string.
 *
 * The key joins the topic name and the partition number with U+0000, which no topic name can contain (names are
 * [a-zA-Z0-9._-]{1,249}), so two different partitions never share a key and a key splits back unambiguously.
 * Pure ES2022 (src/shared): usable by the engine, the extension host and the webviews.
 */

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A map key for one partition; branded so a plain string (a topic name, a group id) is not taken for one. */
export type TopicPartitionKey = string & { readonly __topicPartitionKey: true };

const SEPARATOR = '\u0000';

export function topicPartitionKey(topic: string, partition: number): TopicPartitionKey {
  return `${topic}${SEPARATOR}${partition}` as TopicPartitionKey;
}

export function keyOf(tp: TopicPartition): TopicPartitionKey {
  return topicPartitionKey(tp.topic, tp.partition);
}

export function fromKey(key: TopicPartitionKey): TopicPartition {
  const at = key.lastIndexOf(SEPARATOR);
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** How Kafka prints a partition in logs and tools: `orders-2`. */
export function formatTopicPartition(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Orders by topic name, then partition number (the order Kafka's tools list partitions in). */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** A Map keyed by partition; iteration follows insertion order like Map. */
export class TopicPartitionMap<V> {
  private readonly entriesByKey = new Map<TopicPartitionKey, { tp: TopicPartition; value: V }>();

  get size(): number {
    return this.entriesByKey.size;
  }

  get(topic: string, partition: number): V | undefined {
    return this.entriesByKey.get(topicPartitionKey(topic, partition))?.value;
  }

  has(topic: string, partition: number): boolean {
    return this.entriesByKey.has(topicPartitionKey(topic, partition));
  }

  set(topic: string, partition: number, value: V): this {
    this.entriesByKey.set(topicPartitionKey(topic, partition), { tp: { topic, partition }, value });
    return this;
  }

  delete(topic: string, partition: number): boolean {
    return this.entriesByKey.delete(topicPartitionKey(topic, partition));
  }

  /** Removes every partition of the topic; returns how many were removed. */
  deleteTopic(topic: string): number {
    let removed = 0;
    for (const [key, entry] of this.entriesByKey)
      if (entry.tp.topic === topic) {
        this.entriesByKey.delete(key);
        removed++;
      }
    return removed;
  }

  clear(): void {
    this.entriesByKey.clear();
  }

  *entries(): IterableIterator<[TopicPartition, V]> {
    for (const { tp, value } of this.entriesByKey.values()) yield [tp, value];
  }

  *keys(): IterableIterator<TopicPartition> {
    for (const { tp } of this.entriesByKey.values()) yield tp;
  }

  *values(): IterableIterator<V> {
    for (const { value } of this.entriesByKey.values()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[TopicPartition, V]> {
    return this.entries();
  }
}
