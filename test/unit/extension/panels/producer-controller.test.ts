import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ErrorCode } from '../../../../src/broker/errors';
import { ProducerController } from '../../../../src/extension/panels/producer-controller';
import type { ProducerForm, ProducerSnapshot } from '../../../../src/shared/producer-messages';
import { emptyProducerForm, validateProducerRequest } from '../../../../src/shared/producer-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

describe('producer panel controller', () => {
  let fx: Fixture;
  let posted: Posted<ProducerSnapshot>;
  let ctl: ProducerController;
  let logLines: string[];
  let id = 1;

  const form = (over: Partial<ProducerForm>): ProducerForm => ({ ...emptyProducerForm(), topic: 'orders', ...over });
  const send = async (f: ProducerForm) => {
    const rid = id++;
    await ctl.handle({ type: 'send', id: rid, form: f });
    return posted.reply(rid);
  };
  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const logEnd = (p: number) => fx.broker.partitionInfo('orders', p).logEndOffset;

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('orders', 3);
    posted = new Posted();
    logLines = [];
    ctl = new ProducerController({
      getBroker: () => fx.broker,
      post: posted.post,
      workspaceRoots: () => [fx.dir],
      log: (_l, line) => logLines.push(line),
    });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it('sends three keyed records and reports the partition and offset of each, matching what the log holds', async () => {
    const r = await send(form({ key: 'customer-{{i}}', value: '{"n": {{i}}}', valueFormat: 'json', copies: 3 }));
    assert.deepStrictEqual(r, { type: 'reply', id: r.id, ok: true });
    const snap = posted.snapshot();
    assert.strictEqual(snap.results.length, 3);
    for (const row of snap.results) {
      const [rec] = fx.broker.readRecords('orders', row.partition, row.offset, 1);
      assert.strictEqual(rec.offset, row.offset);
      assert.strictEqual(rec.key?.toString(), row.key);
      const n = Number(row.key!.split('-')[1]);
      assert.deepStrictEqual(JSON.parse(rec.value!.toString()), { n });
    }
    assert.deepStrictEqual(snap.results.map((x) => x.key).sort(), ['customer-1', 'customer-2', 'customer-3']);
    assert.strictEqual(snap.outcome?.kind, 'sent');
    const total = [0, 1, 2].reduce((s, p) => s + logEnd(p), 0);
    assert.strictEqual(total, 3);
  });

  it('puts records with the same key on the same partition', async () => {
    await send(form({ key: 'same', value: 'a', copies: 4 }));
    const parts = new Set(posted.snapshot().results.map((r) => r.partition));
    assert.strictEqual(parts.size, 1);
  });

  it('with idempotence on, resending the last batch stores it once: original offset, log end unchanged', async () => {
    await send(form({ partition: 1, key: 'k', value: 'v', idempotent: true }));
    assert.strictEqual(logEnd(1), 1);
    const r = await req({ type: 'resendLast' });
    assert.ok(r.ok, r.error);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome?.kind, 'stored-once');
    assert.strictEqual(snap.outcome?.logEndBefore, 1);
    assert.strictEqual(snap.outcome?.logEndAfter, 1);
    assert.strictEqual(logEnd(1), 1);
    const last = snap.results[snap.results.length - 1];
    assert.strictEqual(last.offset, 0);
    assert.strictEqual(last.duplicate, true);
    assert.strictEqual(last.key, 'k');
    assert.ok(snap.producerId >= 0);
    assert.deepStrictEqual(
      snap.sequences.map((s) => [s.partition, s.nextSequence, s.brokerNextSequence]),
      [[1, 1, 1]],
    );
  });

  it('with idempotence off, resending the last batch stores a duplicate', async () => {
    await send(form({ partition: 1, key: 'k', value: 'v', idempotent: false }));
    const r = await req({ type: 'resendLast' });
    assert.ok(r.ok, r.error);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome?.kind, 'stored-twice');
    assert.strictEqual(logEnd(1), 2);
    const recs = fx.broker.readRecords('orders', 1, 0, 10);
    assert.deepStrictEqual(
      recs.map((x) => x.value?.toString()),
      ['v', 'v'],
    );
    assert.strictEqual(snap.producerId, -1);
  });

  it('skipping a sequence number makes the broker refuse the next batch with OUT_OF_ORDER_SEQUENCE_NUMBER (45) and store nothing', async () => {
    await send(form({ partition: 2, value: 'first', idempotent: true }));
    const firstPid = posted.snapshot().producerId;
    assert.ok((await req({ type: 'skipSequence', topic: 'orders', partition: 2 })).ok);
    assert.strictEqual(posted.snapshot().sequences.find((s) => s.partition === 2)?.nextSequence, 2);
    const r = await send(form({ partition: 2, value: 'second', idempotent: true }));
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /OUT_OF_ORDER_SEQUENCE_NUMBER \(45\)/);
    const snap = posted.snapshot();
    assert.strictEqual(snap.outcome?.kind, 'out-of-order');
    assert.strictEqual(snap.outcome?.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.strictEqual(logEnd(2), 1);
    // the panel starts over with a fresh producer id, so sending works again
    assert.ok((await send(form({ partition: 2, value: 'third', idempotent: true }))).ok);
    assert.notStrictEqual(posted.snapshot().producerId, firstPid);
    assert.deepStrictEqual(
      fx.broker.readRecords('orders', 2, 0, 10).map((x) => x.value?.toString()),
      ['first', 'third'],
    );
  });

  it('refuses to skip the first sequence of a partition the producer has not sent to: the broker would accept it', async () => {
    await send(form({ partition: 0, value: 'first', idempotent: true }));
    const r = await req({ type: 'skipSequence', topic: 'orders', partition: 1 });
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /Send a batch to "orders" partition 1 first: .*accepts any first sequence/);
    assert.strictEqual(posted.snapshot().sequences.find((s) => s.partition === 1)?.nextSequence ?? 0, 0);
    assert.ok((await send(form({ partition: 1, value: 'v', idempotent: true }))).ok, 'sending still works');
  });

  it('refuses a value that is not valid JSON when the format is JSON, and stores nothing', async () => {
    const r = await send(form({ value: '{"a": ', valueFormat: 'json', copies: 2 }));
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /not valid JSON/);
    assert.strictEqual(
      [0, 1, 2].reduce((s, p) => s + logEnd(p), 0),
      0,
    );
  });

  it('Browse… for a records file gives its path inside the workspace, nothing when dismissed, and refuses one outside', async () => {
    const picks: (string | undefined)[] = [path.join(fx.dir, 'data-files', 'orders.jsonl'), undefined, '/etc/passwd'];
    ctl.dispose();
    ctl = new ProducerController({
      getBroker: () => fx.broker,
      post: posted.post,
      workspaceRoots: () => [fx.dir],
      pickFile: async () => picks.shift(),
    });
    const inside = await req({ type: 'pickFile' });
    assert.deepStrictEqual([inside.ok, inside.result], [true, { path: path.join('data-files', 'orders.jsonl') }]);
    const dismissed = await req({ type: 'pickFile' });
    assert.deepStrictEqual([dismissed.ok, dismissed.result], [true, { path: null }]);
    const outside = await req({ type: 'pickFile' });
    assert.strictEqual(outside.ok, false);
    assert.match(outside.error ?? '', /"\/etc\/passwd" is outside the workspace/);
  });

  it('a send sums up each partition on one line: first and last offset and how many, however many batches', async () => {
    await send(form({ partition: 2, value: 'earlier' }));
    // 1,200 keyless copies: round-robin over three partitions, 400 each, two batches of up to 500 per partition
    assert.ok((await send(form({ value: 'v{{i}}', copies: 1200 }))).ok);
    const o = posted.snapshot().outcome!;
    assert.deepStrictEqual(o.partitions, [
      { partition: 0, first: 0, last: 399, count: 400 },
      { partition: 1, first: 0, last: 399, count: 400 },
      { partition: 2, first: 1, last: 400, count: 400 },
    ]);
    assert.strictEqual(
      o.caption,
      'Stored 1200 record(s) on topic "orders": partition 0: offsets 0–399 (400 records); partition 1: offsets 0–399 (400 records); partition 2: offsets 1–400 (400 records). Producer id ' +
        o.caption.split('Producer id ')[1],
    );
    await send(form({ partition: 1, value: 'one' }));
    assert.match(
      posted.snapshot().outcome!.caption,
      /^Stored 1 record\(s\) on topic "orders": partition 1: offset 400 \(1 record\)\./,
    );
  });

  it('a value typed as hex or base64 is stored as those bytes; a wrong digit is named and nothing is stored', async () => {
    assert.ok((await send(form({ partition: 0, value: '0x00 ff:1A 7f', valueFormat: 'hex' }))).ok);
    assert.ok((await send(form({ partition: 0, value: 'AAEC//4', valueFormat: 'base64' }))).ok);
    assert.ok((await send(form({ partition: 0, value: 'aGk-_w==', valueFormat: 'base64' }))).ok, 'URL alphabet');
    const got = fx.broker.readRecords('orders', 0, 0, 10).map((r) => [...r.value!]);
    assert.deepStrictEqual(got, [
      [0x00, 0xff, 0x1a, 0x7f],
      [0x00, 0x01, 0x02, 0xff, 0xfe],
      [...Buffer.from('aGk+/w==', 'base64')],
    ]);
    const hex = await send(form({ partition: 1, value: '00 fg', valueFormat: 'hex' }));
    assert.strictEqual(hex.error, 'The value is not hex: "g" is not a hex digit (use 0-9 and a-f, e.g. "00 ff 1a").');
    const odd = await send(form({ partition: 1, value: 'abc', valueFormat: 'hex' }));
    assert.match(odd.error ?? '', /3 hex digits; each byte takes two/);
    const b64 = await send(form({ partition: 1, value: 'AA*A', valueFormat: 'base64', copies: 2 }));
    assert.strictEqual(b64.error, 'The value (copy 1) is not base64: "*" is not a base64 character.');
    assert.strictEqual(logEnd(1), 0);
  });

  it('applies headers, an explicit timestamp and {{i}} in header values', async () => {
    await send(
      form({
        partition: 0,
        value: 'x',
        headers: [{ key: 'trace', value: 't-{{i}}' }],
        timestamp: 1_600_000_000_000,
        copies: 2,
      }),
    );
    const recs = fx.broker.readRecords('orders', 0, 0, 10);
    assert.deepStrictEqual(
      recs.map((r) => r.headers.map((h) => `${h.key}=${h.value?.toString()}`)),
      [['trace=t-1'], ['trace=t-2']],
    );
    assert.deepStrictEqual(
      recs.map((r) => r.timestamp),
      [1_600_000_000_000, 1_600_000_000_000],
    );
  });

  it('refuses an explicit partition the topic does not have', async () => {
    const r = await send(form({ partition: 7, value: 'x' }));
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /no partition 7/);
  });

  it('sends many records from a JSON-lines file in the workspace and refuses a file outside it', async () => {
    fs.writeFileSync(
      path.join(fx.dir, 'batch.jsonl'),
      '{"key":"a","value":{"n":1}}\n{"key":"b","value":"two","headers":{"h":"1"}}\n\n"plain"\n',
    );
    const r = await req({ type: 'sendFile', path: 'batch.jsonl', topic: 'orders', partition: 0, idempotent: true });
    assert.ok(r.ok, r.error);
    const recs = fx.broker.readRecords('orders', 0, 0, 10);
    assert.deepStrictEqual(
      recs.map((x) => [x.key?.toString() ?? null, x.value?.toString()]),
      [
        ['a', '{"n":1}'],
        ['b', 'two'],
        [null, 'plain'],
      ],
    );
    assert.strictEqual(recs[1].headers[0].value?.toString(), '1');

    fs.writeFileSync(path.join(fx.dir, 'arr.json'), '[{"value":"x"},{"value":"y"}]');
    assert.ok(
      (
        await req({
          type: 'sendFile',
          path: path.join(fx.dir, 'arr.json'),
          topic: 'orders',
          partition: 1,
          idempotent: false,
        })
      ).ok,
    );
    assert.strictEqual(logEnd(1), 2);

    const outside = await req({
      type: 'sendFile',
      path: '../../etc/passwd',
      topic: 'orders',
      partition: 0,
      idempotent: false,
    });
    assert.strictEqual(outside.ok, false);
    assert.match(outside.error ?? '', /outside the workspace|no file/);
    const bad = await req({ type: 'sendFile', path: 'arr.json', topic: 'nope', partition: null, idempotent: false });
    assert.strictEqual(bad.ok, false);
    assert.strictEqual(logEnd(0), 3);
  });

  it('creates a topic inline and lists it in the next snapshot', async () => {
    assert.ok((await req({ type: 'createTopic', name: 'fresh', partitions: 2 })).ok);
    assert.deepStrictEqual(
      posted.snapshot().topics.find((t) => t.name === 'fresh'),
      { name: 'fresh', partitions: 2 },
    );
  });

  it('rejects malformed messages with a clear reason, logs them and produces nothing', async () => {
    const bad: unknown[] = [
      { type: 'send', id: 90, form: { ...emptyProducerForm(), topic: 'orders', copies: 0 } },
      { type: 'send', id: 91, form: { ...emptyProducerForm(), topic: 'orders', partition: -1 } },
      { type: 'send', id: 92, form: { ...emptyProducerForm(), topic: 'orders', key: 5 } },
      { type: 'skipSequence', id: 93, topic: 'bad name!', partition: 0 },
      { type: 'launchMissiles', id: 94 },
      { type: 'send', form: emptyProducerForm() },
      'not an object',
    ];
    for (const m of bad) await ctl.handle(m);
    assert.strictEqual(posted.reply(90).ok, false);
    assert.match(posted.reply(90).error ?? '', /^Copies must be between 1 and 10000/);
    assert.match(posted.reply(91).error ?? '', /"partition"/);
    assert.match(posted.reply(92).error ?? '', /^The key must be a string/);
    assert.match(posted.reply(93).error ?? '', /may contain only letters, digits/);
    assert.match(posted.reply(94).error ?? '', /unknown message type "launchMissiles"/);
    assert.strictEqual(logLines.length, bad.length);
    assert.ok(logLines.every((l) => l.startsWith('[producer] rejected a message from the webview:')));
    assert.strictEqual(
      [0, 1, 2].reduce((s, p) => s + logEnd(p), 0),
      0,
    );
    assert.strictEqual(validateProducerRequest({ type: 'ready', id: 1.5 }).ok, false);
  });

  it('answers every request with a reply carrying only its id and ok (no producer request declares a result)', async () => {
    await ctl.handle({ type: 'ready', id: 70 });
    await ctl.handle({ type: 'setIdempotent', id: 71, idempotent: false });
    await ctl.handle({ type: 'resendLast', id: 72 });
    assert.deepStrictEqual(posted.reply(70), { type: 'reply', id: 70, ok: true });
    assert.deepStrictEqual(posted.reply(71), { type: 'reply', id: 71, ok: true });
    assert.deepStrictEqual(Object.keys(posted.reply(72)).sort(), ['error', 'id', 'ok', 'type']);
    assert.strictEqual(posted.reply(72).ok, false);
    assert.strictEqual(posted.snapshot().idempotent, false);
  });

  it('says the broker is not running instead of throwing when there is none', async () => {
    const p2 = new Posted<ProducerSnapshot>();
    const c2 = new ProducerController({ getBroker: () => undefined, post: p2.post });
    await c2.handle({ type: 'send', id: 1, form: form({ value: 'x' }) });
    assert.match(p2.reply(1).error ?? '', /not running/);
    await c2.handle({ type: 'ready', id: 2 });
    assert.strictEqual(p2.snapshot().brokerRunning, false);
  });

  it('a send refused before anything is stored replaces the older "Stored" outcome with the refusal', async () => {
    assert.ok((await send(form({ value: 'x', copies: 5 }))).ok);
    assert.match(posted.snapshot().outcome?.caption ?? '', /^Stored 5 record\(s\)/);
    const first = posted.snapshot().outcome!.seq!;
    const r = await send(form({ value: '{not json', valueFormat: 'json' }));
    assert.strictEqual(r.ok, false);
    const o = posted.snapshot().outcome!;
    assert.strictEqual(o.kind, 'error');
    assert.match(o.caption, /not valid JSON/);
    assert.ok(o.seq! > first, 'a new outcome, numbered after the old one');
    assert.doesNotMatch(o.caption, /Stored/);
  });

  it('a keyless record for a compacted topic is refused in the words of the form (no "batch 0")', async () => {
    await fx.broker.createTopic('profiles', 1, { 'cleanup.policy': 'compact' });
    const r = await send(form({ topic: 'profiles', key: '', value: 'v' }));
    assert.strictEqual(r.ok, false);
    assert.match(
      r.error ?? '',
      /Topic "profiles" is compacted \(cleanup\.policy=compact\): every record needs a key, and this record has none/,
    );
    assert.doesNotMatch(r.error ?? '', /batch \d/);
    assert.strictEqual(fx.broker.partitionInfo('profiles', 0).logEndOffset, 0, 'nothing stored');
    assert.ok((await send(form({ topic: 'profiles', key: 'ann', value: 'v' }))).ok);
  });

  it('a typed value the host refuses is named as the person knows it, not as a message field', async () => {
    const bad = await req({ type: 'createTopic', name: 'bad name', partitions: 1 });
    assert.strictEqual(bad.ok, false);
    assert.strictEqual(
      bad.error,
      'A topic name may contain only letters, digits, ".", "_" and "-"; it contains a space.',
    );
    const many = await req({ type: 'createTopic', name: 'ok-name', partitions: 20_000 });
    assert.strictEqual(many.error, 'Partitions must be between 1 and 10000, got 20000.');
    const copies = await req({ type: 'send', form: form({ copies: 0 }) });
    assert.strictEqual(copies.error, 'Copies must be between 1 and 10000, got 0.');
    for (const e of [bad.error, many.error, copies.error]) assert.doesNotMatch(e ?? '', /invalid message|field "/);
  });

  it('each prefill has its own id, never reused by another controller (a reloaded window)', () => {
    ctl.setPrefill(form({ key: 'a' }));
    const a = posted.snapshot().prefillId;
    ctl.setPrefill(form({ key: 'b' }));
    const b = posted.snapshot().prefillId;
    const other = new Posted<ProducerSnapshot>();
    const c2 = new ProducerController({ getBroker: () => fx.broker, post: other.post });
    c2.setPrefill(form({ key: 'c' }));
    const c = other.snapshot().prefillId;
    c2.dispose();
    assert.ok(a && b && c);
    assert.strictEqual(new Set([a, b, c]).size, 3);
  });
});
