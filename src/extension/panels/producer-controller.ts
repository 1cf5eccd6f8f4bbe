/**
 * Host side of the producer panel, vscode-free: turns validated requests into sends through the in-process
 * Producer (src/client) and pushes full snapshots: topics, the producer id/epoch and sequences, the offsets of
 * every record sent, and a plain-language caption of the last outcome (stored, stored once on a retry, stored
 * twice without idempotence, refused for a sequence gap).
 *
 * Guarantees: a send is validated completely (JSON, partition range, copies) before anything is produced; a
 * file send reads only files inside the workspace folders. Its messages are ProducerProtocol's
 * (src/shared/producer-messages.ts). Created by the producer's PanelSlot (panel-slot.ts; its spec and the commands
 * calling setPrefill() are in index.ts) and by unit tests.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Broker } from '../../broker/broker';
import { ErrorCode, KafkaError, errorName } from '../../broker/errors';
import { choosePartition } from '../../broker/partitioner';
import type { ProduceRecord, RecordHeader } from '../../broker/types';
import { Producer } from '../../client/producer';
import type { RequestHandlers } from '../../shared/ipc';
import type { TopicPartition } from '../../shared/topic-partition';
import { TopicPartitionMap } from '../../shared/topic-partition';
import type {
  ProducerForm,
  ProducerHostMessage,
  ProducerOutcome,
  ProducerProtocol,
  ProducerSnapshot,
  SentRecordRow,
  SequenceRow,
} from '../../shared/producer-messages';
import { validateProducerRequest } from '../../shared/producer-messages';
import type { BrokerGetter, PanelLog } from './controller-base';
import { PanelError, handleRequest, noLog, requireBroker, RequestQueue, BrokerWatch } from './controller-base';

export const MAX_FILE_RECORDS = 100_000;
const MAX_RESULT_ROWS = 500;
const FILE_CHUNK = 500;

export interface ProducerControllerOptions {
  getBroker: BrokerGetter;
  post: (msg: ProducerHostMessage) => void;
  /** Workspace folders: files sent with "Send many" must be inside one of them. */
  workspaceRoots?: () => string[];
  /** Opens the record browser at a record (the glue wires this to the browser panel). */
  openBrowser?: (topic: string, partition: number, offset: number) => void;
  log?: PanelLog;
  prefill?: ProducerForm | null;
  idempotent?: boolean;
}

export class ProducerController {
  private producer: Producer | undefined;
  private producerBroker: Broker | undefined;
  private idempotent: boolean;
  private results: SentRecordRow[] = [];
  private outcome: ProducerOutcome | null = null;
  private lastBatch: ProducerSnapshot['lastBatch'] = null;
  private lastBatchKeys: (string | null)[] = [];
  /** The partitions this producer has sent to (or skipped a sequence on), in first-touched order. */
  private touched = new TopicPartitionMap<TopicPartition>();
  private prefill: ProducerForm | null;
  private prefillSeq = 0;
  private readonly brokerWatch = new BrokerWatch(
    () => this.opts.getBroker(),
    (b) => {
      const refresh = () => this.pushSnapshot();
      return [b.on('topicCreated', refresh), b.on('topicDeleted', refresh), b.on('partitionsCreated', refresh)];
    },
  );
  private readonly log: PanelLog;
  private readonly requests = new RequestQueue();

  constructor(private readonly opts: ProducerControllerOptions) {
    this.idempotent = opts.idempotent ?? opts.prefill?.idempotent ?? true;
    this.prefill = opts.prefill ?? null;
    if (this.prefill) this.prefillSeq = 1;
    this.log = opts.log ?? noLog;
    this.watchBroker();
  }

