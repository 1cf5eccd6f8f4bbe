/**
 * The producer panel's transactional and schema modes, against a real Broker (and its transaction coordinator) and a
 * real SchemaRegistry: Begin / Send / Commit / Abort through the coordinator, the drawing of the partition log (open
 * records, markers, last stable offset, high watermark), fencing by a second producer and by the coordinator's
 * timeout, a reloaded panel going on with its saved producer; schema mode encoding into Confluent's wire format
 * (decoded back by decode.ts) and refusing a value that does not fit, naming the field.
 */
import * as assert from 'assert';
import { ErrorCode } from '../../../../src/broker/errors';
import { ProducerController } from '../../../../src/extension/panels/producer-controller';
import { SchemaDecoder } from '../../../../src/schema-registry/decode';
import type { DecodedValue } from '../../../../src/schema-registry/decode';
import type { SchemaLog } from '../../../../src/schema-registry/log';
import { encodeKey, encodeValue } from '../../../../src/schema-registry/log';
import { SchemaRegistry } from '../../../../src/schema-registry/registry';
import type {
  ProducerForm,
  ProducerSnapshot,
  SchemaCheck,
  TxnPartitionDrawing,
} from '../../../../src/shared/producer-messages';
import { emptyProducerForm, parseProducerSavedState } from '../../../../src/shared/producer-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker, until } from './helpers';

function memoryLog(): SchemaLog {
  const rows: { key: string | null; value: string | null }[] = [];
  return {
    readAll: () => [...rows],
    append: (records) => {
      for (const r of records) rows.push({ key: encodeKey(r.key), value: encodeValue(r) });
      return Promise.resolve({ recreated: false });
    },
    ensure: () => Promise.resolve(false),
  };
}

const ORDER = JSON.stringify({
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
});

