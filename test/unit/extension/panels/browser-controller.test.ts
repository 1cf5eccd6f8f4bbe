import * as assert from 'assert';
import { BrowserController } from '../../../../src/extension/panels/browser-controller';
import type { BrowserSnapshot, RecordFilter, Seek } from '../../../../src/shared/browser-messages';
import { validateBrowserRequest } from '../../../../src/shared/browser-messages';
import type { ProducerForm } from '../../../../src/shared/producer-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

const noFilter: RecordFilter = { text: '', regex: false, field: 'any' };

describe('record browser controller', () => {
  let fx: Fixture;
  let posted: Posted<BrowserSnapshot>;
  let ctl: BrowserController;
  let clipboard: string[];
  let prefills: ProducerForm[];
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const open = (
    partition: number | null,
    seek: Seek,
    filter: RecordFilter = noFilter,
    tail = false,
    topic = 'events',
  ) => req({ type: 'open', topic, partition, seek, filter, tail });
  const offsets = () => posted.snapshot().rows.map((r) => r.offset);

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('events', 2);
    // 250 records on partition 0, in batches of 50, timestamps 1000 ms apart
    for (let b = 0; b < 5; b++) {
      await fx.broker.produce(
        'events',
        Array.from({ length: 50 }, (_, i) => {
          const n = b * 50 + i;
          return {
            key: `k${n}`,
            value: JSON.stringify({ n, even: n % 2 === 0 }),
            timestamp: 1_000_000 + n * 1000,
            headers: [{ key: 'src', value: Buffer.from(n % 10 === 0 ? 'batch' : 'web') }],
          };
        }),
        { partition: 0 },
      );
    }
    posted = new Posted();
    clipboard = [];
    prefills = [];
    ctl = new BrowserController({
      getBroker: () => fx.broker,
      post: posted.post,
      copyToClipboard: (t) => void clipboard.push(t),
      openProducer: (f) => void prefills.push(f),
      tailDelayMs: 10_000,
    });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it('pages forward and back through a partition 100 records at a time', async () => {
    assert.ok((await open(0, { kind: 'beginning' })).ok);
    let s = posted.snapshot();
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.strictEqual(s.hasPrev, false);
    assert.strictEqual(s.hasNext, true);
    await req({ type: 'page', direction: 'next' });
    assert.deepStrictEqual([offsets()[0], offsets()[99]], [100, 199]);
    await req({ type: 'page', direction: 'next' });
    s = posted.snapshot();
    assert.deepStrictEqual([offsets()[0], offsets().length], [200, 50]);
    assert.strictEqual(s.hasNext, false);
    const past = await req({ type: 'page', direction: 'next' });
    assert.strictEqual(past.ok, false);
    await req({ type: 'page', direction: 'prev' });
    assert.deepStrictEqual([offsets()[0], offsets()[99]], [100, 199]);
  });

  it('seeks to the end, then pages back from there', async () => {
    await open(0, { kind: 'end' });
    assert.deepStrictEqual([offsets()[0], offsets()[99]], [150, 249]);
    assert.strictEqual(posted.snapshot().hasNext, false);
    await req({ type: 'page', direction: 'prev' });
    assert.deepStrictEqual([offsets()[0], offsets()[99]], [50, 149]);
  });

  it('an empty page says where the partition starts and ends', async () => {
    await fx.broker.produce('events', [{ key: 'a', value: 'b' }], { partition: 1 });
    await open(0, { kind: 'end' });
    await open(null, { kind: 'offset', offset: 1_000 });
    assert.strictEqual(posted.snapshot().rows.length, 0);
    assert.strictEqual(
      posted.snapshot().note,
      'No records at this position: partition 0 holds offsets 0–249 (its next record gets 250); partition 1 holds offsets 0–0 (its next record gets 1).',
    );
    await open(0, { kind: 'end' }, { text: 'nothing', regex: false, field: 'any' });
    assert.match(posted.snapshot().note ?? '', /^No record matches the filter here: partition 0 holds offsets 0–249/);
  });

  it('seeks to an offset and to a timestamp', async () => {
    await open(0, { kind: 'offset', offset: 120 });
    assert.strictEqual(offsets()[0], 120);
    await open(0, { kind: 'timestamp', timestamp: 1_000_000 + 42 * 1000 - 1 });
    assert.strictEqual(offsets()[0], 42);
    await open(0, { kind: 'timestamp', timestamp: 9_000_000_000 });
    assert.deepStrictEqual(offsets(), []);
  });

  it('shows JSON pretty-printed, binary as hex, and decodes compressed batches', async () => {
    await fx.broker.produce('events', [{ key: Buffer.from([0, 1, 0xfe]), value: '{"a":[1,2]}' }], {
      partition: 1,
      compression: 1,
    });
    await open(1, { kind: 'beginning' });
    const [row] = posted.snapshot().rows;
    assert.strictEqual(row.key, '00 01 fe');
    assert.strictEqual(row.keyKind, 'binary');
    assert.strictEqual(row.value, '{\n  "a": [\n    1,\n    2\n  ]\n}');
    assert.strictEqual(row.valueKind, 'json');
    assert.strictEqual(row.compression, 1);
  });

  it('merges the partitions of a whole topic in timestamp order', async () => {
    await fx.broker.produce('events', [{ value: 'early', timestamp: 1_000_500 }], { partition: 1 });
    await open(null, { kind: 'beginning' });
    const rows = posted.snapshot().rows;
    assert.deepStrictEqual(
      rows.slice(0, 3).map((r) => [r.partition, r.offset]),
      [
        [0, 0],
        [1, 0],
        [0, 1],
      ],
    );
    assert.strictEqual(rows.length, 100);
  });

  it('filters by substring on a header and by regex on the key', async () => {
    await open(0, { kind: 'beginning' }, { text: 'BATCH', regex: false, field: 'header' });
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 25 }, (_, i) => i * 10),
    );
    await open(0, { kind: 'beginning' }, { text: '^k1\\d$', regex: true, field: 'key' });
    assert.deepStrictEqual(offsets(), [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    await open(0, { kind: 'beginning' }, { text: '"even":true', regex: false, field: 'value' });
    assert.strictEqual(offsets().length, 100);
    assert.ok(offsets().every((o) => o % 2 === 0));
  });

  it('the default "key, value or header" filter finds text that only a header holds (its value or its name)', async () => {
    // "batch" is in no key and no value, only in the header value of every 10th record
    await open(0, { kind: 'beginning' }, { text: 'batch', regex: false, field: 'any' });
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 25 }, (_, i) => i * 10),
    );
    // the header name "src" is in no key and no value either: every record has it
    await open(0, { kind: 'beginning' }, { text: '^src$', regex: true, field: 'any' });
    assert.deepStrictEqual(
      offsets(),
      Array.from({ length: 100 }, (_, i) => i),
    );
    // and the key and the value still count
    await open(0, { kind: 'beginning' }, { text: '^k7$', regex: true, field: 'any' });
    assert.deepStrictEqual(offsets(), [7]);
    await open(0, { kind: 'beginning' }, { text: '"n":42,', regex: false, field: 'any' });
    assert.deepStrictEqual(offsets(), [42]);
  });

  it('reports an invalid regex clearly instead of failing', async () => {
    const r = await open(0, { kind: 'beginning' }, { text: '(unclosed', regex: true, field: 'value' });
    assert.strictEqual(r.ok, false);
    assert.match(r.error ?? '', /Invalid regular expression \/\(unclosed\//);
    assert.match(posted.snapshot().error ?? '', /Invalid regular expression/);
    assert.deepStrictEqual(offsets(), []);
  });

  it('live tail appends records as they arrive', async () => {
    await open(0, { kind: 'end' }, noFilter, true);
    assert.strictEqual(offsets()[offsets().length - 1], 249);
    await fx.broker.produce('events', [{ value: 'new-1' }, { value: 'new-2' }], { partition: 0 });
    await fx.broker.produce('events', [{ value: 'other partition' }], { partition: 1 });
    await ctl.flushTail();
    const rows = posted.snapshot().rows;
    assert.deepStrictEqual(
      rows.slice(-2).map((r) => [r.offset, r.value]),
      [
        [250, 'new-1'],
        [251, 'new-2'],
      ],
    );
    assert.strictEqual(rows.length, 102);
  });

  it('copies a record as JSON and opens the producer prefilled with a copy', async () => {
    await open(0, { kind: 'beginning' });
    assert.ok((await req({ type: 'copyRecord', partition: 0, offset: 3 })).ok);
    const copied = JSON.parse(clipboard[0]);
    assert.deepStrictEqual([copied.offset, copied.key, copied.headers.src], [3, 'k3', 'web']);
    assert.ok((await req({ type: 'produceCopy', partition: 0, offset: 3 })).ok);
    assert.deepStrictEqual(
      [prefills[0].topic, prefills[0].key, prefills[0].valueFormat, prefills[0].headers],
      ['events', 'k3', 'json', [{ key: 'src', value: 'web' }]],
    );
  });

  it('a copy of a record with a binary value opens the producer with that value as base64', async () => {
    await fx.broker.produce('events', [{ key: 'bin', value: Buffer.from([0, 1, 2, 0xff]) }], { partition: 1 });
    await open(1, { kind: 'beginning' });
    assert.ok((await req({ type: 'produceCopy', partition: 1, offset: 0 })).ok);
    assert.deepStrictEqual(
      [prefills[0].key, prefills[0].value, prefills[0].valueFormat],
      ['bin', Buffer.from([0, 1, 2, 0xff]).toString('base64'), 'base64'],
    );
  });

  it('compacts a compacted topic on request and shows the page again, with the offsets that are left', async () => {
    await fx.broker.createTopic('profiles', 1, { 'cleanup.policy': 'compact' });
    for (const [key, value] of [
      ['ann', 'v1'],
      ['bob', 'v1'],
      ['ann', 'v2'],
      ['cy', 'v1'],
      ['ann', 'v3'],
    ]) {
      await fx.broker.produce('profiles', [{ key, value }], { partition: 0 });
    }
    assert.ok((await open(0, { kind: 'beginning' }, noFilter, false, 'profiles')).ok);
    assert.strictEqual(posted.snapshot().compacted, true);
    assert.deepStrictEqual(offsets(), [0, 1, 2, 3, 4]);
    const r = await req({ type: 'compact' });
    assert.ok(r.ok, r.error);
    const s = posted.snapshot();
    assert.deepStrictEqual(
      s.rows.map((x) => `${x.offset} ${x.key}=${x.value}`),
      ['1 bob=v1', '3 cy=v1', '4 ann=v3'],
    );
    assert.match(s.note ?? '', /2 superseded record\(s\) removed.*gaps/);
    // Compacted by someone else (the periodic cleaner, the command): the open page follows.
    await fx.broker.produce('profiles', [{ key: 'bob', value: 'v2' }], { partition: 0 });
    await fx.broker.compactTopic('profiles');
    await ctl.flushTail(); // waits for the queued re-read
    assert.deepStrictEqual(
      posted.snapshot().rows.map((x) => `${x.offset} ${x.key}=${x.value}`),
      ['3 cy=v1', '4 ann=v3', '5 bob=v2'],
    );
    // A topic with cleanup.policy=delete is not compacted: the panel says which setting to change.
    assert.ok((await open(0, { kind: 'beginning' })).ok);
    assert.strictEqual(posted.snapshot().compacted, false);
    const refused = await req({ type: 'compact' });
    assert.match(refused.error ?? '', /cleanup\.policy=delete; set it to "compact"/);
    assert.strictEqual(posted.snapshot().rows.length, 100, 'the page is unchanged');
  });

  it('says so when a topic does not exist, and rejects malformed requests', async () => {
    const r = await open(null, { kind: 'beginning' }, noFilter, false, 'missing');
    assert.match(r.error ?? '', /no topic "missing"/);
    assert.strictEqual(
      validateBrowserRequest({
        type: 'open',
        id: 1,
        topic: 'events',
        partition: null,
        seek: { kind: 'sideways' },
        filter: noFilter,
        tail: false,
      }).ok,
      false,
    );
    assert.strictEqual(
      validateBrowserRequest({
        type: 'open',
        id: 1,
        topic: 'events',
        partition: 0,
        seek: { kind: 'offset', offset: -5 },
        filter: noFilter,
        tail: false,
      }).ok,
      false,
    );
    assert.strictEqual(validateBrowserRequest({ type: 'page', id: 1, direction: 'up' }).ok, false);
    const v = validateBrowserRequest({
      type: 'open',
      id: 1,
      topic: 'events',
      partition: 0,
      seek: { kind: 'end' },
      filter: { text: 'x', regex: 'yes', field: 'any' },
      tail: false,
    });
    assert.deepStrictEqual(v, { ok: false, error: 'field "regex" must be true or false' });
  });

  it('deleting the open topic empties the page and says it was deleted', async () => {
    assert.ok((await open(0, { kind: 'beginning' })).ok);
    assert.ok(posted.snapshot().rows.length > 0);
    await fx.broker.deleteTopic('events');
    const s = posted.snapshot();
    assert.deepStrictEqual(s.rows, [], 'no record of the deleted topic stays listed');
    assert.strictEqual(s.topic, '');
    assert.match(s.error ?? '', /Topic "events" was deleted/);
    assert.strictEqual(
      s.topics.some((t) => t.name === 'events'),
      false,
    );
  });

  it('a stopped broker empties the page; when one runs again the topic is read from it at the same place', async () => {
    let current: typeof fx.broker | undefined = fx.broker;
    const c = new BrowserController({ getBroker: () => current, post: posted.post });
    try {
      await c.handle({
        type: 'open',
        id: 900,
        topic: 'events',
        partition: 0,
        seek: { kind: 'offset', offset: 120 },
        filter: noFilter,
        tail: false,
      });
      assert.strictEqual(posted.snapshot().rows[0].offset, 120);
      current = undefined; // the broker stopped
      c.brokerChanged();
      let s = posted.snapshot();
      assert.strictEqual(s.brokerRunning, false);
      assert.deepStrictEqual(s.rows, [], 'no records of a broker that is gone');
      assert.strictEqual(s.topic, 'events', 'the panel still knows what it showed');
      // a broker with the same data is back; one more record arrived meanwhile
      await fx.broker.produce('events', [{ key: 'new', value: 'late' }], { partition: 0 });
      current = fx.broker;
      c.brokerChanged();
      s = posted.snapshot();
      assert.strictEqual(s.brokerRunning, true);
      assert.strictEqual(s.error, null);
      assert.strictEqual(s.rows[0].offset, 120, 'the same position');
      assert.ok(s.ranges[0].logEndOffset > 250, 'read from the broker as it is now');
    } finally {
      c.dispose();
    }
  });

  it('a panel restored while the broker is stopped opens its saved position once the broker runs', async () => {
    let current: typeof fx.broker | undefined;
    const c = new BrowserController({ getBroker: () => current, post: posted.post });
    try {
      c.restore('events', 0, { kind: 'offset', offset: 200 }, noFilter, false);
      assert.strictEqual(posted.snapshot().topic, 'events');
      assert.deepStrictEqual(posted.snapshot().rows, []);
      current = fx.broker;
      c.brokerChanged();
      const s = posted.snapshot();
      assert.strictEqual(s.rows[0].offset, 200);
      assert.strictEqual(s.rows.length, 50);
    } finally {
      c.dispose();
    }
  });
});