  /** Handle one raw message from the webview (validated here). Requests run one at a time, in order. */
  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest('producer', raw, validateProducerRequest, this.handlers, (m) => this.opts.post(m), this.log),
    );
  }

  /** Load a form into the webview (e.g. "Produce a copy" from the record browser). */
  setPrefill(form: ProducerForm): void {
    this.prefill = form;
    this.prefillSeq++;
    this.pushSnapshot();
  }

  /** The broker came or went (host restart): drop the producer bound to the old one and push a snapshot. */
  brokerChanged(): void {
    if (this.producerBroker && this.producerBroker !== this.opts.getBroker()) {
      this.producer = undefined;
      this.producerBroker = undefined;
      this.touched.clear();
    }
    this.watchBroker();
    this.pushSnapshot();
  }

  dispose(): void {
    this.brokerWatch.dispose();
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  /** One handler per request of ProducerProtocol (src/shared/producer-messages.ts). */
  private readonly handlers: RequestHandlers<ProducerProtocol> = {
    ready: () => this.pushSnapshot(),
    setIdempotent: (req) => {
      this.setIdempotent(req.idempotent);
      this.pushSnapshot();
    },
    send: async (req) => {
      this.setIdempotent(req.form.idempotent);
      await this.send(req.form);
    },
    resendLast: () => this.resendLast(),
    skipSequence: (req) => this.skipSequence(req.topic, req.partition),
    createTopic: async (req) => {
      const broker = requireBroker(this.opts.getBroker);
      await broker.createTopic(req.name, req.partitions);
      this.outcome = { kind: 'sent', caption: `Created topic "${req.name}" with ${req.partitions} partition(s).` };
      this.pushSnapshot();
    },
    sendFile: async (req) => {
      this.setIdempotent(req.idempotent);
      await this.sendFile(req.path, req.topic, req.partition);
    },
    openBrowser: (req) => {
      this.opts.openBrowser?.(req.topic, req.partition, req.offset);
    },
  };

  private setIdempotent(on: boolean): void {
    if (on === this.idempotent) return;
    this.idempotent = on;
    this.producer = undefined;
    this.lastBatch = null;
    this.touched.clear();
  }

  private async getProducer(): Promise<Producer> {
    const broker = requireBroker(this.opts.getBroker);
    if (!this.producer || this.producerBroker !== broker) {
      const p = new Producer(broker, { idempotent: this.idempotent, clientId: 'kafka-lite-producer-panel' });
      await p.init();
      this.producer = p;
      this.producerBroker = broker;
      this.touched.clear();
    }
    return this.producer;
  }

  /** Build the records of a form (copies with {{i}} substituted), validating everything first. */
  buildRecords(form: ProducerForm): ProduceRecord[] {
    const records: ProduceRecord[] = [];
    for (let i = 1; i <= form.copies; i++) {
      const key = form.key === '' ? null : substitute(form.key, i);
      const value = substitute(form.value, i);
      if (form.valueFormat === 'json') {
        try {
          JSON.parse(value);
        } catch (e) {
          const which = form.copies > 1 ? ` (copy ${i})` : '';
          throw new PanelError(`The value${which} is not valid JSON: ${(e as Error).message}`);
        }
      }
      const headers: RecordHeader[] = form.headers
        .filter((h) => h.key !== '')
        .map((h) => ({ key: substitute(h.key, i), value: Buffer.from(substitute(h.value, i), 'utf8') }));
      records.push({ key, value, headers, timestamp: form.timestamp ?? undefined });
    }
    return records;
  }

  private async send(form: ProducerForm): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    if (form.topic === '') throw new PanelError('Pick a topic to produce to (or create one).');
    const topic = broker.getTopic(form.topic);
    if (!topic)
      throw new PanelError(`There is no topic "${form.topic}". Create it first (the + button next to the topic).`);
    if (form.partition !== null && form.partition >= topic.partitions) {
      throw new PanelError(
        `Topic "${form.topic}" has partitions 0..${topic.partitions - 1}; there is no partition ${form.partition}.`,
      );
    }
    const records = this.buildRecords(form);
    await this.sendRecords(broker, form.topic, topic.partitions, records, form.partition);
  }

  private async sendRecords(
    broker: Broker,
    topic: string,
    partitionCount: number,
    records: ProduceRecord[],
    explicit: number | null,
  ): Promise<void> {
    // One batch per partition, in the order the records were typed (as a client's accumulator does).
    const groups = new Map<number, ProduceRecord[]>();
    let rr = 0;
    for (const r of records) {
      const keyBuf =
        r.key === null || r.key === undefined ? null : Buffer.isBuffer(r.key) ? r.key : Buffer.from(r.key, 'utf8');
      const p = explicit ?? choosePartition(keyBuf, partitionCount, () => rr++);
      let g = groups.get(p);
      if (!g) groups.set(p, (g = []));
      g.push(r);
    }
    const producer = await this.getProducer();
    const captions: string[] = [];
    let stored = 0;
    for (const [partition, recs] of groups) {
      for (let i = 0; i < recs.length; i += FILE_CHUNK) {
        const chunk = recs.slice(i, i + FILE_CHUNK);
        let res;
        try {
          res = await producer.send(topic, chunk, { partition });
        } catch (e) {
          this.failed(e, topic, partition, stored);
          return;
        }
        this.touched.set(topic, partition, { topic, partition });
        this.lastBatch = { topic, partition, recordCount: chunk.length, baseSequence: res.baseSequence };
        this.lastBatchKeys = chunk.map((r) => keyText(r.key));
        chunk.forEach((r, j) =>
          this.addResult({
            topic,
            partition,
            offset: res.baseOffset + j,
            key: keyText(r.key),
            duplicate: res.duplicate,
          }),
        );
        stored += chunk.length;
        captions.push(
          chunk.length === 1
            ? `partition ${partition} offset ${res.baseOffset}`
            : `partition ${partition} offsets ${res.baseOffset}–${res.lastOffset}`,
        );
      }
    }
    const idem = this.idempotent
      ? ` Producer id ${producer.producerId}, epoch ${producer.producerEpoch}: each batch carries a sequence number so a retry can be recognised.`
      : '';
    const shown =
      captions.length > 4 ? `${captions.slice(0, 4).join('; ')}; … (${captions.length} batches)` : captions.join('; ');
    this.outcome = { kind: 'sent', caption: `Stored ${stored} record(s) on topic "${topic}": ${shown}.${idem}` };
    this.pushSnapshot();
  }

  private failed(e: unknown, topic: string, partition: number, storedBefore: number): never {
    const already = storedBefore > 0 ? ` (${storedBefore} record(s) of this send were stored before it)` : '';
    if (e instanceof KafkaError && e.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER) {
      const pid = this.producer?.producerId;
      this.outcome = {
        kind: 'out-of-order',
        errorCode: e.code,
        errorName: errorName(e.code),
        caption:
          `The broker refused the batch for partition ${partition}: its sequence number skips ahead of the one the broker ` +
          `expected from producer id ${pid}, which means a batch in between was lost. Storing it would reorder or lose ` +
          `records, so nothing was stored (OUT_OF_ORDER_SEQUENCE_NUMBER, 45)${already}. A real client now resets its ` +
          `producer; the panel does the same: the next send uses a new producer id.`,
      };
      this.producer = undefined;
      this.touched.clear();
      this.pushSnapshot();
      throw new PanelError(`OUT_OF_ORDER_SEQUENCE_NUMBER (45): ${e.message}`);
    }
    const code = e instanceof KafkaError ? e.code : undefined;
    this.outcome = {
      kind: 'error',
      errorCode: code,
      errorName: code === undefined ? undefined : errorName(code),
      caption: `Sending to "${topic}" partition ${partition} failed: ${(e as Error).message}${already}.`,
    };
    this.pushSnapshot();
    throw e;
  }

  private async resendLast(): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    const last = this.lastBatch;
    if (!this.producer || !last) throw new PanelError('Nothing to resend yet: send a batch first.');
    const before = broker.partitionInfo(last.topic, last.partition).logEndOffset;
    let res;
    try {
      res = await this.producer.resendLast();
    } catch (e) {
      this.failed(e, last.topic, last.partition, 0);
    }
    const after = broker.partitionInfo(last.topic, last.partition).logEndOffset;
    for (let j = 0; j < res.recordCount; j++) {
      this.addResult({
        topic: res.topic,
        partition: res.partition,
        offset: res.baseOffset + j,
        key: this.lastBatchKeys[j] ?? null,
        duplicate: res.duplicate,
      });
    }
    const range = res.recordCount === 1 ? `offset ${res.baseOffset}` : `offsets ${res.baseOffset}–${res.lastOffset}`;
    if (res.duplicate) {
      this.outcome = {
        kind: 'stored-once',
        logEndBefore: before,
        logEndAfter: after,
        caption:
          `Stored once. The resent batch carried the same producer id (${res.producerId}) and sequence number ` +
          `(${res.baseSequence}) as one the broker already has, so it answered with the original ${range} and ` +
          `stored nothing new: the log end of partition ${res.partition} stays at ${after}.`,
      };
    } else if (!this.idempotent) {
      this.outcome = {
        kind: 'stored-twice',
        logEndBefore: before,
        logEndAfter: after,
        caption:
          `Stored twice. Without idempotence the batch has no producer id or sequence number, so the broker cannot ` +
          `tell a retry from new records: it stored a duplicate at ${range} (log end ${before} → ${after}).`,
      };
    } else {
      this.outcome = {
        kind: 'sent',
        logEndBefore: before,
        logEndAfter: after,
        caption: `The broker stored the resent batch as new records at ${range} (log end ${before} → ${after}).`,
      };
    }
    this.pushSnapshot();
  }

  private async skipSequence(topic: string, partition: number): Promise<void> {
    if (!this.idempotent)
      throw new PanelError('Sequence numbers exist only with idempotence on: tick "Idempotent" first.');
    const producer = await this.getProducer();
    const before = producer.nextSequence(topic, partition);
    if (before === 0) {
      // A broker accepts any first sequence from a producer it has no state for on a partition (KIP-360), so a
      // skip there would not show a gap: it is only visible after this producer's first batch to the partition.
      throw new PanelError(
        `Send a batch to "${topic}" partition ${partition} first: the broker has no sequence from producer id ` +
          `${producer.producerId} there yet and accepts any first sequence (as Kafka does), so there is no gap to show.`,
      );
    }
    producer.skipSequence(topic, partition, 1);
    this.touched.set(topic, partition, { topic, partition });
    this.outcome = {
      kind: 'sent',
      caption:
        `The next batch to "${topic}" partition ${partition} will carry sequence ${producer.nextSequence(topic, partition)} ` +
        `instead of ${before}, as if the batch with ${before} had been lost. Send to partition ${partition} to see the broker's answer.`,
    };
    this.pushSnapshot();
  }

  private async sendFile(file: string, topic: string, partition: number | null): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    const t = broker.getTopic(topic);
    if (!t) throw new PanelError(`There is no topic "${topic}". Create it first.`);
    if (partition !== null && partition >= t.partitions) {
      throw new PanelError(
        `Topic "${topic}" has partitions 0..${t.partitions - 1}; there is no partition ${partition}.`,
      );
    }
    const abs = resolveInWorkspace(file, this.opts.workspaceRoots?.() ?? []);
    const text = await fs.promises.readFile(abs, 'utf8');
    const records = parseRecordsFile(text, path.basename(abs));
    await this.sendRecords(broker, topic, t.partitions, records, partition);
  }

  private addResult(row: SentRecordRow): void {
    this.results.push(row);
    if (this.results.length > MAX_RESULT_ROWS) this.results.splice(0, this.results.length - MAX_RESULT_ROWS);
  }

  snapshot(): ProducerSnapshot {
    const broker = this.opts.getBroker();
    const running = !!broker && !broker.isClosed;
    const sequences: SequenceRow[] = [];
    const p = this.producer;
    if (running && p && p.idempotent) {
      for (const { topic, partition } of this.touched.values()) {
        let brokerNext = -1;
        try {
          const st = broker.producerState(topic, partition).find((s) => s.producerId === p.producerId);
          if (st) brokerNext = st.nextSequence;
        } catch {
          // topic deleted meanwhile
        }
        sequences.push({
          topic,
          partition,
          nextSequence: p.nextSequence(topic, partition),
          brokerNextSequence: brokerNext,
        });
      }
      sequences.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    }
    return {
      brokerRunning: running,
      topics: running ? broker.listTopics().map((t) => ({ name: t.name, partitions: t.partitions })) : [],
      idempotent: this.idempotent,
      producerId: p?.producerId ?? -1,
      producerEpoch: p?.producerEpoch ?? -1,
      sequences,
      results: [...this.results],
      outcome: this.outcome,
      lastBatch: this.lastBatch,
      prefill: this.prefill,
      prefillSeq: this.prefillSeq,
    };
  }

  pushSnapshot(): void {
    this.opts.post({ type: 'snapshot', state: this.snapshot() });
  }
}

