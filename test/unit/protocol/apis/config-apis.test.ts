// AlterConfigs (33) and IncrementalAlterConfigs (44) over the wire against a real broker: requests built by hand
// from Kafka's message specs (v0 classic encoding, v1 flexible with compact strings and tagged fields), answers
// read field by field, and the topic's configs checked through the engine.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../../../../src/broker/broker';
import { Reader } from '../../../../src/protocol/codec/reader';
import type { Writer } from '../../../../src/protocol/codec/writer';
import type { KafkaServer } from '../../../../src/protocol/server';
import { startKafkaServer } from '../../../../src/protocol/server';
import { frame, RawClient } from '../helpers';
import { ErrorCode } from '../../../../src/broker/errors';
import { GroupWire } from './group-wire';

const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;

type Op = [name: string, op: number, value: string | null];

describe('config APIs over the wire (AlterConfigs, IncrementalAlterConfigs)', () => {
  let dir: string;
  let broker: Broker;
  let server: KafkaServer;
  let client: RawClient;
  let correlation = 1;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-config-apis-'));
    broker = await Broker.open({ dataDir: dir, logger: () => undefined });
    server = await startKafkaServer({ broker, port: 0, logger: () => undefined });
    client = await RawClient.connect(server.port);
    await broker.createTopic('cfg', 1);
  });
  afterEach(async () => {
    client.end();
    await server.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** IncrementalAlterConfigs of topic resources; returns [errorCode, errorMessage] per resource. */
  async function incremental(
    version: 0 | 1,
    resources: [string, Op[]][],
    validateOnly = false,
  ): Promise<[number, string | null][]> {
    const flexible = version >= 1;
    const body = (w: Writer) => {
      const str = (s: string) => (flexible ? w.compactString(s) : w.string(s));
      const len = (n: number) => (flexible ? w.compactArrayLength(n) : w.arrayLength(n));
      len(resources.length);
      for (const [name, ops] of resources) {
        w.int8(2);
        str(name);
        len(ops.length);
        for (const [key, op, value] of ops) {
          str(key);
          w.int8(op);
          if (flexible) w.compactNullableString(value);
          else w.nullableString(value);
          if (flexible) w.emptyTaggedFields();
        }
        if (flexible) w.emptyTaggedFields();
      }
      w.bool(validateOnly);
      if (flexible) w.emptyTaggedFields();
    };
    const id = correlation++;
    client.send(frame(44, version, id, body, { headerV2: flexible }));
    const [res] = (await client.waitFrames(client.frames.length + 1)).slice(-1);
    const r = new Reader(res);
    assert.strictEqual(r.int32(), id);
    if (flexible) r.skipTaggedFields();
    r.int32(); // throttle time
    const n = flexible ? r.compactArrayLength() : r.arrayLength();
    const out: [number, string | null][] = [];
    for (let i = 0; i < n; i++) {
      const code = r.int16();
      const message = flexible ? r.compactNullableString() : r.nullableString();
      assert.strictEqual(r.int8(), 2);
      assert.strictEqual(flexible ? r.compactString() : r.string(), resources[i][0]);
      if (flexible) r.skipTaggedFields();
      out.push([code, message]);
    }
    return out;
  }

  const overrides = () => broker.getTopic('cfg')!.configs;
  const value = (name: string) => broker.describeTopicConfigs('cfg').find((e) => e.name === name)?.value;

  it('v0 sets a key and appends to a list config; v1 deletes the key and subtracts from the list', async () => {
    assert.deepStrictEqual(
      await incremental(0, [
        [
          'cfg',
          [
            ['retention.ms', SET, '60000'],
            ['cleanup.policy', APPEND, 'compact'],
          ],
        ],
      ]),
      [[0, null]],
    );
    assert.deepStrictEqual(overrides(), { 'retention.ms': '60000', 'cleanup.policy': 'delete,compact' });
    assert.deepStrictEqual(
      await incremental(1, [
        [
          'cfg',
          [
            ['retention.ms', DELETE, null],
            ['cleanup.policy', SUBTRACT, 'delete'],
          ],
        ],
      ]),
      [[0, null]],
    );
    assert.deepStrictEqual(overrides(), { 'cleanup.policy': 'compact' });
    assert.strictEqual(value('retention.ms'), '604800000', 'back to the default');
    // APPEND of something already there changes nothing.
    assert.deepStrictEqual(await incremental(1, [['cfg', [['cleanup.policy', APPEND, 'compact']]]]), [[0, null]]);
    assert.strictEqual(value('cleanup.policy'), 'compact');
  });

  it('refuses bad operations per resource with Kafka error codes, changing nothing', async () => {
    await incremental(0, [['cfg', [['retention.ms', SET, '60000']]]]);
    const before = overrides();
    const answers = await incremental(1, [
      ['cfg', [['retention.ms', APPEND, '5']]],
      [
        'cfg',
        [
          ['segment.ms', SET, '1000'],
          ['segment.ms', DELETE, null],
        ],
      ],
      ['cfg', [['retention.ms', 9, '1']]],
      ['cfg', [['retention.ms', SET, 'soon']]],
      [
        'cfg',
        [
          ['segment.ms', SET, '1000'],
          ['no.such.config', SET, '1'],
        ],
      ],
      ['missing', [['retention.ms', SET, '1']]],
    ]);
    assert.deepStrictEqual(
      answers.map(([code]) => code),
      [40, 42, 42, 40, 40, 3],
    );
    assert.match(answers[0][1] ?? '', /APPEND works on list configs only; "retention.ms" is not a list/);
    assert.match(answers[1][1] ?? '', /"segment.ms" appears more than once/);
    assert.match(answers[2][1] ?? '', /unknown config operation 9/);
    assert.match(answers[4][1] ?? '', /unknown topic config "no.such.config"/);
    assert.deepStrictEqual(overrides(), before, 'a resource with one bad change keeps all its configs');
  });

  it('validateOnly checks without changing', async () => {
    assert.deepStrictEqual(await incremental(1, [['cfg', [['retention.ms', SET, '1000']]]], true), [[0, null]]);
    assert.deepStrictEqual(overrides(), {});
    const [[code]] = await incremental(1, [['cfg', [['retention.ms', SET, '-7']]]], true);
    assert.strictEqual(code, 40);
  });

  it('AlterConfigs replaces the overrides: what it does not list goes back to its default', async () => {
    await incremental(0, [
      [
        'cfg',
        [
          ['retention.ms', SET, '60000'],
          ['segment.ms', SET, '120000'],
        ],
      ],
    ]);
    const id = correlation++;
    client.send(
      frame(33, 1, id, (w) => {
        w.arrayLength(1).int8(2).string('cfg');
        w.arrayLength(1).string('cleanup.policy').nullableString('compact');
        w.bool(false);
      }),
    );
    const [res] = (await client.waitFrames(client.frames.length + 1)).slice(-1);
    const r = new Reader(res);
    assert.strictEqual(r.int32(), id);
    r.int32();
    assert.strictEqual(r.arrayLength(), 1);
    assert.strictEqual(r.int16(), 0, r.nullableString() ?? '');
    assert.deepStrictEqual(overrides(), { 'cleanup.policy': 'compact' });
  });
});

