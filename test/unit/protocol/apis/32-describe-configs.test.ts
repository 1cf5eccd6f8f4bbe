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
