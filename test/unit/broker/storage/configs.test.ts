// Topic configs (src/broker/storage/configs.ts): a value CreateTopics / AlterConfigs would store is refused with
// INVALID_CONFIG naming the config and the value, a valid one is stored trimmed; the config types DescribeConfigs
// v3+ reports; the broker's config table (values, defaults, sources); the effective values the log acts on.
import * as assert from 'assert';
import { ErrorCode, KafkaError } from '../../../../src/broker/errors';
import {
  ConfigType,
  assertValidTopicName,
  describeBrokerConfigs,
  effectiveConfig,
  topicConfigType,
  validateConfigs,
} from '../../../../src/broker/storage/configs';

const LONG_MAX = '9223372036854775807';

/** The message validateConfigs refuses `{ [name]: value }` with (fails when it accepts it). */
function refusal(name: string, value: unknown): string {
  try {
    validateConfigs({ [name]: value as string });
  } catch (e) {
    assert.ok(e instanceof KafkaError, String(e));
    assert.strictEqual(e.code, ErrorCode.INVALID_CONFIG);
    return e.message;
  }
  assert.fail(`${name}=${String(value)} was accepted`);
}

function accepted(name: string, value: string): string {
  return validateConfigs({ [name]: value })[name];
}

describe('storage: topic configs', () => {
  it('integer configs: surrounding spaces are trimmed, anything else around the digits is refused', () => {
    assert.strictEqual(accepted('retention.ms', ' 3600000 '), '3600000');
    assert.strictEqual(accepted('retention.ms', '-1'), '-1');
    for (const bad of ['x3600000', '3600000x', '36 00', '1.5', ''])
      assert.strictEqual(
        refusal('retention.ms', bad),
        `invalid value for topic config retention.ms: "${bad}" is not an integer`,
      );
    assert.strictEqual(
      refusal('retention.ms', 5),
      'invalid value for topic config retention.ms: must be a string, got number',
    );
  });

  it('an int config takes exactly the 32-bit range; a long config takes more, up to Long.MAX_VALUE', () => {
    assert.strictEqual(accepted('segment.bytes', '2147483647'), '2147483647');
    assert.strictEqual(
      refusal('segment.bytes', '2147483648'),
      'invalid value for topic config segment.bytes: 2147483648 does not fit a 32-bit integer',
    );
    assert.strictEqual(
      refusal('segment.bytes', LONG_MAX),
      `invalid value for topic config segment.bytes: ${LONG_MAX} does not fit a 32-bit integer`,
    );
    // The lowest int is below every int config's minimum; one less does not fit at all.
    assert.strictEqual(
      refusal('max.message.bytes', '-2147483648'),
      'invalid value for topic config max.message.bytes: -2147483648 is below the minimum 0',
    );
    assert.strictEqual(
      refusal('max.message.bytes', '-2147483649'),
      'invalid value for topic config max.message.bytes: -2147483649 does not fit a 32-bit integer',
    );
    assert.strictEqual(accepted('retention.ms', '3000000000'), '3000000000');
    assert.strictEqual(accepted('max.compaction.lag.ms', LONG_MAX), LONG_MAX);
    assert.strictEqual(accepted('flush.messages', ` ${LONG_MAX}`), LONG_MAX);
    assert.strictEqual(
      refusal('retention.ms', '9007199254740993'),
      'invalid value for topic config retention.ms: 9007199254740993 is out of range',
    );
    assert.strictEqual(
      refusal('segment.ms', '0'),
      'invalid value for topic config segment.ms: 0 is below the minimum 1',
    );
  });

  it('min.cleanable.dirty.ratio is a number from 0 to 1', () => {
    assert.strictEqual(accepted('min.cleanable.dirty.ratio', '0'), '0');
    assert.strictEqual(accepted('min.cleanable.dirty.ratio', ' 1 '), '1');
    assert.strictEqual(accepted('min.cleanable.dirty.ratio', '0.25'), '0.25');
    for (const bad of ['', '  ', 'half', 'NaN', 'Infinity'])
      assert.strictEqual(
        refusal('min.cleanable.dirty.ratio', bad),
        `invalid value for topic config min.cleanable.dirty.ratio: "${bad}" is not a number`,
      );
    assert.strictEqual(
      refusal('min.cleanable.dirty.ratio', '-0.1'),
      'invalid value for topic config min.cleanable.dirty.ratio: -0.1 is below the minimum 0',
    );
    assert.strictEqual(
      refusal('min.cleanable.dirty.ratio', '1.5'),
      'invalid value for topic config min.cleanable.dirty.ratio: 1.5 is above the maximum 1',
    );
  });

  it('boolean, enum and list configs take only their values, and the refusal lists them', () => {
    assert.strictEqual(accepted('preallocate', 'true'), 'true');
    assert.strictEqual(accepted('unclean.leader.election.enable', ' false'), 'false');
    assert.strictEqual(
      refusal('preallocate', 'yes'),
      'invalid value for topic config preallocate: "yes" is not true or false',
    );
    assert.strictEqual(accepted('compression.type', 'zstd'), 'zstd');
    assert.strictEqual(
      refusal('compression.type', 'gzip,lz4'),
      'invalid value for topic config compression.type: "gzip,lz4" is not one of uncompressed, zstd, lz4, snappy, gzip, producer',
      'an enum config takes one value, not a list',
    );
    assert.strictEqual(
      refusal('message.timestamp.type', 'createtime'),
      'invalid value for topic config message.timestamp.type: "createtime" is not one of CreateTime, LogAppendTime',
    );
    assert.strictEqual(accepted('cleanup.policy', 'compact, delete'), 'compact, delete');
    assert.strictEqual(
      refusal('cleanup.policy', 'compact,remove'),
      'invalid value for topic config cleanup.policy: "remove" is not one of delete, compact',
    );
    assert.strictEqual(refusal('retention.minutes', '5'), 'unknown topic config "retention.minutes"');
  });

  it('DescribeConfigs v3+ config types: INT, LONG, DOUBLE, BOOLEAN, STRING (enums), LIST, and 0 for an unknown name', () => {
    assert.deepStrictEqual(
      [
        'segment.bytes',
        'retention.ms',
        'min.cleanable.dirty.ratio',
        'preallocate',
        'compression.type',
        'cleanup.policy',
        'no.such.config',
      ].map(topicConfigType),
      [3, 5, 6, 1, 2, 7, 0], // Kafka's ConfigType ids, as the wire carries them
    );
  });

  it('the compaction settings the log acts on come from the topic, else from the defaults', () => {
    const set = effectiveConfig({
      'max.compaction.lag.ms': '5000',
      'min.compaction.lag.ms': '100',
      'delete.retention.ms': '7',
      'min.cleanable.dirty.ratio': '0.1',
      'cleanup.policy': 'compact',
    });
    assert.deepStrictEqual(
      [set.maxCompactionLagMs, set.minCompactionLagMs, set.deleteRetentionMs, set.minCleanableDirtyRatio, set.compact],
      [5000, 100, 7, 0.1, true],
    );
    const dflt = effectiveConfig({});
    assert.deepStrictEqual(
      [dflt.maxCompactionLagMs, dflt.deleteRetentionMs, dflt.minCleanableDirtyRatio, dflt.compact, dflt.deleteOld],
      [Number(LONG_MAX), 86_400_000, 0.5, false, true],
    );
  });

  it('a topic name that is not a string is INVALID_TOPIC_EXCEPTION saying so', () => {
    assert.throws(
      () => assertValidTopicName(42),
      (e: unknown) =>
        e instanceof KafkaError &&
        e.code === ErrorCode.INVALID_TOPIC_EXCEPTION &&
        e.message === 'A topic name must be a string.',
    );
  });

  it("the broker's configs: one node, broker and controller, one replica; set values are STATIC, Kafka's defaults DEFAULT", () => {
    const entries = describeBrokerConfigs({
      nodeId: 1,
      dataDir: '/data/kl',
      autoCreateTopics: true,
      defaultPartitions: 3,
      initialRebalanceDelayMs: 3000,
      flushIntervalMs: 500,
      minSessionTimeoutMs: 6000,
      maxSessionTimeoutMs: 1_800_000,
    });
    const row = (name: string) => {
      const e = entries.find((x) => x.name === name);
      assert.ok(e, `${name} is listed`);
      return [e.value, e.isDefault, e.source, e.configType, e.readOnly];
    };
    assert.deepStrictEqual(row('process.roles'), ['broker,controller', false, 4, ConfigType.LIST, true]);
    assert.deepStrictEqual(row('default.replication.factor'), ['1', true, 5, ConfigType.INT, true]);
    assert.deepStrictEqual(row('min.insync.replicas'), ['1', true, 5, ConfigType.INT, true]);
    assert.deepStrictEqual(row('offsets.topic.replication.factor'), ['1', false, 4, ConfigType.SHORT, true]);
    assert.deepStrictEqual(row('num.partitions'), ['3', false, 4, ConfigType.INT, true]);
    assert.deepStrictEqual(row('log.dirs'), ['/data/kl', false, 4, ConfigType.LIST, true]);
    assert.deepStrictEqual(row('log.cleaner.max.compaction.lag.ms'), [LONG_MAX, true, 5, ConfigType.LONG, true]);
  });
});
