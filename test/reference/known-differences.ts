/**
 * Every known difference between what a client observes from Apache Kafka and from Kafka Lite, with its reason:
 * the one list the reference tier (test/reference) accepts differences from. GLOBAL_MASKS apply to every scenario;
 * KNOWN_DIFFERENCES are keyed by the scenario's title and list the answer paths (dotted, '*' = any one key or
 * index, '**' = any depth, `[name=x]` = the element of a keyed array whose name is x) that may differ. A reason starting with "BUG:" is a Kafka Lite bug kept here so the
 * tier stays green while it is open; fixing it makes the scenario fail with "no longer occurs", and then the
 * entry goes. Everything else that differs fails its scenario and prints both answers side by side.
 */
export interface KnownDifference {
  reason: string;
  paths: string[];
}

export const GLOBAL_MASKS: { path: string; reason: string }[] = [
  {
    path: '**.leaderEpoch',
    reason:
      'Kafka numbers leader elections (0 for a new topic); Kafka Lite has one node and never elects, so it reports -1 (unknown), which makes clients skip epoch fencing and truncation checks rather than fail',
  },
];

/** Configs whose description differs for a reason that is not Kafka Lite's to change. */
const CONFIG_ENTRIES: KnownDifference = {
  reason:
    'Kafka\u2019s storage format enables eligible leader replicas, which stores min.insync.replicas as a cluster-wide dynamic default (configSource 3); Kafka Lite has no cluster configs and reports the built-in default (5)',
  paths: ['results.*.configs[name=min.insync.replicas].configSource'],
};

const DUPLICATE_APPEND_TIME: KnownDifference = {
  reason:
    'Kafka answers a retried (duplicate) idempotent batch with a timestamp in logAppendTimeMs taken from its producer-state cache even on a CreateTime topic; Kafka Lite answers -1 as for any CreateTime append, which clients read as "the record keeps its CreateTime"',
  paths: ['retry.logAppendTimeMs'],
};

export const KNOWN_DIFFERENCES: Record<string, KnownDifference> = {
  // ---- topics
  'Metadata: auto-create makes the topic, which then has a leader': {
    reason:
      'Kafka creates an auto-created topic through its controller and answers the first Metadata with UNKNOWN_TOPIC_OR_PARTITION while that happens; Kafka Lite creates it at once and answers it in the same response (clients retry Metadata until the topic has a leader, so both end the same)',
    paths: ['firstErrorCode'],
  },

  // ---- configs
  'DescribeConfigs v3: defaults of every supported topic config': CONFIG_ENTRIES,
  'DescribeConfigs: configs set at creation are dynamic topic configs': CONFIG_ENTRIES,
  'DescribeConfigs v1: sources of every supported topic config': CONFIG_ENTRIES,
  'DescribeConfigs v1: configs set at creation are topic configs, the rest defaults': CONFIG_ENTRIES,

  // ---- records and errors
  'Produce: to a topic that does not exist': {
    reason:
      'Kafka 4 creates topics on Metadata only and answers a Produce to an unknown topic with UNKNOWN_TOPIC_OR_PARTITION (the client then asks Metadata, which creates it); Kafka Lite auto-creates on Produce too (kafkaLite.autoCreateTopics: "when a client produces to or asks metadata for a name"), so the first produce already succeeds',
    paths: ['p.errorCode', 'p.baseOffset', 'p.logStartOffset', 'metadataErrorCode'],
  },

  // ---- idempotent producer
  'Idempotent: a retried batch is not stored twice and answers its first offset': DUPLICATE_APPEND_TIME,
  'Idempotent: an older batch retried after a newer one is a duplicate': DUPLICATE_APPEND_TIME,

  // ---- transactions
  'Transactions: one Fetch for the whole log after a commit, read_committed and read_uncommitted': {
    reason:
      'Kafka 4.4 ends a Fetch that starts before a COMMIT/ABORT marker with the data batch in front of the marker (the next Fetch, from the marker, returns it and what follows); Kafka Lite returns whole batches up to maxBytes, markers included. Clients fetch on from the offset after the last batch either way, so both read the same records (the batch-by-batch scenarios compare every batch and marker)',
    paths: ['committed.records', 'uncommitted.records'],
  },

  // ---- groups
  'JoinGroup: a 10 ms session timeout (below Kafka\u2019s 6 s minimum)': {
    reason:
      'Kafka Lite accepts session timeouts from 1 ms to 1 h (group.min/max.session.timeout.ms in its DescribeConfigs), where Kafka allows 6 s to 30 min: a local broker lets a development consumer fail over fast; so the join goes on to MEMBER_ID_REQUIRED where Kafka answers INVALID_SESSION_TIMEOUT',
    paths: ['errorCode', 'memberId'],
  },
};
