// Topic ids on the wire, field by field as the specs lay them out: Metadata v10+ answers them and v12 looks
// topics up by them; CreateTopics v7 answers the new topic's id; DeleteTopics v6 deletes by id (UNKNOWN_TOPIC_ID
// 100 for an id no topic has, so the old id of a re-created topic deletes nothing); Fetch v13+ and Produce v13
// name topics by id only (UNKNOWN_TOPIC_ID for an unknown one, INCONSISTENT_TOPIC_ID 103 for a long poll whose
// topic was re-created under the same name while it waited).
import * as assert from 'assert';
import { decodeRecordBatches, encodeRecordBatch } from '../../../../src/broker/storage/record-batch';
import { isTopicId, topicIdFromBytes, topicIdToBytes } from '../../../../src/broker/topic-id';
import type { Reader } from '../../../../src/protocol/codec/reader';
import { sleep } from '../helpers';
import type { Wire } from './wire';
import { assertConsumed, openWire } from './wire';

const ZERO = Buffer.alloc(16);
const idOf = (wire: Wire, name: string) => topicIdToBytes(wire.broker.getTopic(name)!.topicId);

/** Metadata v10+ topics: [errorCode, name, topic id (canonical text), partition count]. */
function metadataTopics(r: Reader, version: number): [number, string | null, string, number][] {
  r.int32(); // throttle
  for (let n = r.compactArrayLength(); n > 0; n--) {
    r.int32();
    r.compactString();
    r.int32();
    r.compactNullableString();
    r.skipTaggedFields();
  }
  r.compactNullableString(); // cluster id
  r.int32(); // controller
  const out: [number, string | null, string, number][] = [];
  for (let n = r.compactArrayLength(); n > 0; n--) {
    const errorCode = r.int16();
    const name = r.compactNullableString();
    const id = topicIdFromBytes(r.uuid());
    r.bool();
    let partitions = 0;
    for (let p = r.compactArrayLength(); p > 0; p--, partitions++) {
      r.int16();
      r.int32();
      r.int32();
      r.int32();
      for (let k = 0; k < 3; k++) for (let m = r.compactArrayLength(); m > 0; m--) r.int32();
      r.skipTaggedFields();
    }
    r.int32(); // topic authorized operations
    r.skipTaggedFields();
    out.push([errorCode, name, id, partitions]);
  }
  if (version <= 10) r.int32(); // cluster authorized operations
  if (version >= 13) assert.strictEqual(r.int16(), 0, 'v13 top-level error code');
  r.skipTaggedFields();
  assertConsumed(r);
  return out;
}

