/**
 * Schema Registry benchmark.
 * - schema_registry_rps: requests per second the embedded registry answers over HTTP on 127.0.0.1 (keep-alive,
 *   32 requests in flight, the client in the same process), over three phases run one after the other: register
 *   500 new schemas (500 subjects, each write durable in `_schemas`), look up 5,000 (POST /subjects/{s}) and get
 *   20,000 by id (GET /schemas/ids/{id}); each phase's own rate is reported too (target for get-by-id ≥ 5,000/s).
 * - decode_avro_records_per_s: SchemaDecoder throughput on 100,000 Avro records in Confluent's wire format
 *   (best of 3 runs; the subject lookup every decode does is included).
 * - browser_avro_page_ms: the record browser's controller opening a page of 100 Avro records in Confluent's wire
 *   format (read from the log, each value decoded and rendered as JSON, the snapshot built): the median of 30 page
 *   opens with the decoder warm; browser_avro_page_cold_ms is the first open with a new decoder (schema parsed).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import * as avsc from 'avsc';
import { Broker } from '../src/broker/broker';
import { BrowserController } from '../src/extension/panels/browser-controller';
import { SchemaDecoder } from '../src/schema-registry/decode';
import { startEmbeddedSchemaRegistry } from '../src/schema-registry-server';

const IN_FLIGHT = 32;
const REGISTERS = 500;
const LOOKUPS = 5_000;
const GETS = 20_000;
const DECODES = 100_000;
const PAGE = 100;
const PAGE_OPENS = 30;
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

    await broker.createTopic('bench-avro', 1);
    await broker.produce(
      'bench-avro',
      records.slice(0, PAGE).map((value, n) => ({ key: `k${n}`, value })),
      { partition: 0 },
    );
    const decoder = new SchemaDecoder(sr.registry);
    let rows = 0;
    const ctl = new BrowserController({
      getBroker: () => broker,
      getSchemaDecoder: () => decoder,
      post: (m) => {
        if (m.type === 'snapshot') rows = m.state.rows.length;
      },
    });
    const open = async (id: number): Promise<number> => {
      const t0 = performance.now();
      await ctl.handle({
        type: 'open',
        id,
        topic: 'bench-avro',
        partition: 0,
        seek: { kind: 'beginning' },
        filter: { text: '', regex: false, field: 'any' },
        tail: false,
      });
      const ms = performance.now() - t0;
      if (rows !== PAGE) throw new Error(`the page has ${rows} rows, not ${PAGE}`);
      return ms;
    };
    try {
      figures.browser_avro_page_cold_ms = round2(await open(0));
      const times: number[] = [];
      for (let i = 1; i <= PAGE_OPENS; i++) times.push(await open(i));
      times.sort((a, b) => a - b);
      figures.browser_avro_page_ms = round2(times[Math.floor(times.length / 2)]);
    } finally {
      ctl.dispose();
    }
    console.log(
      `record browser: one page of ${PAGE} Avro records in ${figures.browser_avro_page_ms} ms (median of ${PAGE_OPENS}; first, schema parsed: ${figures.browser_avro_page_cold_ms} ms)`,
    );
    return figures;
  } finally {
    agent.destroy();
    await sr.close();
    await broker.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