describe('config APIs over the wire: what each change means, per resource', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('cfg', 1);
  });
  afterEach(() => wire.close());

  type Resource = [type: number, name: string, configs: [name: string, op: number, value: string | null][]];

  /** IncrementalAlterConfigs v1 (44) or AlterConfigs v1 (33, `op` ignored); [code, message] per resource. */
  async function alter(
    apiKey: 33 | 44,
    resources: Resource[],
    validateOnly = false,
  ): Promise<[number, string | null][]> {
    const flexible = apiKey === 44;
    const d = await wire.call(apiKey, 1, flexible, (e) => {
      e.len(resources.length);
      for (const [type, name, configs] of resources) {
        e.i8(type).str(name).len(configs.length);
        for (const [key, op, value] of configs) {
          e.str(key);
          if (apiKey === 44) e.i8(op);
          e.nstr(value).tags();
        }
        e.tags();
      }
      e.bool(validateOnly).tags();
    });
    assert.strictEqual(d.i32(), 0, 'throttle time');
    const out = d.many((): [number, string | null] => {
      const res: [number, string | null] = [d.i16(), d.nstr()];
      d.i8();
      d.str();
      d.tags();
      return res;
    });
    d.tags();
    d.end();
    return out;
  }
  const overrides = () => wire.broker.getTopic('cfg')!.configs;

  it('APPEND and SUBTRACT read a list with spaces and empty items as its plain items', async () => {
    assert.deepStrictEqual(await alter(44, [[2, 'cfg', [['cleanup.policy', APPEND, ' compact , ,delete ']]]]), [
      [0, null],
    ]);
    assert.deepStrictEqual(overrides(), { 'cleanup.policy': 'delete,compact' });
    assert.deepStrictEqual(await alter(44, [[2, 'cfg', [['cleanup.policy', SUBTRACT, ' delete ,']]]]), [[0, null]]);
    assert.deepStrictEqual(overrides(), { 'cleanup.policy': 'compact' });
  });

  it('SET without a value, SUBTRACT of a plain config and APPEND of an unknown one are refused, naming it', async () => {
    const answers = await alter(44, [
      [2, 'cfg', [['retention.ms', SET, null]]],
      [2, 'cfg', [['retention.ms', SUBTRACT, '1']]],
      [2, 'cfg', [['no.such.config', APPEND, 'x']]],
    ]);
    assert.deepStrictEqual(
      answers.map(([code]) => code),
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_CONFIG],
    );
    assert.match(answers[0][1] ?? '', /SET of config "retention.ms" needs a value/);
    assert.match(answers[1][1] ?? '', /SUBTRACT works on list configs only; "retention.ms" is not a list/);
    assert.match(answers[2][1] ?? '', /unknown topic config "no.such.config"/);
    assert.deepStrictEqual(overrides(), {});
  });

  it('DELETE of an override goes back to the default, and validateOnly leaves the override in place', async () => {
    await alter(44, [[2, 'cfg', [['retention.ms', SET, '5000']]]]);
    assert.deepStrictEqual(await alter(44, [[2, 'cfg', [['retention.ms', DELETE, null]]]], true), [[0, null]]);
    assert.deepStrictEqual(overrides(), { 'retention.ms': '5000' }, 'validateOnly changed nothing');
    assert.deepStrictEqual(await alter(44, [[2, 'cfg', [['retention.ms', DELETE, null]]]]), [[0, null]]);
    assert.deepStrictEqual(overrides(), {});
  });

  it('both alter APIs refuse an unknown topic and a resource type that is neither topic nor broker', async () => {
    for (const apiKey of [33, 44] as const) {
      const answers = await alter(apiKey, [
        [2, 'missing', [['retention.ms', SET, '1']]],
        [3, 'cfg', [['retention.ms', SET, '1']]],
        [2, 'cfg', [['retention.ms', SET, '7000']]],
      ]);
      assert.deepStrictEqual(
        answers.map(([code]) => code),
        [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_REQUEST, 0],
        `key ${apiKey}`,
      );
      assert.match(answers[0][1] ?? '', /there is no topic "missing"/);
      assert.match(
        answers[1][1] ?? '',
        /only topic \(2\) and broker \(4\) config resources exist.*got resource type 3/,
      );
      assert.strictEqual(answers[2][1], null);
      assert.deepStrictEqual(overrides(), { 'retention.ms': '7000' });
    }
  });

  it('AlterConfigs validateOnly checks the new set without storing it; a null value resets that config', async () => {
    await alter(33, [[2, 'cfg', [['retention.ms', SET, '5000']]]]);
    assert.deepStrictEqual(await alter(33, [[2, 'cfg', [['segment.ms', SET, '90000']]]], true), [[0, null]]);
    assert.deepStrictEqual(overrides(), { 'retention.ms': '5000' }, 'validateOnly kept the old overrides');
    const [[code, message]] = await alter(33, [[2, 'cfg', [['retention.ms', SET, 'soon']]]], true);
    assert.strictEqual(code, ErrorCode.INVALID_CONFIG, message ?? '');
    assert.deepStrictEqual(await alter(33, [[2, 'cfg', [['retention.ms', SET, null]]]]), [[0, null]]);
    assert.deepStrictEqual(overrides(), {});
  });

  it('a refusal names only what applies: unknown broker configs alone, or fixed ones alone', async () => {
    const [[, unknownOnly]] = await alter(44, [[4, '1', [['bogus', SET, '1']]]]);
    assert.strictEqual(unknownOnly, 'unknown broker config(s): bogus');
    const [[, fixedOnly]] = await alter(33, [[4, '1', [['num.partitions', SET, '2']]]]);
    assert.match(fixedOnly ?? '', /^cannot update these broker configs dynamically: num\.partitions \([^;]*\)$/);
  });

  it('a refusal of several broker configs lists each fixed one and each unknown one, comma-separated', async () => {
    const [[, message]] = await alter(33, [
      [
        4,
        '1',
        [
          ['num.partitions', SET, '2'],
          ['unclean.leader.election.enable', SET, 'true'],
          ['bogus', SET, '1'],
          ['other', SET, '1'],
        ],
      ],
    ]);
    assert.match(
      message ?? '',
      /^cannot update these broker configs dynamically: num\.partitions, unclean\.leader\.election\.enable \(.*\); unknown broker config\(s\): bogus, other$/,
    );
  });

  it('an unexpected engine failure is -1 for that resource and logged with the API and topic', async () => {
    wire.failEngine('alterTopicConfigs');
    for (const [apiKey, api] of [
      [33, 'AlterConfigs'],
      [44, 'IncrementalAlterConfigs'],
    ] as const) {
      const [[code]] = await alter(apiKey, [[2, 'cfg', [['retention.ms', SET, '1000']]]]);
      assert.strictEqual(code, ErrorCode.UNKNOWN_SERVER_ERROR);
      assert.ok(
        wire.logs.some((l) => l.startsWith('error ') && l.includes(`${api} "cfg"`)),
        wire.logs.join(' | '),
      );
    }
  });

  it('a broker config named twice is listed once in the refusal, known and unknown names apart', async () => {
    const [[code, message]] = await alter(44, [
      [
        4,
        '1',
        [
          ['num.partitions', SET, '2'],
          ['num.partitions', SET, '3'],
          ['bogus', SET, '1'],
        ],
      ],
    ]);
    assert.strictEqual(code, ErrorCode.INVALID_REQUEST);
    assert.match(
      message ?? '',
      /^cannot update these broker configs dynamically: num\.partitions \(.*\); unknown broker config\(s\): bogus$/,
    );
  });
});

