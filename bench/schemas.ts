/**
 * Schema Registry benchmark.
 * - schema_registry_rps: requests per second the embedded registry answers over HTTP on 127.0.0.1 (keep-alive,
 *   32 requests in flight, the client in the same process), over three phases run one after the other: register
 *   500 new schemas (500 subjects, each write durable in `_schemas`), look up 5,000 (POST /subjects/{s}) and get
 *   20,000 by id (GET /schemas/ids/{id}); each phase's own rate is reported too (target for get-by-id ≥ 5,000/s).
 * - decode_avro_records_per_s: SchemaDecoder throughput on 100,000 Avro records in Confluent's wire format
 *   (best of 3 runs; the subject lookup every decode does is included).
 * - browser_avro_page_ms: the record browser's controller opening a page of 100 Avro records in Confluent's wire
 *   format (read from the log, each value decoded and rendered as JSON, the snapshot built) on a topic of
 *   1,000,000 Avro records (built once per run, produced through the broker in batches of 10,000). A page is read
 *   at the start (seek to the beginning), the middle (seek to offset 500,000) and the end (seek to the end, read
 *   backwards). Each of 5 repeats opens a new controller with a new decoder: its first open at each position is
 *   the cold read (browser_avro_page_cold_ms: schema parsed, the position's index entries and segment bytes not
 *   yet read by this controller), then 15 more opens at that position are warm (their median). Reported: the
 *   warm figure is the slowest position's median over the repeats (browser_avro_page_ms) and the cold figure the
 *   slowest cold open, browser_avro_page_best_ms the fastest open (what a page costs when nothing else runs);
 *   the printed lines give each position's range (min–max) over the repeats.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as avsc from 'avsc';
import { Broker } from '../src/broker/broker';
import { BrowserController } from '../src/extension/panels/browser-controller';
import type { RecordRow } from '../src/shared/browser-messages';
import type { SchemaSource as SchemaDecoderSource } from '../src/schema-registry/decode';
import { SchemaDecoder } from '../src/schema-registry/decode';
import { startEmbeddedSchemaRegistry } from '../src/schema-registry-server';

const IN_FLIGHT = 32;
const REGISTERS = 500;
const LOOKUPS = 5_000;
const GETS = 20_000;
const DECODES = 100_000;
const PAGE = 100;
const BIG_TOPIC_RECORDS = 1_000_000;
const PRODUCE_BATCH = 10_000;
const PAGE_REPEATS = 5;
const WARM_OPENS = 15;
const round2 = (n: number) => Math.round(n * 100) / 100;

const schemaFor = (i: number) =>
  JSON.stringify({
    type: 'record',
    name: `Order${i}`,
    fields: [
      { name: 'id', type: 'long' },
      { name: 'item', type: 'string' },
      { name: 'qty', type: 'int' },
      { name: 'note', type: ['null', 'string'], default: null },
    ],
  });

function request(agent: http.Agent, port: number, method: string, url: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: url,
        agent,
        headers: data ? { 'content-type': 'application/vnd.schemaregistry.v1+json' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`${method} ${url}: ${res.statusCode} ${text}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Run `count` requests with IN_FLIGHT at a time; requests per second. */
async function rate(count: number, one: (i: number) => Promise<unknown>): Promise<{ rps: number; ms: number }> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) await one(next++);
    }),
  );
  const ms = performance.now() - t0;
  return { rps: count / (ms / 1000), ms };
}