describe('producer panel controller: transactional and schema modes', () => {
  let fx: Fixture;
  let posted: Posted<ProducerSnapshot>;
  let ctl: ProducerController;
  let registry: SchemaRegistry | undefined;
  let id = 1;

  const form = (over: Partial<ProducerForm>): Required<ProducerForm> => ({
    ...emptyProducerForm(),
    topic: 'orders',
    ...over,
  });
  const req = async (c: ProducerController, p: Posted<ProducerSnapshot>, m: Record<string, unknown>) => {
    const rid = id++;
    await c.handle({ ...m, id: rid });
    return p.reply(rid);
  };
  const ask = (m: Record<string, unknown>) => req(ctl, posted, m);
  const begin = (transactionalId = 'orders-tx', timeoutMs = 60_000) =>
    ask({ type: 'txnBegin', transactionalId, timeoutMs, topic: 'orders' });
  const txnSend = (over: Partial<ProducerForm> = {}) =>
    ask({ type: 'send', form: form({ mode: 'transactional', partition: 0, value: 'v{{i}}', copies: 3, ...over }) });
  const drawing = (p = 0): TxnPartitionDrawing => {
    const d = posted.snapshot().txn?.drawings.find((x) => x.partition === p);
    assert.ok(d, `no drawing of partition ${p}`);
    return d;
  };
  const kinds = (d: TxnPartitionDrawing) => d.cells.map((c) => `${c.offset}:${c.kind}`);
  const committedValues = (p = 0) =>
    fx.broker.readRecords('orders', p, 0, 100, 1 << 20, { isolationLevel: 1 }).map((r) => r.value?.toString());

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('orders', 2);
    registry = await SchemaRegistry.open(memoryLog());
    posted = new Posted();
    ctl = new ProducerController({
      getBroker: () => fx.broker,
      post: posted.post,
      getSchemaRegistry: () => registry,
      schemaRegistryUrl: () => 'http://127.0.0.1:8081',
    });
    // two plain records first, so the open transaction starts at offset 2
    await fx.broker.produce('orders', [{ value: 'a' }, { value: 'b' }], { partition: 0 });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  describe('transactional mode', () => {
    it('Begin then Send 3: the records are in the log as an open transaction, LSO at its first offset, HW after it', async () => {
      assert.ok((await begin()).ok);
      let snap = posted.snapshot();
      assert.strictEqual(snap.txn?.state, 'open');
      assert.strictEqual(snap.txn?.producerEpoch, 0);
      // Begin is local, as a client's beginTransaction: the coordinator hears of it at the first send
      assert.strictEqual(fx.broker.describeTransaction('orders-tx')?.state, 'Empty');

      const r = await txnSend();
      assert.ok(r.ok, r.error);
      snap = posted.snapshot();
      assert.strictEqual(fx.broker.describeTransaction('orders-tx')?.state, 'Ongoing');
      assert.deepStrictEqual(snap.txn?.partitions, [{ topic: 'orders', partition: 0 }]);
      assert.strictEqual(snap.txn?.openRecords, 3);
      const d = drawing(0);
      assert.deepStrictEqual(kinds(d), ['0:plain', '1:plain', '2:open', '3:open', '4:open']);
      assert.strictEqual(d.lastStableOffset, 2);
      assert.strictEqual(d.highWatermark, 5);
      assert.strictEqual(
        d.caption,
        "A read_committed consumer reads up to offset 2 (the last stable offset): the open transaction's records at " +
          '2–4 are not visible until you commit. A read_uncommitted consumer reads up to the high watermark (5).',
      );
      // what the drawing says is what a read_committed reader gets
      assert.deepStrictEqual(committedValues(), ['a', 'b']);
      // each batch is transactional and carries the producer id, epoch and sequence
      const raw = fx.broker.readRecords('orders', 0, 2, 3);
      assert.ok(raw.every((x) => x.isTransactional && x.producerId === snap.txn!.producerId && x.producerEpoch === 0));
      assert.strictEqual(raw[0].baseSequence, 0);
      assert.match(
        snap.outcome?.caption ?? '',
        /inside the transaction of "orders-tx".*last stable offset \(partition 0: 2\)/,
      );
    });

    it('Commit writes a COMMIT marker: the LSO moves to the HW and read_committed reads the records', async () => {
      await begin();
      await txnSend();
      await txnSend({ copies: 1, value: 'w' }); // a second batch: sequence 3
      const r = await ask({ type: 'txnCommit' });
      assert.ok(r.ok, r.error);
      const snap = posted.snapshot();
      assert.strictEqual(snap.outcome?.kind, 'committed');
      assert.match(
        snap.outcome!.caption,
        /COMMIT marker .*partition 0 offset 6.*moved up to the high watermark \(partition 0: 7\).*reads the 4 record\(s\)/,
      );
      const d = drawing(0);
      assert.deepStrictEqual(kinds(d).slice(-5), [
        '2:committed',
        '3:committed',
        '4:committed',
        '5:committed',
        '6:commit',
      ]);
      assert.strictEqual(d.lastStableOffset, 7);
      assert.strictEqual(d.highWatermark, 7);
      assert.match(d.caption, /No open transaction: the last stable offset equals the high watermark \(7\)/);
      assert.deepStrictEqual(committedValues(), ['a', 'b', 'v1', 'v2', 'v3', 'w']);
      assert.strictEqual(snap.txn?.state, 'ready');
      assert.strictEqual(fx.broker.describeTransaction('orders-tx')?.state, 'CompleteCommit');
      // the next transaction of the same producer needs no new InitProducerId
      await begin();
      assert.strictEqual(posted.snapshot().txn?.producerEpoch, 0);
    });

    it('Abort writes an ABORT marker: the records stay in the log and read_committed skips them', async () => {
      await begin();
      await txnSend();
      assert.ok((await ask({ type: 'txnAbort' })).ok);
      const snap = posted.snapshot();
      assert.strictEqual(snap.outcome?.kind, 'aborted');
      assert.match(snap.outcome!.caption, /ABORT marker .*partition 0 offset 5.*read_committed consumers skip them/);
      assert.deepStrictEqual(kinds(drawing(0)).slice(-4), ['2:aborted', '3:aborted', '4:aborted', '5:abort']);
      assert.deepStrictEqual(committedValues(), ['a', 'b']);
    });

    it('a send to a second partition adds it to the transaction once; Commit marks both', async () => {
      await begin();
      await txnSend({ partition: 0, copies: 1 });
      await txnSend({ partition: 1, copies: 2 });
      await txnSend({ partition: 1, copies: 1 });
      assert.deepStrictEqual(fx.broker.describeTransaction('orders-tx')?.partitions, [
        { topic: 'orders', partition: 0 },
        { topic: 'orders', partition: 1 },
      ]);
      assert.deepStrictEqual(kinds(drawing(1)), ['0:open', '1:open', '2:open']);
      await ask({ type: 'txnCommit' });
      assert.deepStrictEqual(kinds(drawing(1)), ['0:committed', '1:committed', '2:committed', '3:commit']);
      assert.strictEqual(drawing(0).cells.at(-1)?.kind, 'commit');
    });

    it('a second producer with the same id fences the first: its open transaction is aborted and its next Send and Commit are refused', async () => {
      await begin();
      await txnSend();
      const first = posted.snapshot().txn!;
      assert.ok((await ask({ type: 'txnFence' })).ok);
      let snap = posted.snapshot();
      assert.strictEqual(snap.outcome?.kind, 'fenced');
      // fencing an open transaction takes two epochs, as in Kafka: one for its ABORT markers, one for the new producer
      assert.deepStrictEqual(snap.txn?.second, {
        producerId: first.producerId,
        producerEpoch: first.producerEpoch + 2,
      });
      assert.strictEqual(snap.txn?.state, 'fenced');
      // the coordinator aborted the first producer's open transaction before handing out the new epoch
      assert.deepStrictEqual(kinds(drawing(0)).slice(-4), ['2:aborted', '3:aborted', '4:aborted', '5:abort']);
      assert.match(snap.outcome!.caption, /ABORT marker\(s\) at partition 0 offset 5/);

      // the old producer's next send, to a partition already in its transaction: the produce path refuses the epoch
      const s = await txnSend({ copies: 1 });
      assert.strictEqual(s.ok, false);
      snap = posted.snapshot();
      assert.strictEqual(snap.outcome?.kind, 'fenced');
      assert.strictEqual(snap.outcome?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
      assert.match(
        snap.outcome!.caption,
        /The send was refused: the broker answered INVALID_PRODUCER_EPOCH \(47\)\. This producer \(id \d+, epoch 0\) was fenced: a second producer with the same transactional id started .*press Begin to start over/,
      );
      assert.strictEqual(fx.broker.partitionInfo('orders', 0).logEndOffset, 6, 'nothing was stored');
      // a fenced producer is done; Begin starts over with a new epoch, which fences the second producer in turn
      assert.ok((await begin()).ok);
      assert.strictEqual(posted.snapshot().txn?.producerEpoch, 3);
      assert.strictEqual(posted.snapshot().txn?.second, null);
      assert.strictEqual(posted.snapshot().txn?.state, 'open');
    });

    it('Begin after a second producer fenced the panel starts over instead of calling the old transaction open', async () => {
      await begin();
      await txnSend();
      await ask({ type: 'txnFence' });
      const r = await begin();
      assert.ok(r.ok, r.error);
      const t = posted.snapshot().txn!;
      assert.strictEqual(t.state, 'open');
      assert.strictEqual(t.producerEpoch, 3);
      assert.ok((await txnSend({ copies: 1, value: 'fresh' })).ok);
      assert.ok((await ask({ type: 'txnCommit' })).ok);
      assert.deepStrictEqual(committedValues(), ['a', 'b', 'fresh']);
    });

    it('a fenced producer that commits gets PRODUCER_FENCED from EndTxn', async () => {
      await begin();
      await txnSend();
      await ask({ type: 'txnFence' });
      const c = await ask({ type: 'txnCommit' });
      assert.strictEqual(c.ok, false);
      assert.match(c.error ?? '', /PRODUCER_FENCED, 90/);
      const o = posted.snapshot().outcome!;
      assert.strictEqual(o.kind, 'fenced');
      assert.strictEqual(o.errorName, 'PRODUCER_FENCED');
      assert.match(
        o.caption,
        /The commit was refused: the broker answered PRODUCER_FENCED \(90\).*its 3 record\(s\) will never be visible/,
      );
      assert.deepStrictEqual(committedValues(), ['a', 'b']);
    });

    it('the coordinator aborts a transaction open past its timeout: the panel says when, and the producer is fenced', async () => {
      await begin('slow-tx', 5_000);
      await txnSend();
      const started = fx.clock.now();
      await until(fx.clock, () => posted.snapshot().outcome?.kind === 'fenced', 'the timeout abort', 1000, 30);
      // the marker lands a moment later; the panel redraws when it does
      await until(fx.clock, () => drawing(0).cells.at(-1)?.kind === 'abort', 'the ABORT marker drawn', 10, 50);
      const snap = posted.snapshot();
      assert.match(
        snap.outcome!.caption,
        /The transaction of "slow-tx" was aborted: at \d\d:\d\d:\d\d UTC the coordinator aborted its transaction, open for [\d.]+ s, longer than its timeout of 5 s \(transaction.timeout.ms\)/,
      );
      assert.ok(snap.txn!.events.some((e) => /^Timeout: at /.test(e.text) && e.at > started + 5_000));
      assert.strictEqual(snap.txn?.state, 'fenced');
      assert.strictEqual(drawing(0).cells.at(-1)?.kind, 'abort');
      assert.strictEqual(drawing(0).lastStableOffset, drawing(0).highWatermark);
      const s = await txnSend({ copies: 1 });
      assert.strictEqual(s.ok, false);
      assert.match(posted.snapshot().outcome!.caption, /was fenced: at .* the coordinator aborted its transaction/);
    });

    it('a long log is drawn from a little before the open transaction, with a gap cell for the offsets left out', async () => {
      await fx.broker.produce(
        'orders',
        Array.from({ length: 60 }, (_, i) => ({ value: `p${i}` })),
        { partition: 0 },
      );
      await begin();
      await txnSend({ copies: 40 });
      const d = drawing(0);
      assert.ok(d.cells.length <= 32, `${d.cells.length} cells`);
      // from three offsets before the transaction (59..61 plain), then the open records, a gap, the last ones
      assert.deepStrictEqual(kinds(d).slice(0, 4), ['59:plain', '60:plain', '61:plain', '62:open']);
      const gap = d.cells.find((c) => c.kind === 'gap');
      assert.ok(gap && gap.gapTo! > gap.offset);
      assert.strictEqual(d.cells.at(-1)?.offset, 101);
      assert.strictEqual(d.lastStableOffset, 62);
      assert.strictEqual(d.highWatermark, 102);
      assert.match(d.caption, /records at 62–101 are not visible until you commit/);
    });

    it('shows when an open transaction times out before it does', async () => {
      await begin('t', 30_000);
      await txnSend({ copies: 1 });
      const t = posted.snapshot().txn!;
      assert.strictEqual(t.timesOutAt, t.startedAt + 30_000);
      assert.ok(t.startedAt >= 0);
    });

    it('refuses Send and Commit with no open transaction, a second Begin, and commits an empty transaction locally', async () => {
      const s = await txnSend();
      assert.strictEqual(s.ok, false);
      assert.match(s.error ?? '', /press Begin first/);
      assert.strictEqual(fx.broker.partitionInfo('orders', 0).logEndOffset, 2);
      assert.match((await ask({ type: 'txnCommit' })).error ?? '', /No transaction is open/);
      await begin();
      assert.match((await begin()).error ?? '', /already open: send to it, then Commit or Abort/);
      assert.ok((await ask({ type: 'txnCommit' })).ok);
      assert.match(posted.snapshot().outcome!.caption, /Nothing was sent in this transaction/);
      assert.strictEqual(fx.broker.describeTransaction('orders-tx')?.state, 'Empty');
    });

    it('validates its messages: an empty transactional id, a timeout beyond the maximum', async () => {
      const a = await ask({ type: 'txnBegin', transactionalId: ' ', timeoutMs: 1000, topic: 'orders' });
      assert.match(a.error ?? '', /The transactional id must not be empty/);
      const b = await ask({ type: 'txnBegin', transactionalId: 'x', timeoutMs: 900_001, topic: 'orders' });
      assert.match(b.error ?? '', /The transaction timeout must be between 1 and 900000/);
      assert.strictEqual(fx.broker.describeTransaction('x'), undefined);
    });

    it('a reloaded panel goes on with the producer the webview saved, and commits its open transaction', async () => {
      await begin();
      await txnSend();
      const t = posted.snapshot().txn!;
      ctl.dispose();
      // what the webview saves with setState, through the parser the serializer uses
      const saved = parseProducerSavedState({
        form: form({ mode: 'transactional', transactionalId: 'orders-tx' }),
        txn: {
          transactionalId: t.transactionalId,
          producerId: t.producerId,
          producerEpoch: t.producerEpoch,
          timeoutMs: t.timeoutMs,
          topic: 'orders',
        },
      });
      posted = new Posted();
      ctl = new ProducerController({ getBroker: () => fx.broker, post: posted.post, txnProducer: saved?.txn });
      await ask({ type: 'ready' });
      const again = posted.snapshot().txn!;
      assert.strictEqual(again.state, 'open');
      assert.strictEqual(again.openRecords, 0); // the count is the old panel's; the log still has them
      assert.deepStrictEqual(kinds(drawing(0)).slice(-3), ['2:open', '3:open', '4:open']);
      // the sequence goes on from the broker's producer state
      assert.ok((await txnSend({ copies: 1, value: 'after-reload' })).ok);
      assert.ok((await ask({ type: 'txnCommit' })).ok);
      assert.deepStrictEqual(committedValues(), ['a', 'b', 'v1', 'v2', 'v3', 'after-reload']);
    });

    it('an older saved state without the new fields still restores the form (plain mode)', () => {
      const old = { form: { ...emptyProducerForm(), topic: 't' } } as Record<string, unknown>;
      const f = old.form as Record<string, unknown>;
      for (const k of ['mode', 'transactionalId', 'transactionTimeoutMs', 'subject', 'schemaPart', 'messageType'])
        delete f[k];
      const s = parseProducerSavedState(old);
      assert.strictEqual(s?.form.topic, 't');
      assert.strictEqual(s?.form.mode, 'plain');
      assert.strictEqual(s?.form.transactionTimeoutMs, 60_000);
      assert.strictEqual(s?.txn, null);
    });
  });

  describe('schema mode', () => {
    const schemaSend = (over: Partial<ProducerForm>) =>
      ask({ type: 'send', form: form({ mode: 'schema', partition: 1, ...over }) });
    const check = async (over: Partial<ProducerForm>): Promise<SchemaCheck> => {
      const r = await ask({ type: 'checkSchema', form: form({ mode: 'schema', ...over }) });
      assert.ok(r.ok, r.error);
      return (r as { result?: unknown }).result as SchemaCheck;
    };

    it('by topic (orders-value), the JSON value is stored in wire format: magic 0, the schema id, Avro; it decodes back', async () => {
      const { id: schemaId } = await registry!.register('orders-value', { schema: ORDER });
      const r = await schemaSend({ value: '{"id": {{i}}, "amount": 9.5}', copies: 2 });
      assert.ok(r.ok, r.error);
      const recs = fx.broker.readRecords('orders', 1, 0, 10);
      assert.strictEqual(recs.length, 2);
      const dec = new SchemaDecoder(registry!);
      recs.forEach((rec, i) => {
        assert.strictEqual(rec.value![0], 0);
        assert.strictEqual(rec.value!.readInt32BE(1), schemaId);
        const d = dec.decode(rec.value, 'orders-value') as DecodedValue;
        assert.deepStrictEqual(d.value, { id: i + 1, amount: 9.5, note: null });
        assert.strictEqual(d.subject, 'orders-value');
      });
      assert.deepStrictEqual(posted.snapshot().schemas, {
        running: true,
        url: 'http://127.0.0.1:8081',
        subjects: ['orders-value'],
      });
    });

    it('a value that does not fit is refused naming the field, and nothing is stored', async () => {
      await registry!.register('orders-value', { schema: ORDER });
      const r = await schemaSend({ value: '{"id": 1, "amount": "ten"}' });
      assert.strictEqual(r.ok, false);
      assert.match(
        r.error ?? '',
        /^The value does not fit schema "orders-value" v1 \(Avro, id \d+\): field "amount": expected an Avro double \(a number\), got the string "ten"\.$/,
      );
      const c = await schemaSend({ value: '{"id": {{i}}, "amount": 1, "colour": "red"}', copies: 3 });
      assert.match(
        c.error ?? '',
        /The value \(copy 1\) does not fit .*field "colour": record Order has no field "colour"/,
      );
      const j = await schemaSend({ value: '{"id": 1,' });
      assert.match(j.error ?? '', /The value is not valid JSON, which schema mode needs/);
      assert.strictEqual(fx.broker.partitionInfo('orders', 1).logEndOffset, 0);
      assert.strictEqual(posted.snapshot().outcome?.kind, 'error');
    });

    it('checkSchema says whether the value fits before sending: the encoding, or the named field', async () => {
      const { id: schemaId } = await registry!.register('orders-value', { schema: ORDER });
      const ok = await check({ value: '{"id": 1, "amount": 2}' });
      assert.strictEqual(ok.problem, null);
      assert.strictEqual(ok.schemaId, schemaId);
      assert.strictEqual(ok.format, 'Avro');
      assert.strictEqual(ok.bytesHex?.slice(0, 14), `00 00 00 00 ${schemaId.toString(16).padStart(2, '0')}`);
      const bad = await check({ value: '{"id": "one", "amount": 2}' });
      assert.match(bad.problem ?? '', /Does not fit: field "id": expected an Avro long/);
      assert.strictEqual(fx.broker.partitionInfo('orders', 1).logEndOffset, 0);
      // a subject registered while the panel is open is listed once a check sees it
      await registry!.register('payments-value', { schema: '"string"' });
      await check({ value: '{"id": 1, "amount": 2}' });
      assert.deepStrictEqual(posted.snapshot().schemas.subjects, ['orders-value', 'payments-value']);
      const none = await check({ topic: 'refunds', value: '{}' });
      assert.match(
        none.problem ?? '',
        /no subject "refunds-value" \(TopicNameStrategy for topic "refunds"\): register a schema.*POST http:\/\/127.0.0.1:8081\/subjects\/refunds-value\/versions/,
      );
    });

    it('the key part by topic (orders-key) encodes the key; the value goes as typed', async () => {
      const { id: keyId } = await registry!.register('orders-key', { schema: '"string"' });
      const r = await schemaSend({ schemaPart: 'key', key: '"customer-7"', value: 'plain text' });
      assert.ok(r.ok, r.error);
      const [rec] = fx.broker.readRecords('orders', 1, 0, 1);
      assert.strictEqual(rec.key!.readInt32BE(1), keyId);
      assert.match(
        posted.snapshot().results[0].key ?? '',
        /^\(encoded with its schema: 00 00 00 00 0\d .*, \d+ bytes\)$/,
      );
      assert.strictEqual((new SchemaDecoder(registry!).decode(rec.key) as DecodedValue).value, 'customer-7');
      assert.strictEqual(rec.value?.toString(), 'plain text');
    });

    it('a named Protobuf subject encodes the chosen message with its message indexes', async () => {
      const { id: pid } = await registry!.register('shop.proto', {
        schemaType: 'PROTOBUF',
        schema: 'syntax = "proto3";\npackage shop;\nmessage A { string x = 1; }\nmessage B { int32 n = 1; }',
      });
      assert.deepStrictEqual(
        (await check({ subject: 'shop.proto', value: '{"n": 1}', messageType: 'shop.B' })).messageTypes,
        ['shop.A', 'shop.B'],
      );
      const r = await schemaSend({ subject: 'shop.proto', value: '{"n": 5}', messageType: 'shop.B' });
      assert.ok(r.ok, r.error);
      const [rec] = fx.broker.readRecords('orders', 1, 0, 1);
      assert.deepStrictEqual([...rec.value!.subarray(0, 7)], [0, 0, 0, 0, pid, 2, 2]);
      const d = new SchemaDecoder(registry!).decode(rec.value) as DecodedValue;
      assert.deepStrictEqual([d.messageType, d.value], ['shop.B', { n: 5 }]);
      const wrong = await schemaSend({ subject: 'shop.proto', value: '{"n": "five"}', messageType: 'shop.B' });
      assert.match(
        wrong.error ?? '',
        /does not fit schema "shop.proto" v1 \(Protobuf, id \d+\): field "n": expected a int32/,
      );
    });

    it('with the registry off, schema mode says so and sends nothing', async () => {
      registry = undefined;
      const r = await schemaSend({ value: '{"id": 1, "amount": 1}' });
      assert.match(r.error ?? '', /The embedded Schema Registry is not running.*kafkaLite.schemaRegistry.enabled/);
      assert.match((await check({ value: '{}' })).problem ?? '', /not running/);
      await ask({ type: 'ready' });
      assert.deepStrictEqual(posted.snapshot().schemas, { running: false, url: null, subjects: [] });
      assert.strictEqual(fx.broker.partitionInfo('orders', 1).logEndOffset, 0);
    });
  });
});
