/**
 * Topic configuration with Kafka's names, defaults and validation rules. Values are strings, as Kafka keeps
 * them. The log acts on cleanup.policy, retention.ms, retention.bytes, segment.bytes, segment.ms,
 * max.message.bytes, message.timestamp.type, index.interval.bytes and, for compacted topics,
 * delete.retention.ms, min.compaction.lag.ms, max.compaction.lag.ms and min.cleanable.dirty.ratio; the others are
 * accepted, validated and listed (so tools that set them do not fail) but change nothing here (a single local
 * broker has no replicas).
 *
 * Guarantees: validateConfigs throws KafkaError INVALID_CONFIG naming the key and the rule for an unknown name
 * or a bad value; describeConfigs lists every supported config with isDefault.
 * Callers: topic-catalog.ts (create/alter/describe), partition-log.ts (effective values via resolveConfigs).
 *
 * Also describes the broker-level configs (DescribeConfigs of resource type 4): the settings a Kafka Lite broker
 * has, under Kafka's names, each with Kafka's default so the source reads as Kafka's would (STATIC_BROKER_CONFIG
 * when the value differs from Kafka's default, as if set in server.properties; DEFAULT_CONFIG otherwise). All of
 * them are read-only: they are fixed when the broker starts (CLI flags, VS Code settings) and none can change at
 * runtime.
 */
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import { ErrorCode, KafkaError } from '../errors';
import type { ConfigEntry, TopicConfigs } from '../types';
import { topicNameProblem } from '../../shared/topic-name';

type Kind =
  | { type: 'long'; min?: number; max?: number }
  | { type: 'int'; min?: number; max?: number }
  | { type: 'double'; min?: number; max?: number }
  | { type: 'boolean' }
  | { type: 'enum'; values: string[] }
  | { type: 'list'; values: string[] };