describe('config APIs over the wire: broker resources (type 4) and AlterConfigs v2', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('cfg', 1);
  });
  afterEach(() => wire.close());

  /** IncrementalAlterConfigs v1 or AlterConfigs v2 (both flexible) of one resource; returns [code, message]. */
  async function alter(
    apiKey: 33 | 44,
    resourceType: number,
    name: string,
    configs: [string, string | null][],
  ): Promise<[number, string | null]> {
    const d = await wire.call(apiKey, apiKey === 44 ? 1 : 2, true, (e) => {
      e.len(1).i8(resourceType).str(name).len(configs.length);
      for (const [key, value] of configs) {
        e.str(key);
        if (apiKey === 44) e.i8(SET);
        e.nstr(value).tags();
      }
      e.tags().bool(false).tags();
    });
    d.i32();
    const [res] = d.many((): [number, string | null] => {
      const out: [number, string | null] = [d.i16(), d.nstr()];
      assert.strictEqual(d.i8(), resourceType);
      assert.strictEqual(d.str(), name);
      d.tags();
      return out;
    });
    d.tags();
    d.end();
    return res;
  }

  it('changing a broker config is INVALID_REQUEST naming it (fixed at start), for both alter APIs', async () => {
    const [code, message] = await alter(44, 4, '1', [['num.partitions', '4']]);
    assert.strictEqual(code, ErrorCode.INVALID_REQUEST);
    assert.match(message ?? '', /cannot update these broker configs dynamically: num\.partitions/);
    const [code2, message2] = await alter(33, 4, '', [
      ['log.retention.ms', '1000'],
      ['no.such.thing', '1'],
    ]);
    assert.strictEqual(code2, ErrorCode.INVALID_REQUEST);
    assert.match(message2 ?? '', /log\.retention\.ms/);
    assert.match(message2 ?? '', /unknown broker config\(s\): no\.such\.thing/);
    assert.strictEqual(wire.broker.defaultPartitions, 1, 'nothing changed');
  });

  it('a broker resource naming no config succeeds; another broker id is INVALID_REQUEST', async () => {
    assert.deepStrictEqual(await alter(44, 4, '1', []), [0, null]);
    const [code, message] = await alter(44, 4, '2', []);
    assert.strictEqual(code, ErrorCode.INVALID_REQUEST);
    assert.match(message ?? '', /unexpected broker id/);
  });

  it('AlterConfigs v2 (flexible) replaces a topic config', async () => {
    assert.deepStrictEqual(await alter(33, 2, 'cfg', [['retention.ms', '5000']]), [0, null]);
    assert.deepStrictEqual(wire.broker.getTopic('cfg')!.configs, { 'retention.ms': '5000' });
  });
});