describe('topic ids on the wire (Metadata v10-13, CreateTopics v7, DeleteTopics v6, Fetch v13+, Produce v13)', () => {
  let wire: Wire;
  beforeEach(async () => {
    wire = await openWire();
  });
  afterEach(() => wire.close());

  const metadata = (version: number, topics: { id?: Buffer; name: string | null }[] | null) =>
    wire.call(3, version, true, (w) => {
      if (topics === null) w.compactArrayLength(null);
      else {
        w.compactArrayLength(topics.length);
        for (const t of topics)
          w.uuid(t.id ?? ZERO)
            .compactNullableString(t.name)
            .emptyTaggedFields();
      }
      w.bool(false); // allow auto-creation
      if (version <= 10) w.bool(false);
      w.bool(false).emptyTaggedFields();
    });

  it('Metadata v10 and v13 answer each topic with its id; a failed name answers the zero id', async () => {
    await wire.broker.createTopic('orders', 2);
    const id = wire.broker.getTopic('orders')!.topicId;
    for (const version of [10, 13]) {
      const topics = metadataTopics(await metadata(version, [{ name: 'orders' }, { name: 'ghost' }]), version);
      assert.deepStrictEqual(topics, [
        [0, 'orders', id, 2],
        [3, 'ghost', '00000000-0000-0000-0000-000000000000', 0],
      ]);
    }
  });

  it('Metadata v12 looks a topic up by id; an unknown id answers UNKNOWN_TOPIC_ID with a null name', async () => {
    await wire.broker.createTopic('orders', 3);
    const id = idOf(wire, 'orders');
    const other = Buffer.from('11111111222233334444555555555555', 'hex');
    const topics = metadataTopics(
      await metadata(12, [
        { id, name: null },
        { id: other, name: null },
      ]),
      12,
    );
    // unknown ids come first, as Kafka answers them
    assert.deepStrictEqual(topics, [
      [100, null, '11111111-2222-3333-4444-555555555555', 0],
      [0, 'orders', topicIdFromBytes(id), 3],
    ]);
    assert.strictEqual(wire.broker.listTopics().length, 1, 'nothing was auto-created');
  });

  const create = (name: string, validateOnly = false) =>
    wire.call(19, 7, true, (w) => {
      w.compactArrayLength(1).compactString(name).int32(2).int16(1);
      w.compactArrayLength(0).compactArrayLength(0).emptyTaggedFields();
      w.int32(30000).bool(validateOnly).emptyTaggedFields();
    });

  /** CreateTopics v7's first result: [name, topic id, error code]. */
  function created(r: Reader): [string, string, number] {
    r.int32();
    assert.strictEqual(r.compactArrayLength(), 1);
    const out: [string, string, number] = [r.compactString(), topicIdFromBytes(r.uuid()), r.int16()];
    r.compactNullableString();
    r.int32();
    r.int16();
    for (let n = r.compactArrayLength(); n > 0; n--) {
      r.compactString();
      r.compactNullableString();
      r.bool();
      r.int8();
      r.bool();
      r.skipTaggedFields();
    }
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  }

  it('CreateTopics v7 answers the created topic id (validating only: a fresh id no topic has, as Kafka)', async () => {
    const [name, id, errorCode] = created(await create('fresh'));
    assert.deepStrictEqual([name, errorCode], ['fresh', 0]);
    assert.strictEqual(id, wire.broker.getTopic('fresh')!.topicId);
    const [, checkedId, checkedError] = created(await create('checked', true));
    assert.strictEqual(checkedError, 0);
    assert.ok(isTopicId(checkedId) && checkedId !== id, checkedId);
    assert.strictEqual(wire.broker.getTopicById(checkedId), undefined);
  });

  const del = (entries: { name: string | null; id: Buffer }[]) =>
    wire.call(20, 6, true, (w) => {
      w.compactArrayLength(entries.length);
      for (const e of entries) w.compactNullableString(e.name).uuid(e.id).emptyTaggedFields();
      w.int32(30000).emptyTaggedFields();
    });

  /** DeleteTopics v6 results: [name, topic id, error code, error message]. */
  function deleted(r: Reader): [string | null, string, number, string | null][] {
    r.int32();
    const out: [string | null, string, number, string | null][] = [];
    for (let n = r.compactArrayLength(); n > 0; n--) {
      out.push([r.compactNullableString(), topicIdFromBytes(r.uuid()), r.int16(), r.compactNullableString()]);
      r.skipTaggedFields();
    }
    r.skipTaggedFields();
    assertConsumed(r);
    return out;
  }

  it('DeleteTopics v6 deletes by id; the old id of a re-created topic answers UNKNOWN_TOPIC_ID and deletes nothing', async () => {
    await wire.broker.createTopic('cycle', 1);
    const first = idOf(wire, 'cycle');
    assert.deepStrictEqual(deleted(await del([{ name: null, id: first }])), [
      ['cycle', topicIdFromBytes(first), 0, null],
    ]);
    assert.strictEqual(wire.broker.getTopic('cycle'), undefined);
    await wire.broker.createTopic('cycle', 1);
    const second = wire.broker.getTopic('cycle')!.topicId;
    assert.notStrictEqual(second, topicIdFromBytes(first), 'a re-created topic has a new id');
    const [[name, id, errorCode, message]] = deleted(await del([{ name: null, id: first }]));
    assert.deepStrictEqual([name, id, errorCode], [null, topicIdFromBytes(first), 100]);
    assert.match(message ?? '', /no topic with id/);
    assert.strictEqual(wire.broker.getTopic('cycle')?.topicId, second, 'the new topic is still there');
    // by name (zero id) still works in v6, and answers the deleted topic's id
    assert.deepStrictEqual(deleted(await del([{ name: 'cycle', id: ZERO }])), [['cycle', second, 0, null]]);
    // a name and an id together are refused
    await wire.broker.createTopic('both', 1);
    const bothId = idOf(wire, 'both');
    const [[bothName, echoedId, bothError]] = deleted(await del([{ name: 'both', id: bothId }]));
    assert.deepStrictEqual([bothName, echoedId, bothError], ['both', topicIdFromBytes(bothId), 42]);
    assert.ok(wire.broker.getTopic('both'));
  });

  const fetchById = (version: number, id: Buffer, offset: number, maxWaitMs = 0) =>
    wire.call(1, version, true, (w) => {
      if (version <= 14) w.int32(-1);
      w.int32(maxWaitMs)
        .int32(1)
        .int32(1 << 20)
        .int8(0)
        .int32(0)
        .int32(-1);
      w.compactArrayLength(1).uuid(id);
      w.compactArrayLength(1)
        .int32(0)
        .int32(-1)
        .int64(offset)
        .int32(-1)
        .int64(-1)
        .int32(1 << 20)
        .emptyTaggedFields();
      w.emptyTaggedFields();
      w.compactArrayLength(0).compactString('').emptyTaggedFields();
    });

  /**
   * A Fetch v13+ answer with one topic of one partition: [topic id, error code, high watermark, record values,
   * aborted transactions: -1 for null (a read), else how many, [last stable offset, log start offset]].
   */
  function fetched(r: Reader): [string, number, number, string[], number, [number, number]] {
    assert.deepStrictEqual([r.int32(), r.int16(), r.int32()], [0, 0, 0]);
    assert.strictEqual(r.compactArrayLength(), 1);
    const id = topicIdFromBytes(r.uuid());
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.int32(), 0);
    const errorCode = r.int16();
    const hw = r.int64();
    const offsets: [number, number] = [r.int64(), r.int64()];
    const aborted = r.compactArrayLength();
    for (let n = aborted; n > 0; n--) r.skip(16, 'aborted transaction');
    r.int32();
    const records = r.compactNullableBytes() ?? Buffer.alloc(0);
    r.skipTaggedFields();
    r.skipTaggedFields();
    r.skipTaggedFields();
    assertConsumed(r);
    const values = decodeRecordBatches(records).flatMap((b) => b.records.map((x) => x.value!.toString()));
    return [id, errorCode, hw, values, aborted, offsets];
  }

  it('Fetch v13 and v18 read a topic named by its id and answer with that id', async () => {
    await wire.broker.createTopic('events', 1);
    await wire.broker.produce(
      'events',
      [
        { key: null, value: 'a' },
        { key: null, value: 'b' },
      ],
      { partition: 0 },
    );
    const id = idOf(wire, 'events');
    for (const version of [13, 18]) {
      assert.deepStrictEqual(fetched(await fetchById(version, id, 0)), [
        topicIdFromBytes(id),
        0,
        2,
        ['a', 'b'],
        -1,
        [2, 0],
      ]);
    }
  });

  it('Fetch v13 with an id no topic has answers UNKNOWN_TOPIC_ID (aborted transactions [], as Kafka) and -1 offsets', async () => {
    const ghost = Buffer.from('abababababababababababababababab', 'hex');
    assert.deepStrictEqual(fetched(await fetchById(13, ghost, 0)), [topicIdFromBytes(ghost), 100, -1, [], 0, [-1, -1]]);
  });

  it("a long poll whose topic is re-created under the same name answers INCONSISTENT_TOPIC_ID, never the new topic's records", async () => {
    await wire.broker.createTopic('recreated', 1);
    const oldId = idOf(wire, 'recreated');
    const pending = fetchById(16, oldId, 0, 5000);
    await sleep(200); // the fetch parks: nothing to read yet
    await wire.broker.deleteTopic('recreated');
    await wire.broker.createTopic('recreated', 1);
    await wire.broker.produce('recreated', [{ key: null, value: 'new topic' }], { partition: 0 });
    const [id, errorCode, hw, values] = fetched(await pending);
    assert.deepStrictEqual([id, errorCode, hw, values], [topicIdFromBytes(oldId), 103, -1, []]);
  });

  const produceById = (id: Buffer, value: string) =>
    wire.call(0, 13, true, (w) => {
      const records = encodeRecordBatch([{ key: null, value: Buffer.from(value), headers: [], timestamp: 1000 }], {
        producerId: -1,
        producerEpoch: -1,
        baseSequence: -1,
        compression: 0,
      });
      w.compactNullableString(null).int16(1).int32(30000);
      w.compactArrayLength(1).uuid(id);
      w.compactArrayLength(1).int32(0).compactNullableBytes(records).emptyTaggedFields();
      w.emptyTaggedFields().emptyTaggedFields();
    });

  /** Produce v13's one partition answer: [topic id, error code, base offset, error message]. */
  function produced(r: Reader): [string, number, number, string | null] {
    assert.strictEqual(r.compactArrayLength(), 1);
    const id = topicIdFromBytes(r.uuid());
    assert.strictEqual(r.compactArrayLength(), 1);
    assert.strictEqual(r.int32(), 0);
    const errorCode = r.int16();
    const base = r.int64();
    r.int64();
    r.int64();
    assert.strictEqual(r.compactArrayLength(), 0);
    const message = r.compactNullableString();
    r.skipTaggedFields();
    r.skipTaggedFields();
    assert.strictEqual(r.int32(), 0);
    r.skipTaggedFields();
    assertConsumed(r);
    return [id, errorCode, base, message];
  }

  it('Produce v13 appends to the topic named by id; an unknown id answers UNKNOWN_TOPIC_ID and creates nothing', async () => {
    await wire.broker.createTopic('sink', 1);
    const id = idOf(wire, 'sink');
    assert.deepStrictEqual(produced(await produceById(id, 'one')), [topicIdFromBytes(id), 0, 0, null]);
    assert.deepStrictEqual(produced(await produceById(id, 'two')).slice(1, 3), [0, 1]);
    const values = decodeRecordBatches(wire.broker.fetch('sink', 0, 0, 1 << 20).records).flatMap((b) =>
      b.records.map((x) => x.value!.toString()),
    );
    assert.deepStrictEqual(values, ['one', 'two']);
    const ghost = Buffer.from('cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd', 'hex');
    const [gid, errorCode, base, message] = produced(await produceById(ghost, 'lost'));
    assert.deepStrictEqual([gid, errorCode, base], [topicIdFromBytes(ghost), 100, -1]);
    assert.match(message ?? '', /no topic with id/);
    assert.strictEqual(wire.broker.listTopics().length, 1);
  });
});