export async function run(): Promise<Record<string, number>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-lite-bench-schemas-'));
  const broker = await Broker.open({ dataDir: dir, flushIntervalMs: 1000 });
  const sr = await startEmbeddedSchemaRegistry(broker, { port: 0 });
  const agent = new http.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const ids: number[] = [];
    const reg = await rate(REGISTERS, async (i) => {
      const r = (await request(agent, sr.port, 'POST', `/subjects/s${i}-value/versions`, { schema: schemaFor(i) })) as {
        id: number;
      };
      ids[i] = r.id;
    });
    const look = await rate(LOOKUPS, (i) =>
      request(agent, sr.port, 'POST', `/subjects/s${i % REGISTERS}-value`, { schema: schemaFor(i % REGISTERS) }),
    );
    const get = await rate(GETS, (i) => request(agent, sr.port, 'GET', `/schemas/ids/${ids[i % REGISTERS]}`));
    const total = REGISTERS + LOOKUPS + GETS;
    const figures: Record<string, number> = {
      schema_registry_rps: Math.round(total / ((reg.ms + look.ms + get.ms) / 1000)),
      schema_registry_register_rps: Math.round(reg.rps),
      schema_registry_lookup_rps: Math.round(look.rps),
      schema_registry_get_by_id_rps: Math.round(get.rps),
    };
    console.log(
      `registry over HTTP (${IN_FLIGHT} in flight): ${figures.schema_registry_rps} requests/s overall; register ${figures.schema_registry_register_rps}/s, lookup ${figures.schema_registry_lookup_rps}/s, get by id ${figures.schema_registry_get_by_id_rps}/s (target ≥ 5,000/s)`,
    );

    const type = avsc.Type.forSchema(JSON.parse(schemaFor(0)) as avsc.Schema);
    const header = Buffer.alloc(5);
    header.writeInt32BE(ids[0], 1);
    const records = Array.from({ length: DECODES }, (_, n) =>
      Buffer.concat([
        header,
        type.toBuffer({ id: n, item: `item-${n % 977}`, qty: n % 50, note: n % 3 ? null : 'gift' }),
      ]),
    );
    let best = Infinity;
    for (let runNo = 0; runNo < 3; runNo++) {
      const decoder = new SchemaDecoder(sr.registry);
      const t0 = performance.now();
      for (const r of records) {
        const d = decoder.decode(r, 's0-value');
        if (!d || 'error' in d) throw new Error(`a record did not decode: ${JSON.stringify(d)}`);
      }
      best = Math.min(best, performance.now() - t0);
    }
    figures.decode_avro_records_per_s = Math.round(DECODES / (best / 1000));
    console.log(`decoder: ${figures.decode_avro_records_per_s} Avro records/s (100,000 records, best of 3)`);

    Object.assign(figures, await browserPages(broker, sr.registry, type, ids[0]));
    return figures;
  } finally {
    agent.destroy();
    await sr.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]) => `${round2(Math.min(...xs))}–${round2(Math.max(...xs))}`;

