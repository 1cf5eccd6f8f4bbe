/**
 * Host side of the record browser, vscode-free: pages of at most 100 decoded records of one partition or of a
 * whole topic (partitions merged in timestamp order), seek to beginning / end / offset / timestamp, page forward
 * and back, filter by substring or regex on key, value or a header, a live tail fed by the broker's 'append'
 * events, and Compact now for a compacted topic (the page is read again, so the offsets' gaps show what went).
 * Pushes the visible page as a full snapshot.
 *
 * Guarantees: reads only (never changes the log), except the explicit compact request; a page read touches at most
 * SCAN_LIMIT records, so a filter that matches rarely answers quickly with "continue" instead of scanning a million
 * records; an invalid regex is reported, never thrown at the webview. Its messages are BrowserProtocol's
 * (src/shared/browser-messages.ts). Created by the record browser's PanelSlot (panel-slot.ts; its spec and the
 * commands calling open() are in index.ts), by unit tests and by bench/panels.ts.
 */
import type { Broker } from '../../broker/broker';
import type { CompactionStats, ConsumedRecord } from '../../broker/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import { formatCompaction } from '../model/format';
import type {
  BrowserHostMessage,
  BrowserProtocol,
  BrowserSnapshot,
  RecordFilter,
  RecordRow,
  Seek,
} from '../../shared/browser-messages';
import { BROWSER_PAGE_SIZE, validateBrowserRequest } from '../../shared/browser-messages';
import type { RequestHandlers } from '../../shared/ipc';
import type { ProducerForm } from '../../shared/producer-messages';
import type { BrokerGetter, PanelLog } from './controller-base';
import { PanelError, handleRequest, noLog, requireBroker, RequestQueue, BrokerWatch } from './controller-base';
import type { SchemaDecoder } from '../../schema-registry/decode';
import { isPrintableText, recordAsJson, toRow } from './record-format';

/** Most records read (scanned) to fill one page when a filter is on. */
export const SCAN_LIMIT = 20_000;
const MAX_TAIL_ROWS = 500;
const CHUNK = BROWSER_PAGE_SIZE;
/** Bytes read per call: whole batches are decoded, so read little more than a page needs (at least one batch comes back). */
const READ_BYTES = 64 * 1024;

export interface BrowserControllerOptions {
  getBroker: BrokerGetter;
  post: (msg: BrowserHostMessage) => void;
  copyToClipboard?: (text: string) => Promise<void> | void;
  openProducer?: (form: ProducerForm) => void;
  log?: PanelLog;
  /** Debounce of live-tail refreshes after 'append' events. Default 100 ms. */
  tailDelayMs?: number;
  /** Decodes keys/values in Confluent's wire format (the embedded registry's); absent = shown as bytes. */
  getSchemaDecoder?: () => SchemaDecoder | undefined;
}

type Cursors = Map<number, number>;

interface Matcher {
  test(r: ConsumedRecord): boolean;
}

export class BrowserController {
  private topic = '';
  private partition: number | null = null;
  private filter: RecordFilter = { text: '', regex: false, field: 'any' };
  private matcher: Matcher | null = null;
  private tail = false;
  private start: Cursors = new Map();
  private next: Cursors = new Map();
  private history: Cursors[] = [];
  private rows: RecordRow[] = [];
  private scanned = 0;
  private note: string | null = null;
  private error: string | null = null;
  private readonly brokerWatch = new BrokerWatch(
    () => this.opts.getBroker(),
    (b) => this.subscribe(b),
  );
  private tailTimer: NodeJS.Timeout | undefined;
  private readonly log: PanelLog;
  private readonly requests = new RequestQueue();
  /** A compact request is running: its own logCompacted events need no extra re-read. */
  private compacting = false;

