// DescribeConfigs (key 32) v4 (flexible) of broker resources over the wire against a real broker, frames built
// from Kafka's message spec: the broker configs Kafka Lite has, read-only, with Kafka's sources (STATIC_BROKER_CONFIG
// 4 where the value differs from Kafka's default, DEFAULT_CONFIG 5 otherwise), config types and documentation.
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire } from './group-wire';

interface Described {
  errorCode: number;
  errorMessage: string | null;
  configs: Map<string, { value: string | null; readOnly: boolean; source: number; type: number; doc: string | null }>;
}

describe('DescribeConfigs API: broker resources (v4)', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open({ defaultPartitions: 3, initialRebalanceDelayMs: 250 });
  });
  afterEach(() => wire.close());

  async function describeBroker(name: string, keys: string[] | null, documentation: boolean): Promise<Described> {
    const d = await wire.call(32, 4, true, (e) => {
      e.len(1).i8(4).str(name);
      if (keys === null) e.len(null);
      else {
        e.len(keys.length);
        for (const k of keys) e.str(k);
      }
      e.tags().bool(false).bool(documentation).tags();
    });
    d.i32();
    const [res] = d.many((): Described => {
      const errorCode = d.i16();
      const errorMessage = d.nstr();
      assert.strictEqual(d.i8(), 4);
      assert.strictEqual(d.str(), name);
      const configs: Described['configs'] = new Map();
      d.many(() => {
        const key = d.str();
        const value = d.nstr();
        const readOnly = d.bool();
        const source = d.i8();
        assert.strictEqual(d.bool(), false, 'not sensitive');
        d.many(() => {
          d.str();
          d.nstr();
          d.i8();
          d.tags();
        });
        configs.set(key, { value, readOnly, source, type: d.i8(), doc: d.nstr() });
        d.tags();
      });
      d.tags();
      return { errorCode, errorMessage, configs };
    });
    d.tags();
    d.end();
    return res;
  }

  it('the node id lists the broker configs, all read-only, with STATIC_BROKER_CONFIG or DEFAULT_CONFIG', async () => {
    const r = await describeBroker('1', null, false);
    assert.strictEqual(r.errorCode, 0);
    const c = (name: string) => {
      const e = r.configs.get(name);
      assert.ok(e, `${name} is described`);
      return [e.value, e.source, e.type];
    };
    assert.deepStrictEqual(c('num.partitions'), ['3', 4, 3], 'set to 3 where Kafka defaults to 1');
    assert.deepStrictEqual(c('auto.create.topics.enable'), ['true', 5, 1]);
    assert.deepStrictEqual(c('group.initial.rebalance.delay.ms'), ['250', 4, 3]);
    assert.deepStrictEqual(c('log.retention.ms'), ['604800000', 5, 5]);
    assert.deepStrictEqual(c('offsets.topic.replication.factor'), ['1', 4, 4]);
    assert.deepStrictEqual(c('node.id'), ['1', 4, 3]);
    assert.ok([...r.configs.values()].every((e) => e.readOnly && e.doc === null));
  });

  it('named keys keep only those, with documentation when asked for', async () => {
    const r = await describeBroker('1', ['num.partitions', 'no.such.config'], true);
    assert.deepStrictEqual([...r.configs.keys()], ['num.partitions']);
    assert.match(r.configs.get('num.partitions')!.doc ?? '', /auto-created/);
  });

  it('"" (the cluster-wide dynamic default) lists nothing; another broker id is INVALID_REQUEST', async () => {
    const all = await describeBroker('', null, false);
    assert.deepStrictEqual([all.errorCode, all.configs.size], [0, 0]);
    const other = await describeBroker('7', null, false);
    assert.strictEqual(other.errorCode, ErrorCode.INVALID_REQUEST);
    assert.match(other.errorMessage ?? '', /this broker is 1/);
  });
});

interface TopicConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** v0 only: IsDefault. */
  isDefault?: boolean;
  /** v1+: ConfigSource. */
  source?: number;
  synonyms?: [string, string | null, number][];
  configType?: number;
  documentation?: string | null;
}

interface TopicResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: TopicConfig[];
}

