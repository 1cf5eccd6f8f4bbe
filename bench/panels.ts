/**
 * Panels benchmark: how long the record browser's controller takes to produce a page of 100 decoded records
 * from a partition of 1,000,000 records — from the middle (seek to offset) and from the end (seek to end).
 * Figure: browser_page_ms (the slower of the two, median of 5 runs); target < 100 ms. Then the export of 100,000
 * of those records to JSON Lines through the same controller (the file writer replaced by a byte counter):
 * export_records_per_s (median of 3); target >= 50,000.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Broker } from '../src/broker/broker';
import { BrowserController } from '../src/extension/panels/browser-controller';
import type { BrowserSnapshot } from '../src/shared/browser-messages';

const RECORDS = 1_000_000;
const BATCH = 1000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-panels-'));
  const broker = await Broker.open({ dataDir: dir, flushIntervalMs: 1000 });
  try {
    await broker.createTopic('bench', 1);
    const t0 = performance.now();
    for (let b = 0; b < RECORDS / BATCH; b++) {
      const records = Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        return { key: `key-${n}`, value: `{"n":${n},"user":"user-${n % 977}","amount":${(n * 7) % 1000}}` };
      });
      await broker.produce('bench', records, { partition: 0 });
    }
    await broker.flush();
    console.log(`filled a partition with ${RECORDS} records in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    let last: BrowserSnapshot | undefined;
    const ctl = new BrowserController({
      getBroker: () => broker,
      post: (m) => {
        if (m.type === 'snapshot') last = m.state;
      },
    });
    const filter = { text: '', regex: false, field: 'any' as const };
    let id = 1;
    const time = async (seek: Record<string, unknown>): Promise<number> => {
      const s = performance.now();
      await ctl.handle({ type: 'open', id: id++, topic: 'bench', partition: 0, seek, filter, tail: false });
      const ms = performance.now() - s;
      if (!last || last.rows.length !== 100) throw new Error(`expected a page of 100 rows, got ${last?.rows.length}`);
      return ms;
    };
    const middle: number[] = [];
    const end: number[] = [];
    for (let i = 0; i < 5; i++) {
      middle.push(await time({ kind: 'offset', offset: 500_000 + i * 1234 }));
      end.push(await time({ kind: 'end' }));
    }
    if (last!.rows[99].offset !== RECORDS - 1) throw new Error('the end page does not end at the last record');
    const next: number[] = [];
    await time({ kind: 'offset', offset: 700_000 });
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      await ctl.handle({ type: 'page', id: id++, direction: 'next' });
      next.push(performance.now() - s);
    }
    ctl.dispose();

    // The export: a topic of exactly 100,000 such records, exported whole
    await broker.createTopic('bench-export', 1);
    for (let b = 0; b < 100_000 / BATCH; b++) {
      const records = Array.from({ length: BATCH }, (_, i) => {
        const n = b * BATCH + i;
        return { key: `key-${n}`, value: `{"n":${n},"user":"user-${n % 977}","amount":${(n * 7) % 1000}}` };
      });
      await broker.produce('bench-export', records, { partition: 0 });
    }
    await broker.flush();
    const rates: number[] = [];
    for (let i = 0; i < 3; i++) {
      let written = 0;
      let bytes = 0;
      let ms = 0;
      const exporter = new BrowserController({
        getBroker: () => broker,
        post: () => undefined,
        saveExport: async (_target, write) => {
          const s = performance.now();
          await write({ write: (t) => void (bytes += t.length), progress: (n) => void (written = n) });
          ms = performance.now() - s;
          return { path: 'bench', cancelled: false };
        },
      });
      const open = { topic: 'bench-export', partition: 0, seek: { kind: 'beginning' }, filter, tail: false };
      await exporter.handle({ type: 'open', id: id++, ...open });
      await exporter.handle({ type: 'exportRecords', id: id++, format: 'jsonl', scope: 'all', selection: [] });
      exporter.dispose();
      if (written !== 100_000) throw new Error(`expected 100,000 exported records, got ${written}`);
      rates.push(written / (ms / 1000));
      console.log(`export of ${written} records to JSON Lines: ${ms.toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB`);
    }
    const figures = {
      browser_page_middle_ms: +median(middle).toFixed(2),
      browser_page_end_ms: +median(end).toFixed(2),
      browser_page_next_ms: +median(next).toFixed(2),
      browser_page_ms: +Math.max(median(middle), median(end)).toFixed(2),
      export_records_per_s: Math.round(median(rates)),
    };
    console.log(
      `page of 100 from the middle: ${figures.browser_page_middle_ms} ms; from the end: ${figures.browser_page_end_ms} ms; next page: ${figures.browser_page_next_ms} ms (target < 100 ms)`,
    );
    return figures;
  } finally {
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