  constructor(private readonly opts: BrowserControllerOptions) {
    this.log = opts.log ?? noLog;
    this.watchBroker();
  }

  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest('browser', raw, validateBrowserRequest, this.handlers, (m) => this.opts.post(m), this.log),
    );
  }

  brokerChanged(): void {
    this.watchBroker();
    this.pushSnapshot();
  }

  dispose(): void {
    this.brokerWatch.dispose();
    if (this.tailTimer) clearTimeout(this.tailTimer);
  }

  /** Run a pending live-tail refresh now (tests; the timer does it otherwise). */
  async flushTail(): Promise<void> {
    if (this.tailTimer) {
      clearTimeout(this.tailTimer);
      this.tailTimer = undefined;
    }
    await this.requests.run(async () => undefined); // let the requests already queued finish first
    this.refreshTail();
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  private subscribe(b: Broker): (() => void)[] {
    return [
      b.on('append', (e) => {
        if (!this.tail || e.topic !== this.topic) return;
        if (this.partition !== null && e.partition !== this.partition) return;
        if (this.tailTimer) return;
        this.tailTimer = setTimeout(() => {
          this.tailTimer = undefined;
          this.requests.run(async () => this.refreshTail()).catch(() => undefined);
        }, this.opts.tailDelayMs ?? 100);
      }),
      b.on('topicCreated', () => this.pushSnapshot()),
      b.on('topicDeleted', () => this.pushSnapshot()),
      // The periodic cleaner (or the command) compacted the open topic: show the page as it is now.
      b.on('logCompacted', (e) => {
        if (e.topic !== this.topic || this.tail || this.compacting) return;
        this.requests
          .run(async () => {
            this.reread();
            this.pushSnapshot();
          })
          .catch(() => undefined);
      }),
    ];
  }

  /** One handler per request of BrowserProtocol (src/shared/browser-messages.ts). */
  private readonly handlers: RequestHandlers<BrowserProtocol> = {
    ready: () => this.pushSnapshot(),
    open: (req) => this.open(req.topic, req.partition, req.seek, req.filter, req.tail),
    page: (req) => this.page(req.direction),
    setTail: (req) => {
      this.tail = req.tail;
      if (req.tail && this.topic !== '') this.seek({ kind: 'end' });
      else this.pushSnapshot();
    },
    compact: async () => {
      const broker = requireBroker(this.opts.getBroker);
      if (this.topic === '') throw new PanelError('Open a topic first.');
      let stats: CompactionStats[];
      this.compacting = true;
      try {
        stats = await broker.compactTopic(this.topic);
      } catch (e) {
        throw new PanelError((e as Error).message);
      } finally {
        this.compacting = false;
      }
      this.reread();
      const removedAny = stats.some((s) => s.recordsAfter < s.recordsBefore);
      this.note = `${formatCompaction(this.topic, stats)}${
        removedAny
          ? '. Offsets did not change, so the gaps between them show where those records were.'
          : " (each key's latest record is all there is)."
      }`;
      this.pushSnapshot();
    },
    copyRecord: async (req) => {
      const r = this.readOne(req.partition, req.offset);
      await this.opts.copyToClipboard?.(recordAsJson(r));
    },
    produceCopy: (req) => {
      const r = this.readOne(req.partition, req.offset);
      const text = (b: Buffer | null, what: string): string => {
        if (b === null) return '';
        const s = b.toString('utf8');
        if (!isPrintableText(s))
          throw new PanelError(`The record's ${what} is binary; the producer panel sends text only.`);
        return s;
      };
      const value = text(r.value, 'value');
      let json: boolean;
      try {
        JSON.parse(value);
        json = value.trim().startsWith('{') || value.trim().startsWith('[');
      } catch {
        json = false;
      }
      this.opts.openProducer?.({
        topic: r.topic,
        partition: null,
        key: text(r.key, 'key'),
        value,
        valueFormat: json ? 'json' : 'text',
        headers: r.headers.map((h) => ({ key: h.key, value: text(h.value, `header "${h.key}"`) })),
        timestamp: null,
        copies: 1,
        idempotent: true,
      });
    },
  };

  /** Open a topic (partition null = all partitions) at a position, with a filter. Public for the panel glue. */
  open(topic: string, partition: number | null, seek: Seek, filter: RecordFilter, tail: boolean): void {
    const broker = requireBroker(this.opts.getBroker);
    this.topic = topic;
    this.partition = partition;
    this.filter = filter;
    this.tail = tail;
    this.rows = [];
    this.error = null;
    this.note = null;
    const t = broker.getTopic(topic);
    if (!t) {
      this.error = `There is no topic "${topic}".`;
      this.pushSnapshot();
      throw new PanelError(this.error);
    }
    if (partition !== null && partition >= t.partitions) {
      this.error = `Topic "${topic}" has partitions 0..${t.partitions - 1}; there is no partition ${partition}.`;
      this.pushSnapshot();
      throw new PanelError(this.error);
    }
    try {
      this.matcher = compileFilter(filter);
    } catch (e) {
      this.matcher = null;
      this.error = (e as Error).message;
      this.start = new Map();
      this.next = new Map();
      this.pushSnapshot();
      throw new PanelError(this.error);
    }
    this.seek(tail ? { kind: 'end' } : seek);
  }

  private scope(broker: Broker): number[] {
    const t = broker.getTopic(this.topic);
    if (!t) throw new PanelError(`There is no topic "${this.topic}" (was it deleted?).`);
    if (this.partition !== null) return [this.partition];
    return Array.from({ length: t.partitions }, (_, i) => i);
  }

  private seek(seek: Seek): void {
    const broker = requireBroker(this.opts.getBroker);
    const parts = this.scope(broker);
    this.history = [];
    if (seek.kind === 'end') {
      const end: Cursors = new Map(parts.map((p) => [p, broker.partitionInfo(this.topic, p).logEndOffset]));
      this.readBackward(broker, end);
    } else {
      const start: Cursors = new Map();
      for (const p of parts) {
        const info = broker.partitionInfo(this.topic, p);
        let o: number;
        if (seek.kind === 'beginning') o = info.logStartOffset;
        else if (seek.kind === 'offset') o = seek.offset;
        else {
          const found = broker.listOffset(this.topic, p, seek.timestamp);
          o = found.offset < 0 ? info.logEndOffset : found.offset;
        }
        start.set(p, Math.min(Math.max(o, info.logStartOffset), info.logEndOffset));
      }
      this.readForward(broker, start);
    }
    this.pushSnapshot();
  }

  private page(direction: 'next' | 'prev'): void {
    const broker = requireBroker(this.opts.getBroker);
    if (this.topic === '') throw new PanelError('Open a topic first.');
    if (direction === 'next') {
      if (!this.hasNext(broker)) throw new PanelError('This is the last page: there are no newer records yet.');
      this.history.push(this.start);
      this.readForward(broker, this.next);
    } else {
      const prev = this.history.pop();
      if (prev) this.readForward(broker, prev);
      else {
        if (!this.hasPrev(broker)) throw new PanelError('This is the first page.');
        this.readBackward(broker, this.start);
      }
    }
    this.pushSnapshot();
  }

  /** Fill the page from `start`, merging partitions by (timestamp, partition, offset). */
  private readForward(broker: Broker, start: Cursors): void {
    const heads = new Map<number, { buf: ConsumedRecord[]; i: number; pos: number; end: number }>();
    for (const [p, o] of start) {
      heads.set(p, { buf: [], i: 0, pos: o, end: broker.partitionInfo(this.topic, p).logEndOffset });
    }
    const rows: RecordRow[] = [];
    let scanned = 0;
    const limit = this.matcher ? SCAN_LIMIT : Number.MAX_SAFE_INTEGER;
    while (rows.length < BROWSER_PAGE_SIZE && scanned < limit) {
      let best: ConsumedRecord | undefined;
      let bestP = -1;
      for (const [p, h] of heads) {
        if (h.i >= h.buf.length) {
          if (h.pos >= h.end) continue;
          h.buf = broker.readRecords(this.topic, p, h.pos, this.matcher ? CHUNK * 5 : CHUNK, READ_BYTES);
          h.i = 0;
          if (h.buf.length === 0) {
            h.pos = h.end;
            continue;
          }
        }
        const r = h.buf[h.i];
        if (!best || r.timestamp < best.timestamp || (r.timestamp === best.timestamp && p < bestP)) {
          best = r;
          bestP = p;
        }
      }
      if (!best) break;
      const h = heads.get(bestP)!;
      h.i++;
      h.pos = best.offset + 1;
      scanned++;
      if (!this.matcher || this.matcher.test(best)) rows.push(toRow(best, this.opts.getSchemaDecoder?.()));
    }
    this.start = start;
    this.next = new Map([...heads].map(([p, h]) => [p, h.pos]));
    this.rows = rows;
    this.scanned = scanned;
    this.note = this.describe(broker, scanned >= limit && rows.length < BROWSER_PAGE_SIZE);
  }

  /** Fill the page with the last (up to 100) matching records before `end`. */
  private readBackward(broker: Broker, end: Cursors): void {
    const infos = new Map([...end.keys()].map((p) => [p, broker.partitionInfo(this.topic, p)]));
    let window = BROWSER_PAGE_SIZE;
    for (;;) {
      const all: ConsumedRecord[] = [];
      let atStart = true;
      for (const [p, e] of end) {
        const from = Math.max(infos.get(p)!.logStartOffset, e - window);
        if (from > infos.get(p)!.logStartOffset) atStart = false;
        let pos = from;
        while (pos < e) {
          const got = broker.readRecords(this.topic, p, pos, Math.min(e - pos, 1000), READ_BYTES);
          if (got.length === 0) break;
          for (const r of got) if (r.offset < e) all.push(r);
          pos = got[got.length - 1].offset + 1;
        }
      }
      all.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
      const matches = this.matcher ? all.filter((r) => this.matcher!.test(r)) : all;
      const scanLimitHit = all.length >= SCAN_LIMIT;
      if (matches.length >= BROWSER_PAGE_SIZE || atStart || scanLimitHit) {
        const page = matches.slice(-BROWSER_PAGE_SIZE);
        const start: Cursors = new Map();
        for (const [p, e] of end) {
          const first = page.find((r) => r.partition === p);
          start.set(p, first ? first.offset : e);
        }
        // Partitions with no record on this page start where the page ends for them.
        this.start = start;
        this.next = new Map(end);
        this.rows = page.map((r) => toRow(r, this.opts.getSchemaDecoder?.()));
        this.scanned = all.length;
        this.note = this.describe(broker, scanLimitHit && page.length < BROWSER_PAGE_SIZE);
        return;
      }
      window *= 4;
    }
  }

  private describe(broker: Broker, limitHit: boolean): string | null {
    if (this.rows.length > 0) {
      return this.matcher ? `${this.rows.length} matching record(s) among ${this.scanned} read.` : null;
    }
    if (limitHit) return `No match among the ${this.scanned} records read; press Next to keep searching.`;
    const empty = [...this.start.keys()].every((p) => {
      const i = broker.partitionInfo(this.topic, p);
      return i.logEndOffset === i.logStartOffset;
    });
    if (empty)
      return this.partition === null
        ? `Topic "${this.topic}" has no records yet.`
        : `Partition ${this.partition} has no records yet.`;
    return this.matcher ? 'No record matches the filter here.' : 'No records at this position.';
  }

  private hasNext(broker: Broker): boolean {
    for (const [p, o] of this.next) if (o < broker.partitionInfo(this.topic, p).logEndOffset) return true;
    return false;
  }

  private hasPrev(broker: Broker): boolean {
    if (this.history.length > 0) return true;
    for (const [p, o] of this.start) if (o > broker.partitionInfo(this.topic, p).logStartOffset) return true;
    return false;
  }

  /** Live tail: append what arrived after the page's end (only while the page reaches the log end). */
  private refreshTail(): void {
    const broker = this.opts.getBroker();
    if (!broker || broker.isClosed || !this.tail || this.topic === '' || !broker.getTopic(this.topic)) return;
    const added: ConsumedRecord[] = [];
    for (const [p, o] of this.next) {
      const end = broker.partitionInfo(this.topic, p).logEndOffset;
      let pos = o;
      while (pos < end && added.length < MAX_TAIL_ROWS * 4) {
        const got = broker.readRecords(this.topic, p, pos, 500, READ_BYTES);
        if (got.length === 0) break;
        added.push(...got);
        pos = got[got.length - 1].offset + 1;
      }
      this.next.set(p, pos);
    }
    if (added.length === 0) return;
    added.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    for (const r of added)
      if (!this.matcher || this.matcher.test(r)) this.rows.push(toRow(r, this.opts.getSchemaDecoder?.()));
    if (this.rows.length > MAX_TAIL_ROWS) this.rows.splice(0, this.rows.length - MAX_TAIL_ROWS);
    this.note = `Live tail: showing the newest ${this.rows.length} record(s).`;
    this.pushSnapshot();
  }

  /** Read the current page again from its start (after the log changed under it). */
  private reread(): void {
    const broker = this.opts.getBroker();
    if (!broker || broker.isClosed || this.topic === '' || !broker.getTopic(this.topic)) return;
    this.readForward(broker, this.start);
  }

  private readOne(partition: number, offset: number): ConsumedRecord {
    const broker = requireBroker(this.opts.getBroker);
    if (this.topic === '') throw new PanelError('Open a topic first.');
    const [r] = broker.readRecords(this.topic, partition, offset, 1, READ_BYTES);
    if (!r || r.offset !== offset)
      throw new PanelError(`Record ${this.topic}/${partition}@${offset} is no longer in the log.`);
    return r;
  }

  snapshot(): BrowserSnapshot {
    const broker = this.opts.getBroker();
    const running = !!broker && !broker.isClosed;
    let ranges: BrowserSnapshot['ranges'] = [];
    let hasPrev = false;
    let hasNext = false;
    let compacted = false;
    if (running && this.topic !== '' && broker.getTopic(this.topic)) {
      compacted = parseCleanupPolicy(broker.getTopic(this.topic)!.configs['cleanup.policy']).compact;
      ranges = [...this.start.keys()].map((p) => {
        const i = broker.partitionInfo(this.topic, p);
        return { partition: p, logStartOffset: i.logStartOffset, logEndOffset: i.logEndOffset };
      });
      hasPrev = this.hasPrev(broker);
      hasNext = this.hasNext(broker);
    }
    return {
      brokerRunning: running,
      topics: running ? broker.listTopics().map((t) => ({ name: t.name, partitions: t.partitions })) : [],
      topic: this.topic,
      partition: this.partition,
      filter: this.filter,
      tail: this.tail,
      compacted,
      rows: this.rows,
      hasPrev,
      hasNext,
      ranges,
      scanned: this.scanned,
      note: this.note,
      error: this.error,
    };
  }

  pushSnapshot(): void {
    this.opts.post({ type: 'snapshot', state: this.snapshot() });
  }
}

/** A filter as a predicate; throws with a clear message for an invalid regex. Empty text = no filter. */
export function compileFilter(f: RecordFilter): Matcher | null {
  if (f.text === '') return null;
  let test: (s: string) => boolean;
  if (f.regex) {
    let re: RegExp;
    try {
      re = new RegExp(f.text);
    } catch (e) {
      throw new Error(
        `Invalid regular expression /${f.text}/: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`,
        { cause: e },
      );
    }
    test = (s) => re.test(s);
  } else {
    const needle = f.text.toLowerCase();
    test = (s) => s.toLowerCase().includes(needle);
  }
  const t = (b: Buffer | null) => (b === null ? false : test(b.toString('utf8')));
  return {
    test(r) {
      switch (f.field) {
        case 'key':
          return t(r.key);
        case 'value':
          return t(r.value);
        case 'header':
          return r.headers.some(
            (h) => test(h.key) || t(h.value) || test(`${h.key}=${h.value?.toString('utf8') ?? ''}`),
          );
        case 'any':
          return t(r.key) || t(r.value) || r.headers.some((h) => test(h.key) || t(h.value));
      }
    },
  };
}