/** The record browser on a 1,000,000-record Avro topic: cold and warm pages at the start, middle and end. */
async function browserPages(
  broker: Broker,
  registry: SchemaDecoderSource,
  type: avsc.Type,
  schemaId: number,
): Promise<Record<string, number>> {
  const topic = 'bench-avro-1m';
  await broker.createTopic(topic, 1);
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  const t0 = performance.now();
  for (let base = 0; base < BIG_TOPIC_RECORDS; base += PRODUCE_BATCH) {
    const batch = Array.from({ length: PRODUCE_BATCH }, (_, j) => {
      const n = base + j;
      return {
        key: `k${n}`,
        value: Buffer.concat([
          header,
          type.toBuffer({ id: n, item: `item-${n % 977}`, qty: n % 50, note: n % 3 ? null : 'gift' }),
        ]),
      };
    });
    await broker.produce(topic, batch, { partition: 0 });
  }
  const buildMs = performance.now() - t0;
  const end = broker.readRecords(topic, 0, BIG_TOPIC_RECORDS - 1, 1);
  if (end.length !== 1 || end[0].offset !== BIG_TOPIC_RECORDS - 1)
    throw new Error(`the topic does not end at offset ${BIG_TOPIC_RECORDS - 1}`);
  console.log(
    `record browser: built ${topic} (${BIG_TOPIC_RECORDS.toLocaleString('en')} Avro records, batches of ${PRODUCE_BATCH.toLocaleString('en')}) in ${Math.round(buildMs)} ms`,
  );

  const positions = [
    { name: 'start', seek: { kind: 'beginning' as const }, first: 0 },
    { name: 'middle', seek: { kind: 'offset' as const, offset: BIG_TOPIC_RECORDS / 2 }, first: BIG_TOPIC_RECORDS / 2 },
    { name: 'end', seek: { kind: 'end' as const }, first: BIG_TOPIC_RECORDS - PAGE },
  ];
  const cold = new Map<string, number[]>(positions.map((p) => [p.name, []]));
  const warm = new Map<string, number[]>(positions.map((p) => [p.name, []]));
  let best = Infinity;
  let openId = 0;
  for (let rep = 0; rep < PAGE_REPEATS; rep++) {
    const decoder = new SchemaDecoder(registry);
    let rows: RecordRow[] = [];
    const ctl = new BrowserController({
      getBroker: () => broker,
      getSchemaDecoder: () => decoder,
      post: (m) => {
        if (m.type === 'snapshot') rows = m.state.rows;
      },
    });
    try {
      for (const p of positions) {
        const open = async (): Promise<number> => {
          const s = performance.now();
          await ctl.handle({
            type: 'open',
            id: openId++,
            topic,
            partition: 0,
            seek: p.seek,
            filter: { text: '', regex: false, field: 'any' },
            tail: false,
          });
          const ms = performance.now() - s;
          if (rows.length !== PAGE) throw new Error(`the ${p.name} page has ${rows.length} rows, not ${PAGE}`);
          const offsets = rows.map((r) => r.offset).sort((a, b) => a - b);
          if (offsets[0] !== p.first) throw new Error(`the ${p.name} page starts at ${offsets[0]}, not ${p.first}`);
          const decoded = rows.find((r) => r.offset === p.first);
          if (decoded?.valueKind !== 'json' || !decoded.valueSchema?.startsWith('Avro'))
            throw new Error(`the ${p.name} page's values were not decoded: ${JSON.stringify(decoded)}`);
          return ms;
        };
        cold.get(p.name)!.push(await open());
        const times: number[] = [];
        for (let i = 0; i < WARM_OPENS; i++) times.push(await open());
        warm.get(p.name)!.push(median(times));
        best = Math.min(best, ...times);
      }
    } finally {
      ctl.dispose();
    }
  }
  const figures: Record<string, number> = {};
  for (const p of positions) {
    figures[`browser_avro_page_${p.name}_ms`] = round2(median(warm.get(p.name)!));
    figures[`browser_avro_page_${p.name}_cold_ms`] = round2(median(cold.get(p.name)!));
    console.log(
      `record browser, ${p.name} of ${BIG_TOPIC_RECORDS.toLocaleString('en')}: a page of ${PAGE} Avro records in ${range(warm.get(p.name)!)} ms warm (median of ${WARM_OPENS} opens; range over ${PAGE_REPEATS} repeats), ${range(cold.get(p.name)!)} ms cold (a new controller and decoder)`,
    );
  }
  figures.browser_avro_page_ms = round2(Math.max(...positions.map((p) => median(warm.get(p.name)!))));
  figures.browser_avro_page_cold_ms = round2(Math.max(...positions.flatMap((p) => cold.get(p.name)!)));
  figures.browser_avro_page_best_ms = round2(best);
  figures.browser_avro_topic_build_ms = Math.round(buildMs);
  console.log(
    `record browser: browser_avro_page_ms ${figures.browser_avro_page_ms} ms (slowest position, warm), browser_avro_page_cold_ms ${figures.browser_avro_page_cold_ms} ms (slowest cold open), fastest open ${figures.browser_avro_page_best_ms} ms (target < 100 ms)`,
  );
  return figures;
}

if (require.main === module) void run();
