// DeleteTopics (key 20) v4-v5 on the wire (flexible): topics named (v6's topic ids are not offered), and from v5
// an error message for a topic that could not be deleted.
// DeleteTopics (key 20) over the wire, v0-3: each named topic is deleted with its data; an unknown name gets
// UNKNOWN_TOPIC_OR_PARTITION without affecting the others in the same request.
import * as assert from 'assert';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';
import { ErrorCode } from '../../../../src/broker/errors';
import type { Writer } from '../../../../src/protocol/codec/writer';
import * as harness from './harness';
import { GroupWire } from './group-wire';
import type { RequestContext } from '../../../../src/protocol/apis/api';
import { deleteTopics } from '../../../../src/protocol/apis/20-delete-topics';
import { topicIdToBytes } from '../../../../src/broker/topic-id';

describe('DeleteTopics API v4-v5 on the wire', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
    await wire.broker.createTopic('doomed', 2);
  });
  afterEach(() => wire.close());

  const del = (version: number, names: string[]) =>
    wire.call(20, version, true, (w) => {
      w.compactArrayLength(names.length);
      for (const n of names) w.compactString(n);
      w.int32(30000).emptyTaggedFields();
    });

  it('v5 deletes a topic and names the problem with an unknown one', async () => {
    const r = await del(5, ['doomed', 'ghost']);
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 2);
    assert.deepStrictEqual([r.compactString(), r.int16(), r.compactNullableString()], ['doomed', 0, null]);
    r.skipTaggedFields();
    assert.deepStrictEqual([r.compactString(), r.int16()], ['ghost', 3]);
    assert.match(r.compactNullableString() ?? '', /there is no topic "ghost"/);
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    assert.strictEqual(wire.broker.getTopic('doomed'), undefined);
  });

  it('v4 has no error message field', async () => {
    const r = await del(4, ['ghost']);
    assert.strictEqual(r.int32(), 0);
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.deepStrictEqual([r.compactString(), r.int16()], ['ghost', 3]);
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
  });
});

describe('DeleteTopics (key 20) over the wire', () => {
  let wire: harness.Wire;
  beforeEach(async () => (wire = await harness.openWire()));
  afterEach(async () => wire.close());

  async function deleteTopics(version: number, names: string[]): Promise<[string, number][]> {
    const body = (w: Writer) => {
      w.arrayLength(names.length);
      for (const n of names) w.string(n);
      w.int32(5000);
    };
    const r = await wire.call(20, version, body);
    if (version >= 1) assert.strictEqual(r.int32(), 0, 'throttle time');
    const n = r.arrayLength();
    const out: [string, number][] = [];
    for (let i = 0; i < n; i++) out.push([r.string(), r.int16()]);
    assert.strictEqual(r.remaining, 0, `v${version}: nothing after the last field`);
    return out;
  }

  it('every version v0-3 deletes the named topics and answers error 0 for each, in request order', async () => {
    for (let v = 0; v <= 3; v++) {
      await wire.broker.createTopic(`a${v}`, 1);
      await wire.broker.createTopic(`b${v}`, 2);
      assert.deepStrictEqual(await deleteTopics(v, [`b${v}`, `a${v}`]), [
        [`b${v}`, 0],
        [`a${v}`, 0],
      ]);
    }
    assert.deepStrictEqual(wire.broker.listTopics(), []);
  });

  it('an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION and the known one in the same request is still deleted', async () => {
    await wire.broker.createTopic('real', 1);
    assert.deepStrictEqual(await deleteTopics(1, ['ghost', 'real']), [
      ['ghost', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ['real', 0],
    ]);
    assert.strictEqual(wire.broker.getTopic('real'), undefined);
  });
});

describe('DeleteTopics API: an unexpected engine failure', () => {
  let wire: GroupWire;
  beforeEach(async () => {
    wire = await GroupWire.open();
    await wire.broker.createTopic('t', 1);
  });
  afterEach(() => wire.close());

  it('is UNKNOWN_SERVER_ERROR (-1) with its message for that topic, and logged with the topic name', async () => {
    const message = wire.failEngine('deleteTopic');
    const d = await wire.call(20, 5, true, (e) => e.len(1).str('t').i32(30000).tags());
    d.i32();
    const [row] = d.many(() => {
      const r = [d.str(), d.i16(), d.nstr()];
      d.tags();
      return r;
    });
    d.tags();
    d.end();
    assert.deepStrictEqual(row, ['t', ErrorCode.UNKNOWN_SERVER_ERROR, message]);
    assert.ok(
      wire.logs.some((l) => l.startsWith('error ') && l.includes('DeleteTopics "t"')),
      wire.logs.join(' | '),
    );
  });
});

describe('DeleteTopics API v6: a topic named both by its name and its id', () => {
  let wire: harness.Wire;
  beforeEach(async () => (wire = await harness.openWire()));
  afterEach(() => wire.close());

  it('is INVALID_REQUEST saying to name it one way, carries the id it was given, and deletes nothing', async () => {
    const t = await wire.broker.createTopic('both', 1);
    const ctx: RequestContext = {
      broker: wire.broker,
      cluster: { nodeId: 1, host: '127.0.0.1', port: 9092, clusterId: 'test' },
      apiVersion: 6,
      clientId: 'delete-test',
      clientHost: '127.0.0.1',
      connectionId: 1,
      log: () => undefined,
      onClose: () => () => undefined,
    };
    const resp = await deleteTopics.handle(ctx, {
      topics: [{ name: 'both', topicId: topicIdToBytes(t.topicId) }],
      topicNames: [],
      timeoutMs: 1000,
    });
    const [r] = resp!.responses;
    assert.deepStrictEqual(
      [r.name, r.errorCode, r.errorMessage, r.topicId.equals(topicIdToBytes(t.topicId))],
      [
        'both',
        ErrorCode.INVALID_REQUEST,
        `topic "both" is named by both its name and an id (${t.topicId}); name it by one of them`,
        true,
      ],
    );
    assert.ok(wire.broker.getTopic('both'), 'not deleted');
  });
});