describe('DescribeConfigs API: topic resources, v0-v4', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('cfg', 1);
    await wire.broker.alterTopicConfigs('cfg', { 'retention.ms': '60000' });
  });
  afterEach(() => wire.close());

  /** One DescribeConfigs request of the given resources, read field by field for `version`. */
  async function describeConfigs(
    version: number,
    resources: [type: number, name: string, keys: string[] | null][],
    opts: { synonyms?: boolean; documentation?: boolean } = {},
  ): Promise<TopicResult[]> {
    const flexible = version >= 4;
    const d = await wire.call(32, version, flexible, (e) => {
      e.len(resources.length);
      for (const [type, name, keys] of resources) {
        e.i8(type)
          .str(name)
          .len(keys === null ? null : keys.length);
        for (const k of keys ?? []) e.str(k);
        e.tags();
      }
      if (version >= 1) e.bool(opts.synonyms ?? false);
      if (version >= 3) e.bool(opts.documentation ?? false);
      e.tags();
    });
    assert.strictEqual(d.i32(), 0, 'throttle time');
    const results = d.many((): TopicResult => {
      const result: TopicResult = {
        errorCode: d.i16(),
        errorMessage: d.nstr(),
        resourceType: d.i8(),
        resourceName: d.str(),
        configs: d.many((): TopicConfig => {
          const c: TopicConfig = { name: d.str(), value: d.nstr(), readOnly: d.bool() };
          if (version === 0) c.isDefault = d.bool();
          else c.source = d.i8();
          assert.strictEqual(d.bool(), false, `${c.name} is not sensitive`);
          if (version >= 1) {
            c.synonyms = d.many((): [string, string | null, number] => {
              const s: [string, string | null, number] = [d.str(), d.nstr(), d.i8()];
              d.tags();
              return s;
            });
          }
          if (version >= 3) {
            c.configType = d.i8();
            c.documentation = d.nstr();
          }
          d.tags();
          return c;
        }),
      };
      d.tags();
      return result;
    });
    d.tags();
    d.end();
    return results;
  }

  const byName = (r: TopicResult, name: string): TopicConfig => {
    const c = r.configs.find((e) => e.name === name);
    assert.ok(c, `${name} is described`);
    return c;
  };

  it('v0 lists every topic config with its value and IsDefault: an override is not the default', async () => {
    const [r] = await describeConfigs(0, [[2, 'cfg', null]]);
    assert.deepStrictEqual([r.errorCode, r.errorMessage, r.resourceType, r.resourceName], [0, null, 2, 'cfg']);
    const engine = wire.broker.describeTopicConfigs('cfg');
    assert.deepStrictEqual(
      r.configs.map((c) => c.name),
      engine.map((c) => c.name),
      'every config the engine knows, in its order',
    );
    assert.deepStrictEqual(byName(r, 'retention.ms'), {
      name: 'retention.ms',
      value: '60000',
      readOnly: false,
      isDefault: false,
    });
    assert.deepStrictEqual(byName(r, 'cleanup.policy'), {
      name: 'cleanup.policy',
      value: 'delete',
      readOnly: false,
      isDefault: true,
    });
  });

  it('v1 answers the source: DYNAMIC_TOPIC_CONFIG (1) for an override, DEFAULT_CONFIG (5) otherwise', async () => {
    const [r] = await describeConfigs(1, [[2, 'cfg', []]]);
    assert.strictEqual(r.configs.length, wire.broker.describeTopicConfigs('cfg').length, 'an empty key list is all');
    assert.deepStrictEqual(
      [byName(r, 'retention.ms').source, byName(r, 'retention.ms').synonyms],
      [1, []],
      'no synonyms unless asked for',
    );
    assert.deepStrictEqual([byName(r, 'cleanup.policy').source, byName(r, 'cleanup.policy').synonyms], [5, []]);
  });

  it('includeSynonyms answers each config as its own synonym, with the same value and source', async () => {
    const [r] = await describeConfigs(2, [[2, 'cfg', ['retention.ms', 'cleanup.policy']]], { synonyms: true });
    assert.strictEqual(r.configs.length, 2);
    assert.deepStrictEqual(byName(r, 'cleanup.policy').synonyms, [['cleanup.policy', 'delete', 5]]);
    assert.deepStrictEqual(byName(r, 'retention.ms').synonyms, [['retention.ms', '60000', 1]]);
  });

  it('named keys keep only those configs; v3 and v4 answer the config type (retention.ms: LONG, 5) and no documentation', async () => {
    for (const version of [3, 4]) {
      const [r] = await describeConfigs(version, [[2, 'cfg', ['retention.ms', 'no.such.config']]], {
        documentation: true,
      });
      assert.deepStrictEqual(
        r.configs,
        [
          {
            name: 'retention.ms',
            value: '60000',
            readOnly: false,
            source: 1,
            synonyms: [],
            configType: 5,
            documentation: null,
          },
        ],
        `v${version}`,
      );
    }
  });

  it('an unknown topic or resource type is refused per resource, the others in the request answered', async () => {
    const results = await describeConfigs(4, [
      [2, 'missing', null],
      [3, 'cfg', null],
      [2, 'cfg', ['retention.ms']],
    ]);
    assert.deepStrictEqual(
      results.map((r) => [r.errorCode, r.resourceType, r.resourceName, r.configs.length]),
      [
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 2, 'missing', 0],
        [ErrorCode.INVALID_REQUEST, 3, 'cfg', 0],
        [0, 2, 'cfg', 1],
      ],
    );
    assert.match(results[0].errorMessage ?? '', /there is no topic "missing"/);
    assert.match(results[1].errorMessage ?? '', /resource type 3 is not supported/);
    assert.strictEqual(results[2].errorMessage, null);
  });

  it('an unexpected engine failure is -1 with its message for that resource, logged with the name', async () => {
    const message = wire.failEngine('describeTopicConfigs');
    const [r] = await describeConfigs(4, [[2, 'cfg', null]]);
    assert.deepStrictEqual(
      [r.errorCode, r.errorMessage, r.configs.length],
      [ErrorCode.UNKNOWN_SERVER_ERROR, message, 0],
    );
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('DescribeConfigs "cfg"')),
      wire.logs.join(' | '),
    );
  });
});