/** `{{i}}` -> the copy number (1-based). */
export function substitute(template: string, i: number): string {
  return template.split('{{i}}').join(String(i));
}

function keyText(k: ProduceRecord['key']): string | null {
  if (k === null || k === undefined) return null;
  return Buffer.isBuffer(k) ? k.toString('utf8') : k;
}

/** Resolve a path (absolute or relative to the first folder) and refuse anything outside the workspace folders. */
export function resolveInWorkspace(file: string, roots: string[]): string {
  if (roots.length === 0)
    throw new PanelError('Open a workspace folder first: files are read only from the workspace.');
  const abs = path.resolve(roots[0], file);
  let real: string;
  try {
    real = fs.realpathSync(abs);
  } catch {
    throw new PanelError(`There is no file "${file}" in the workspace.`);
  }
  const inside = roots.some((r) => {
    let rr: string;
    try {
      rr = fs.realpathSync(r);
    } catch {
      return false;
    }
    const rel = path.relative(rr, real);
    return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
  });
  if (!inside)
    throw new PanelError(`"${file}" is outside the workspace; only files inside the workspace folders can be sent.`);
  if (!fs.statSync(real).isFile()) throw new PanelError(`"${file}" is not a file.`);
  return real;
}

/**
 * A JSON array or JSON lines. Each item is either {key?, value, headers?} (value: string or any JSON, kept as
 * JSON text) or any other JSON value, which becomes the record's value.
 */
