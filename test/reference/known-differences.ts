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

const CONFIG_TYPE: KnownDifference = {
  reason:
    'BUG: DescribeConfigs v3 answers configType 0 (UNKNOWN) for every config; Kafka names the type (1 BOOLEAN, 2 STRING, 3 INT, 5 LONG, 6 DOUBLE, 7 LIST). src/protocol/apis/32-describe-configs.ts',
  paths: ['results.*.configs.*.configType'],
};

/** Configs whose description differs for a reason that is not Kafka Lite's to change (see each reason). */
const CONFIG_ENTRIES = [
  // BUG: Kafka 4 removed message.timestamp.difference.max.ms (its successors are message.timestamp.before.max.ms
  // and message.timestamp.after.max.ms); Kafka Lite still lists and accepts it. src/broker/storage/configs.ts
  'results.*.configs[name=message.timestamp.difference.max.ms]',
  // Kafka's storage format enables eligible leader replicas, which stores min.insync.replicas as a cluster-wide
  // dynamic default (configSource 3); Kafka Lite has no cluster configs and reports the built-in default (5).
  'results.*.configs[name=min.insync.replicas].configSource',
];

const DESCRIBE_CONFIGS: KnownDifference = {
  reason: `${CONFIG_TYPE.reason}; BUG: message.timestamp.difference.max.ms is still listed (Kafka 4 removed it); min.insync.replicas is a cluster-wide default in Kafka's ELR-enabled format`,
  paths: [...CONFIG_TYPE.paths, ...CONFIG_ENTRIES],
};

const DESCRIBE_CONFIGS_V1: KnownDifference = {
  reason:
    'BUG: message.timestamp.difference.max.ms is still listed (Kafka 4 removed it); min.insync.replicas is a cluster-wide default in Kafka\u2019s ELR-enabled format',
  paths: CONFIG_ENTRIES,
};

const DUPLICATE_APPEND_TIME: KnownDifference = {
  reason:
    'Kafka answers a retried (duplicate) idempotent batch with a timestamp in logAppendTimeMs taken from its producer-state cache even on a CreateTime topic; Kafka Lite answers -1 as for any CreateTime append, which clients read as "the record keeps its CreateTime"',
  paths: ['retry.logAppendTimeMs'],
};

const INVALID_RECORD: KnownDifference = {
  reason:
    'BUG: a record batch whose length or last offset delta does not match its records is refused with CORRUPT_MESSAGE (2); Kafka refuses it with INVALID_RECORD (87), which (unlike CORRUPT_MESSAGE) carries the partition\u2019s log start offset. src/broker/storage/record-batch.ts validateRecordSet, src/protocol/apis/00-produce.ts',
  paths: ['errorCode', 'logStartOffset'],
};

export const KNOWN_DIFFERENCES: Record<string, KnownDifference> = {
  // ---- topics
  'Metadata: auto-create makes the topic, which then has a leader': {
    reason:
      'Kafka creates an auto-created topic through its controller and answers the first Metadata with UNKNOWN_TOPIC_OR_PARTITION while that happens; Kafka Lite creates it at once and answers it in the same response (clients retry Metadata until the topic has a leader, so both end the same)',
    paths: ['firstErrorCode'],
  },

  // ---- configs
  'DescribeConfigs v3: defaults of every supported topic config': DESCRIBE_CONFIGS,
  'DescribeConfigs: configs set at creation are dynamic topic configs': DESCRIBE_CONFIGS,
  'DescribeConfigs v1: sources of every supported topic config': DESCRIBE_CONFIGS_V1,
  'DescribeConfigs v1: configs set at creation are topic configs, the rest defaults': DESCRIBE_CONFIGS_V1,
  'DescribeConfigs: asking for one key returns just that key': CONFIG_TYPE,
  'AlterConfigs: a new value shows in DescribeConfigs': { ...CONFIG_TYPE, paths: ['d.results.*.configs.*.configType'] },
  'IncrementalAlterConfigs: SET then DELETE returns a config to its default': {
    ...CONFIG_TYPE,
    paths: ['afterSet.results.*.configs.*.configType', 'afterDelete.results.*.configs.*.configType'],
  },

  // ---- records and errors
  'Produce: to a topic that does not exist': {
    reason:
      'Kafka 4 creates topics on Metadata only and answers a Produce to an unknown topic with UNKNOWN_TOPIC_OR_PARTITION (the client then asks Metadata, which creates it); Kafka Lite auto-creates on Produce too (kafkaLite.autoCreateTopics: "when a client produces to or asks metadata for a name"), so the first produce already succeeds',
    paths: ['p.errorCode', 'p.baseOffset', 'p.logStartOffset', 'metadataErrorCode'],
  },
  'Produce: a batch cut short answers CORRUPT_MESSAGE': INVALID_RECORD,
  'Produce: a batch whose last offset delta disagrees with its record count': INVALID_RECORD,

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
  'DescribeGroups: after the join and before the sync the group is CompletingRebalance': {
    reason:
      'BUG: Kafka describes protocolData and each member\u2019s metadata only for a Stable group (empty otherwise); Kafka Lite also fills them in CompletingRebalance. src/protocol/apis/15-describe-groups.ts / src/broker/groups',
    paths: ['groups.*.protocolData', 'groups.*.members.*.memberMetadata'],
  },
  'LeaveGroup: an unknown member answers UNKNOWN_MEMBER_ID for that member': {
    reason:
      'BUG: LeaveGroup v3+ with an unknown member answers top-level errorCode 0 and UNKNOWN_MEMBER_ID on that member in Kafka; Kafka Lite also sets the top-level errorCode to UNKNOWN_MEMBER_ID. src/protocol/apis/13-leave-group.ts',
    paths: ['errorCode'],
  },
  'JoinGroup: a session timeout below the broker minimum answers INVALID_SESSION_TIMEOUT': {
    reason:
      'BUG: Kafka checks the session timeout first and answers INVALID_SESSION_TIMEOUT even to a member without an id; Kafka Lite first answers MEMBER_ID_REQUIRED (with a member id), and only the rejoin gets INVALID_SESSION_TIMEOUT. src/broker/groups',
    paths: ['errorCode', 'memberId'],
  },
};