interface ConfigDef {
  name: string;
  default: string;
  kind: Kind;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = 2147483647;

const DEFS: ConfigDef[] = [
  { name: 'cleanup.policy', default: 'delete', kind: { type: 'list', values: ['delete', 'compact'] } },
  {
    name: 'compression.type',
    default: 'producer',
    kind: { type: 'enum', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  },
  { name: 'delete.retention.ms', default: '86400000', kind: { type: 'long', min: 0 } },
  { name: 'file.delete.delay.ms', default: '60000', kind: { type: 'long', min: 0 } },
  { name: 'flush.messages', default: LONG_MAX, kind: { type: 'long', min: 1 } },
  { name: 'flush.ms', default: LONG_MAX, kind: { type: 'long', min: 0 } },
  { name: 'index.interval.bytes', default: '4096', kind: { type: 'int', min: 0 } },
  { name: 'max.compaction.lag.ms', default: LONG_MAX, kind: { type: 'long', min: 1 } },
  { name: 'max.message.bytes', default: '1048588', kind: { type: 'int', min: 0 } },
  {
    name: 'message.timestamp.type',
    default: 'CreateTime',
    kind: { type: 'enum', values: ['CreateTime', 'LogAppendTime'] },
  },
  // Kafka 4 replaced message.timestamp.difference.max.ms with these two (accepted and listed; not enforced here)
  { name: 'message.timestamp.after.max.ms', default: '3600000', kind: { type: 'long', min: 0 } },
  { name: 'message.timestamp.before.max.ms', default: LONG_MAX, kind: { type: 'long', min: 0 } },
  { name: 'min.cleanable.dirty.ratio', default: '0.5', kind: { type: 'double', min: 0, max: 1 } },
  { name: 'min.compaction.lag.ms', default: '0', kind: { type: 'long', min: 0 } },
  { name: 'min.insync.replicas', default: '1', kind: { type: 'int', min: 1 } },
  { name: 'preallocate', default: 'false', kind: { type: 'boolean' } },
  { name: 'retention.bytes', default: '-1', kind: { type: 'long' } },
  { name: 'retention.ms', default: '604800000', kind: { type: 'long', min: -1 } },
  { name: 'segment.bytes', default: '1073741824', kind: { type: 'int', min: 14 } },
  { name: 'segment.index.bytes', default: '10485760', kind: { type: 'int', min: 4 } },
  { name: 'segment.jitter.ms', default: '0', kind: { type: 'long', min: 0 } },
  { name: 'segment.ms', default: '604800000', kind: { type: 'long', min: 1 } },
  { name: 'unclean.leader.election.enable', default: 'false', kind: { type: 'boolean' } },
];

const BY_NAME = new Map(DEFS.map((d) => [d.name, d]));

export const CONFIG_DEFAULTS: Readonly<TopicConfigs> = Object.freeze(
  Object.fromEntries(DEFS.map((d) => [d.name, d.default])),
);

export function isKnownConfig(name: string): boolean {
  return BY_NAME.has(name);
}

/** A config whose value is a comma-separated list (IncrementalAlterConfigs may APPEND to it and SUBTRACT from it). */
export function isListConfig(name: string): boolean {
  return BY_NAME.get(name)?.kind.type === 'list';
}

function checkValue(def: ConfigDef, raw: unknown): string | null {
  if (typeof raw !== 'string') return `must be a string, got ${typeof raw}`;
  const v = raw.trim();
  const k = def.kind;
  switch (k.type) {
    case 'long':
    case 'int': {
      if (!/^-?\d+$/.test(v)) return `"${raw}" is not an integer`;
      const n = Number(v);
      if (k.type === 'int' && (n > INT_MAX || n < -INT_MAX - 1)) return `${v} does not fit a 32-bit integer`;
      if (v === LONG_MAX) return null;
      if (!Number.isSafeInteger(n) && v !== LONG_MAX) return `${v} is out of range`;
      if (k.min !== undefined && n < k.min) return `${v} is below the minimum ${k.min}`;
      if (k.max !== undefined && n > k.max) return `${v} is above the maximum ${k.max}`;
      return null;
    }
    case 'double': {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) return `"${raw}" is not a number`;
      if (k.min !== undefined && n < k.min) return `${v} is below the minimum ${k.min}`;
      if (k.max !== undefined && n > k.max) return `${v} is above the maximum ${k.max}`;
      return null;
    }
    case 'boolean':
      return v === 'true' || v === 'false' ? null : `"${raw}" is not true or false`;
    case 'enum':
      return k.values.includes(v) ? null : `"${raw}" is not one of ${k.values.join(', ')}`;
    case 'list': {
      const items = v.split(',').map((s) => s.trim());
      for (const it of items) if (!k.values.includes(it)) return `"${it}" is not one of ${k.values.join(', ')}`;
      return null;
    }
  }
}

/** Check names and values; returns the normalized configs (trimmed strings). Throws KafkaError INVALID_CONFIG. */
export function validateConfigs(configs: TopicConfigs | undefined): TopicConfigs {
  const out: TopicConfigs = {};
  if (!configs) return out;
  for (const [name, value] of Object.entries(configs)) {
    const def = BY_NAME.get(name);
    if (!def) throw new KafkaError(ErrorCode.INVALID_CONFIG, `unknown topic config "${name}"`);
    const problem = checkValue(def, value);
    if (problem) throw new KafkaError(ErrorCode.INVALID_CONFIG, `invalid value for topic config ${name}: ${problem}`);
    out[name] = value.trim();
  }
  return out;
}

/** The settings the log acts on, as numbers (Long.MAX_VALUE and -1 meaning "no limit" where Kafka says so). */
export interface EffectiveConfig {
  retentionMs: number;
  retentionBytes: number;
  segmentBytes: number;
  segmentMs: number;
  maxMessageBytes: number;
  logAppendTime: boolean;
  indexIntervalBytes: number;
  /** cleanup.policy lists "compact": closed segments keep only the latest record of each key (cleaner.ts). */
  compact: boolean;
  /** cleanup.policy lists "delete": retention.ms and retention.bytes delete old segments. */
  deleteOld: boolean;
  deleteRetentionMs: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  minCleanableDirtyRatio: number;
}

export function effectiveConfig(overrides: TopicConfigs): EffectiveConfig {
  const get = (name: string): string => overrides[name] ?? CONFIG_DEFAULTS[name];
  const policy = parseCleanupPolicy(get('cleanup.policy'));
  return {
    retentionMs: Number(get('retention.ms')),
    retentionBytes: Number(get('retention.bytes')),
    segmentBytes: Number(get('segment.bytes')),
    segmentMs: Number(get('segment.ms')),
    maxMessageBytes: Number(get('max.message.bytes')),
    logAppendTime: get('message.timestamp.type') === 'LogAppendTime',
    indexIntervalBytes: Number(get('index.interval.bytes')),
    compact: policy.compact,
    deleteOld: policy.deleteOld,
    deleteRetentionMs: Number(get('delete.retention.ms')),
    minCompactionLagMs: Number(get('min.compaction.lag.ms')),
    maxCompactionLagMs: Number(get('max.compaction.lag.ms')),
    minCleanableDirtyRatio: Number(get('min.cleanable.dirty.ratio')),
  };
}

/** Kafka's config type (DescribeConfigs v3+ configType) of a topic config, or 0 (UNKNOWN) for a name it does not know. */
export function topicConfigType(name: string): number {
  const k = BY_NAME.get(name)?.kind.type;
  switch (k) {
    case 'long':
      return ConfigType.LONG;
    case 'int':
      return ConfigType.INT;
    case 'double':
      return ConfigType.DOUBLE;
    case 'boolean':
      return ConfigType.BOOLEAN;
    case 'enum':
      return ConfigType.STRING;
    case 'list':
      return ConfigType.LIST;
    default:
      return 0;
  }
}

/** Every supported config with its value and whether it is the default (DescribeConfigs). */
export function describeConfigs(overrides: TopicConfigs): ConfigEntry[] {
  return DEFS.map((d) => {
    const set = Object.prototype.hasOwnProperty.call(overrides, d.name);
    return {
      name: d.name,
      value: set ? overrides[d.name] : d.default,
      isDefault: !set,
      readOnly: false,
      sensitive: false,
    };
  });
}

/** Kafka's topic name rules (src/shared/topic-name.ts); throws KafkaError INVALID_TOPIC_EXCEPTION naming the rule broken. */
export function assertValidTopicName(name: unknown): asserts name is string {
  const problem = typeof name === 'string' ? topicNameProblem(name) : 'A topic name must be a string.';
  if (problem) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
}

// ---------------------------------------------------------------- broker configs (resource type 4)

/** Kafka's config types as DescribeConfigs v3+ reports them (ConfigType). */
export const ConfigType = { BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7 } as const;

/** What a running broker was started with (Broker.describeBrokerConfigs fills it in). */
export interface BrokerSettings {
  nodeId: number;
  dataDir: string;
  autoCreateTopics: boolean;
  defaultPartitions: number;
  initialRebalanceDelayMs: number;
  flushIntervalMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

export interface BrokerConfigEntry extends ConfigEntry {
  /** DescribeConfigs source: STATIC_BROKER_CONFIG (4) or DEFAULT_CONFIG (5). */
  source: 4 | 5;
  configType: number;
  documentation: string;
}

interface BrokerConfigDef {
  name: string;
  type: number;
  /** Kafka's default (null where Kafka has none, e.g. a derived or required setting). */
  kafkaDefault: string | null;
  value: (s: BrokerSettings) => string;
  doc: string;
}

/** A broker config that mirrors a topic config's default (Kafka's log.* names). */
const mirror = (name: string, topicConfig: string, type: number, doc: string): BrokerConfigDef => ({
  name,
  type,
  kafkaDefault: CONFIG_DEFAULTS[topicConfig],
  value: () => CONFIG_DEFAULTS[topicConfig],
  doc: `${doc} The default of the topic config ${topicConfig}.`,
});

const BROKER_DEFS: BrokerConfigDef[] = [
  {
    name: 'node.id',
    type: ConfigType.INT,
    kafkaDefault: '-1',
    value: (s) => String(s.nodeId),
    doc: 'The id of this broker (and controller).',
  },
  {
    name: 'broker.id',
    type: ConfigType.INT,
    kafkaDefault: '-1',
    value: (s) => String(s.nodeId),
    doc: 'The id of this broker (same as node.id).',
  },
  {
    name: 'process.roles',
    type: ConfigType.LIST,
    kafkaDefault: '',
    value: () => 'broker,controller',
    doc: 'Kafka Lite is one node that is both broker and controller.',
  },
  {
    name: 'log.dirs',
    type: ConfigType.LIST,
    kafkaDefault: null,
    value: (s) => s.dataDir,
    doc: 'The data directory: topic logs and metadata.',
  },
  {
    name: 'auto.create.topics.enable',
    type: ConfigType.BOOLEAN,
    kafkaDefault: 'true',
    value: (s) => String(s.autoCreateTopics),
    doc: 'Create a topic when a client produces to or asks metadata of one that does not exist (--no-auto-create, kafkaLite.autoCreateTopics).',
  },
  {
    name: 'num.partitions',
    type: ConfigType.INT,
    kafkaDefault: '1',
    value: (s) => String(s.defaultPartitions),
    doc: 'Partition count of auto-created topics and of CreateTopics without one (--partitions, kafkaLite.defaultPartitions).',
  },
  {
    name: 'default.replication.factor',
    type: ConfigType.INT,
    kafkaDefault: '1',
    value: () => '1',
    doc: 'One broker: every partition has one replica.',
  },
  {
    name: 'offsets.topic.replication.factor',
    type: ConfigType.SHORT,
    kafkaDefault: '3',
    value: () => '1',
    doc: 'Committed offsets are kept on this one broker.',
  },
  {
    name: 'min.insync.replicas',
    type: ConfigType.INT,
    kafkaDefault: '1',
    value: () => '1',
    doc: 'One broker: the leader is the only in-sync replica.',
  },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: ConfigType.INT,
    kafkaDefault: '3000',
    value: (s) => String(s.initialRebalanceDelayMs),
    doc: 'How long the first rebalance of a new group waits for more members to join (--group-initial-rebalance-delay-ms, kafkaLite.groupInitialRebalanceDelayMs).',
  },
  {
    name: 'group.min.session.timeout.ms',
    type: ConfigType.INT,
    kafkaDefault: '6000',
    value: (s) => String(s.minSessionTimeoutMs),
    doc: 'The smallest session timeout a consumer may ask for.',
  },
  {
    name: 'group.max.session.timeout.ms',
    type: ConfigType.INT,
    kafkaDefault: '1800000',
    value: (s) => String(s.maxSessionTimeoutMs),
    doc: 'The largest session timeout a consumer may ask for.',
  },
  {
    name: 'log.flush.interval.ms',
    type: ConfigType.LONG,
    kafkaDefault: null,
    value: (s) => String(s.flushIntervalMs),
    doc: 'Flush policy: appended records are fsynced in batches at most this many ms apart (kafkaLite.flushIntervalMs).',
  },
  mirror('log.cleanup.policy', 'cleanup.policy', ConfigType.LIST, 'delete and/or compact.'),
  mirror('log.retention.ms', 'retention.ms', ConfigType.LONG, 'How long a closed segment is kept.'),
  mirror(
    'log.retention.bytes',
    'retention.bytes',
    ConfigType.LONG,
    'Partition size above which old segments are deleted (-1 = no limit).',
  ),
  mirror('log.segment.bytes', 'segment.bytes', ConfigType.INT, 'Segment size at which a new segment is started.'),
  mirror('log.roll.ms', 'segment.ms', ConfigType.LONG, 'Segment age at which a new segment is started.'),
  mirror(
    'log.segment.delete.delay.ms',
    'file.delete.delay.ms',
    ConfigType.LONG,
    'Delay before a deleted segment file is removed.',
  ),
  mirror('log.index.interval.bytes', 'index.interval.bytes', ConfigType.INT, 'Bytes between offset index entries.'),
  mirror('log.message.timestamp.type', 'message.timestamp.type', ConfigType.STRING, 'CreateTime or LogAppendTime.'),
  mirror('message.max.bytes', 'max.message.bytes', ConfigType.INT, 'The largest record batch a partition accepts.'),
  mirror(
    'compression.type',
    'compression.type',
    ConfigType.STRING,
    'Compression of stored batches (producer = as sent).',
  ),
  mirror(
    'log.cleaner.delete.retention.ms',
    'delete.retention.ms',
    ConfigType.LONG,
    'How long tombstones are kept in compacted topics.',
  ),
  mirror(
    'log.cleaner.min.compaction.lag.ms',
    'min.compaction.lag.ms',
    ConfigType.LONG,
    'Minimum age of a record before it can be compacted.',
  ),
  mirror(
    'log.cleaner.max.compaction.lag.ms',
    'max.compaction.lag.ms',
    ConfigType.LONG,
    'Maximum age of a record before it must be compacted.',
  ),
  mirror(
    'log.cleaner.min.cleanable.ratio',
    'min.cleanable.dirty.ratio',
    ConfigType.DOUBLE,
    'Dirty ratio at which a log is compacted.',
  ),
  mirror(
    'unclean.leader.election.enable',
    'unclean.leader.election.enable',
    ConfigType.BOOLEAN,
    'Has no effect with one replica.',
  ),
];

const BROKER_BY_NAME = new Map(BROKER_DEFS.map((d) => [d.name, d]));

export function isKnownBrokerConfig(name: string): boolean {
  return BROKER_BY_NAME.has(name);
}

/** Every broker config Kafka Lite has, with its value, source and Kafka's config type; all read-only. */
export function describeBrokerConfigs(settings: BrokerSettings): BrokerConfigEntry[] {
  return BROKER_DEFS.map((d) => {
    const value = d.value(settings);
    const isDefault = d.kafkaDefault !== null && value === d.kafkaDefault;
    return {
      name: d.name,
      value,
      isDefault,
      readOnly: true,
      sensitive: false,
      source: isDefault ? 5 : 4,
      configType: d.type,
      documentation: d.doc,
    };
  });
}