export function parseRecordsFile(text: string, name: string): ProduceRecord[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new PanelError(`"${name}" is empty.`);
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    try {
      items = JSON.parse(trimmed) as unknown[];
    } catch (e) {
      throw new PanelError(`"${name}" starts with "[" but is not a valid JSON array: ${(e as Error).message}`);
    }
  } else {
    items = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      try {
        items.push(JSON.parse(lines[i]));
      } catch (e) {
        throw new PanelError(`"${name}" line ${i + 1} is not valid JSON: ${(e as Error).message}`);
      }
    }
  }
  if (items.length === 0) throw new PanelError(`"${name}" holds no records.`);
  if (items.length > MAX_FILE_RECORDS)
    throw new PanelError(`"${name}" holds ${items.length} records; at most ${MAX_FILE_RECORDS} can be sent at once.`);
  return items.map((item, i) => toRecord(item, `${name} record ${i + 1}`));
}

function toRecord(item: unknown, where: string): ProduceRecord {
  const asText = (v: unknown): string | null =>
    v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v);
  if (typeof item === 'object' && item !== null && !Array.isArray(item) && 'value' in item) {
    const o = item as { key?: unknown; value: unknown; headers?: unknown };
    const headers: RecordHeader[] = [];
    if (o.headers !== undefined) {
      if (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers)) {
        throw new PanelError(`${where}: "headers" must be an object of name -> text`);
      }
      for (const [k, v] of Object.entries(o.headers as Record<string, unknown>)) {
        headers.push({ key: k, value: v === null ? null : Buffer.from(asText(v) ?? '', 'utf8') });
      }
    }
    return { key: asText(o.key), value: asText(o.value), headers };
  }
  return { key: null, value: asText(item) };
}
