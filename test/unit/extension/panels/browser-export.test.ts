/**
 * The record browser's export and "Copy as kcat command", through the controller with a real Broker: what a person
 * gets in the file (read back and compared with the log), for each scope and format, and what happens when they
 * dismiss the save dialog or cancel an export under way.
 */
import * as assert from 'assert';
import type { ExportSink, ExportTarget, SaveExport } from '../../../../src/extension/panels/browser-controller';
import { BrowserController } from '../../../../src/extension/panels/browser-controller';
import type { BrowserSnapshot, RecordFilter } from '../../../../src/shared/browser-messages';
import type { Fixture } from './helpers';
import { Posted, openBroker } from './helpers';

const noFilter: RecordFilter = { text: '', regex: false, field: 'any' };

describe('record browser export', () => {
  let fx: Fixture;
  let posted: Posted<BrowserSnapshot>;
  let ctl: BrowserController;
  let clipboard: string[];
  let files: { target: ExportTarget; text: string }[];
  /** What the fake save dialog does: save to a path, be dismissed, or cancel after `cancelAfter` writes. */
  let dialog: { dismiss?: boolean; cancelAfter?: number };
  let id = 1;

  const req = async (m: Record<string, unknown>) => {
    const rid = id++;
    await ctl.handle({ ...m, id: rid });
    return posted.reply(rid);
  };
  const open = (partition: number | null, filter: RecordFilter = noFilter) =>
    req({ type: 'open', topic: 'events', partition, seek: { kind: 'beginning' }, filter, tail: false });
  const exportAs = (format: string, scope: string, selection: { partition: number; offset: number }[] = []) =>
    req({ type: 'exportRecords', format, scope, selection });

  const saveExport: SaveExport = async (target, write) => {
    if (dialog.dismiss) return undefined;
    let text = '';
    let writes = 0;
    const sink: ExportSink = {
      write: (t) => {
        text += t;
        writes++;
      },
      get cancelled() {
        return dialog.cancelAfter !== undefined && writes >= dialog.cancelAfter;
      },
    };
    await write(sink);
    const cancelled = sink.cancelled === true;
    if (!cancelled) files.push({ target, text });
    return { path: `/exports/${target.suggestedName}`, cancelled };
  };

  beforeEach(async () => {
    fx = await openBroker();
    await fx.broker.createTopic('events', 2);
    // 250 text records on partition 0 (more than two pages), timestamps 1000 ms apart
    await fx.broker.produce(
      'events',
      Array.from({ length: 250 }, (_, n) => ({
        key: `k${n}`,
        value: JSON.stringify({ n }),
        timestamp: 1_000_000 + n * 1000,
        headers: [{ key: 'src', value: Buffer.from('web') }],
      })),
      { partition: 0 },
    );
    // partition 1: a binary value, a null value with a "quoted, comma" key, and a multi-line value
    await fx.broker.produce(
      'events',
      [
        { key: 'bin', value: Buffer.from([0, 1, 2, 0xff, 0xfe]), timestamp: 2_000_000 },
        { key: 'say "hi", world', value: null, timestamp: 2_000_001 },
        { key: 'lines', value: 'one\ntwo', timestamp: 2_000_002 },
      ],
      { partition: 1 },
    );
    posted = new Posted();
    clipboard = [];
    files = [];
    dialog = {};
    ctl = new BrowserController({
      getBroker: () => fx.broker,
      post: posted.post,
      copyToClipboard: (t) => void clipboard.push(t),
      saveExport,
      bootstrap: () => '127.0.0.1:39092',
      tailDelayMs: 10_000,
    });
  });
  afterEach(async () => {
    ctl.dispose();
    await fx.close();
  });

  it('exports every record of the topic, not only the page shown, as JSON Lines that read back to the log', async () => {
    await open(null);
    assert.strictEqual(posted.snapshot().rows.length, 100, 'the page shows 100');
    const r = await exportAs('jsonl', 'all');
    assert.ok(r.ok, r.error);
    assert.strictEqual(files.length, 1);
    assert.strictEqual(files[0].target.suggestedName, 'events.jsonl');
    const lines = files[0].text.trimEnd().split('\n');
    assert.strictEqual(lines.length, 253);
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepStrictEqual(objs[7], {
      topic: 'events',
      partition: 0,
      offset: 7,
      timestamp: 1_007_000,
      timestampType: 'CreateTime',
      time: new Date(1_007_000).toISOString(),
      key: 'k7',
      value: '{"n":7}',
      headers: [{ key: 'src', value: 'web' }],
    });
    const bin = objs.find((o) => o.key === 'bin')!;
    assert.deepStrictEqual(
      Buffer.from((bin.value as { base64: string }).base64, 'base64'),
      Buffer.from([0, 1, 2, 0xff, 0xfe]),
    );
    assert.strictEqual(objs.find((o) => o.key === 'say "hi", world')!.value, null);
    assert.match(
      posted.snapshot().note ?? '',
      /Exported 253 record\(s\) of "events" to \/exports\/events\.jsonl \(JSON Lines\)/,
    );
  });

  it('exports only what the filter matches, from the whole partition', async () => {
    await open(0, { text: '^k1\\d\\d$', regex: true, field: 'key' });
    const r = await exportAs('json', 'all');
    assert.ok(r.ok, r.error);
    assert.strictEqual(files[0].target.suggestedName, 'events-p0.json');
    const arr = JSON.parse(files[0].text) as { key: string; offset: number }[];
    assert.deepStrictEqual(
      arr.map((o) => o.key),
      Array.from({ length: 100 }, (_, i) => `k${100 + i}`),
    );
  });

  it('exports the ticked rows as CSV: quoted where needed, binary as base64, null as an empty cell marked null', async () => {
    await open(1);
    const r = await exportAs('csv', 'selection', [
      { partition: 1, offset: 0 },
      { partition: 1, offset: 1 },
      { partition: 1, offset: 2 },
    ]);
    assert.ok(r.ok, r.error);
    const text = files[0].text;
    const rows = text.split('\r\n');
    assert.strictEqual(rows[0], 'topic,partition,offset,timestamp,time,key,key_encoding,value,value_encoding,headers');
    assert.strictEqual(rows[1], `events,1,0,2000000,${new Date(2_000_000).toISOString()},bin,utf8,AAEC//4=,base64,`);
    assert.strictEqual(
      rows[2],
      `events,1,1,2000001,${new Date(2_000_001).toISOString()},"say ""hi"", world",utf8,,null,`,
    );
    assert.strictEqual(rows[3], `events,1,2,2000002,${new Date(2_000_002).toISOString()},lines,utf8,"one\ntwo",utf8,`);
    assert.strictEqual(rows.length, 5, 'three records, and the file ends with a line break');
  });

  it('exports the page shown, in its order', async () => {
    await open(0);
    await req({ type: 'page', direction: 'next' });
    assert.ok((await exportAs('jsonl', 'page')).ok);
    const offs = files[0].text
      .trimEnd()
      .split('\n')
      .map((l) => (JSON.parse(l) as { offset: number }).offset);
    assert.deepStrictEqual(
      offs,
      Array.from({ length: 100 }, (_, i) => 100 + i),
    );
  });

  it('a dismissed save dialog writes nothing; a cancelled export keeps no file and says so', async () => {
    await open(0);
    dialog = { dismiss: true };
    assert.ok((await exportAs('jsonl', 'all')).ok);
    assert.strictEqual(files.length, 0);
    assert.strictEqual(posted.snapshot().note, null);
    dialog = { cancelAfter: 1 };
    assert.ok((await exportAs('jsonl', 'all')).ok);
    assert.strictEqual(files.length, 0);
    assert.match(posted.snapshot().note ?? '', /Export cancelled after \d+ record\(s\); no file was kept/);
  });

  it('refuses an empty selection, and an export with no topic open, in words a person understands', async () => {
    const none = await exportAs('jsonl', 'all');
    assert.strictEqual(none.ok, false);
    assert.match(none.error ?? '', /Open a topic first/);
    await open(0);
    const empty = await exportAs('csv', 'selection');
    assert.match(empty.error ?? '', /Tick the records to export first/);
    const bad = await exportAs('xml', 'all');
    assert.strictEqual(bad.ok, false);
  });

  it('copies a kcat command that reads exactly that record from the running broker', async () => {
    await open(1);
    assert.ok((await req({ type: 'copyKcat', partition: 1, offset: 2 })).ok);
    assert.strictEqual(clipboard[0], 'kcat -C -b 127.0.0.1:39092 -t events -p 1 -o 2 -c 1 -e -J');
    const gone = await req({ type: 'copyKcat', partition: 1, offset: 99 });
    assert.match(gone.error ?? '', /no longer in the log/);
  });
});
