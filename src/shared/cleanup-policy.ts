/**
 * Kafka's cleanup.policy, a comma-separated list of "delete" and "compact" (default "delete"), read the same way by
 * the engine (which acts on it) and the extension (which labels compacted topics and offers Compact now).
 */
export interface CleanupPolicy {
  /** Closed segments keep only the latest record of each key. */
  compact: boolean;
  /** retention.ms and retention.bytes delete old segments. */
  deleteOld: boolean;
}

/** `value` is the topic's override; undefined means the default ("delete"). */
export function parseCleanupPolicy(value: string | undefined): CleanupPolicy {
  const items = (value ?? 'delete').split(',').map((p) => p.trim());
  return { compact: items.includes('compact'), deleteOld: items.includes('delete') };
}
