/**
 * Host side of the record browser, vscode-free: pages of at most 100 decoded records of one partition or of a
 * whole topic (partitions merged in timestamp order), seek to beginning / end / offset / timestamp, page forward
 * and back, filter by substring or regex on key, value or a header, a live tail fed by the broker's 'append'
 * events, and Compact now for a compacted topic (the page is read again, so the offsets' gaps show what went).
 * Pushes the visible page as a full snapshot.
 *
 * Transactions: in read_uncommitted (the default) transaction markers are rows of their own (COMMIT / ABORT,
 * producer id and epoch), records of an aborted transaction are captioned "aborted by producer 7, epoch 0" and
 * those of a transaction still open "in an open transaction …"; in read_committed each partition is read up to
 * its last stable offset, without markers and aborted records, and the snapshot's stableNote says where it stopped.
 * Schemas: keys and values are decoded with a local schema file (kafkaLite.schemas.localFiles, local-schemas.ts)
 * when one is mapped for the topic, else with the registry's decoder; the filter matches their decoded JSON too.
 *
 * Guarantees: reads only (never changes the log), except the explicit compact request; a page read touches at most
 * SCAN_LIMIT records, so a filter that matches rarely answers quickly with "continue" instead of scanning a million
 * records; an invalid regex is reported, never thrown at the webview. Its messages are BrowserProtocol's
 * (src/shared/browser-messages.ts). Created by the record browser's PanelSlot (panel-slot.ts; its spec and the
 * commands calling open() are in index.ts), by unit tests and by bench/panels.ts.
 */
import type { PanelSource } from './panel-source';
import { EMBEDDED_SOURCE } from './panel-source';
import type { Broker } from '../../broker/broker';
import type { CompactionStats, ConsumedRecord } from '../../broker/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import { formatCompaction } from '../model/format';
import type {
  BrowserHostMessage,
  BrowserProtocol,
  BrowserSnapshot,
  IsolationLevel,
  RecordFilter,
  RecordRow,
  Seek,
} from '../../shared/browser-messages';
import { BROWSER_FIELD_LABELS, BROWSER_PAGE_SIZE, validateBrowserRequest } from '../../shared/browser-messages';
import type { RequestHandlers } from '../../shared/ipc';
import type { ProducerForm } from '../../shared/producer-messages';
import type { BrokerGetter, PanelLog } from './controller-base';
import { PanelError, handleRequest, noLog, requireBroker, RequestQueue, BrokerWatch } from './controller-base';
import type { SchemaDecoder } from '../../schema-registry/decode';
import { describeDecoded } from '../../schema-registry/decode';
import { isPrintableText, recordAsJson, renderBytes, toRow } from './record-format';
import type { LocalSchemaSettings } from './local-schemas';
import { LocalSchemas } from './local-schemas';
import type { ExportFormat } from './record-export';
import { EXPORT_FORMATS, ExportEncoder, kcatCommand } from './record-export';

/** Most records read (scanned) to fill one page when a filter is on. */
export const SCAN_LIMIT = 20_000;
const MAX_TAIL_ROWS = 500;
const CHUNK = BROWSER_PAGE_SIZE;
/** Bytes read per call: whole batches are decoded, so read little more than a page needs (at least one batch comes back). */
const READ_BYTES = 64 * 1024;
/** An export reads in bigger steps: it wants every record, fast. */
const EXPORT_READ_RECORDS = 5000;
const EXPORT_READ_BYTES = 1024 * 1024;

/** Where an export's text goes, piece by piece (the panel glue writes a file; tests keep a string). */
export interface ExportSink {
  write(text: string): void | Promise<void>;
  /** Records written so far (for a progress display). */
  progress?(records: number): void;
  /** The person cancelled: stop writing. */
  readonly cancelled?: boolean;
}

export interface ExportTarget {
  /** A file name to offer, e.g. "orders.jsonl". */
  suggestedName: string;
  format: ExportFormat;
  /** How many records at most (a selection or page: exact; a whole topic: before the filter). */
  total: number;
}

/**
 * Asks where to save, then runs `write` with a sink for that file. Resolves with the path written, or undefined when
 * the person dismissed the save dialog; `cancelled: true` when they stopped the export under way (no file is kept).
 */
export type SaveExport = (
  target: ExportTarget,
  write: (sink: ExportSink) => Promise<void>,
) => Promise<{ path: string; cancelled: boolean } | undefined>;

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
  /** Saves an export (see SaveExport); without it, exports are refused. */
  saveExport?: SaveExport;
  /** The running broker's address for clients (host:port), for "Copy as kcat command". */
  bootstrap?: () => string | undefined;
  /** The kafkaLite.schemas.localFiles setting and the workspace folder its paths are relative to. */
  localSchemas?: () => LocalSchemaSettings;
}

type Cursors = Map<number, number>;

/** A key's or value's decoded data as compact JSON text (what the filter matches besides the raw bytes). */
export interface DecodedText {
  key?: string;
  value?: string;
}

interface Matcher {
  test(r: ConsumedRecord, decoded?: DecodedText): boolean;
}

/** A key or value decoded with a schema (registry or local file), or why it could not be. */
type Decoded = { value: unknown; caption: string } | { error: string } | null;

/** Most records counted after a last stable offset for the stableNote ("at least" beyond). */
const MAX_COUNT_AFTER_LSO = 5000;

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
  private markerTimer: NodeJS.Timeout | undefined;
  private readonly log: PanelLog;
  private readonly requests = new RequestQueue();
  /** A compact request is running: its own logCompacted events need no extra re-read. */
  private compacting = false;
  /** Where a restored panel is to open once the broker runs (see restore()). */
  private pending: Seek | null = null;
  /** The broker the page was last read from (brokerChanged re-reads only when that changed). */
  private pageBroker: Broker | undefined;
  private isolation: IsolationLevel = 'read_uncommitted';
  /** Per partition of the page: the open transactions (producer id -> first offset), for the rows' captions. */
  private openTxns = new Map<number, Map<number, { producerEpoch: number; firstOffset: number }>>();
  private readonly localSchemas: LocalSchemas | undefined;

  /** Where this panel works (panel-source.ts); set by the panel glue each time the panel is opened. */
  private source: PanelSource = EMBEDDED_SOURCE;

  /** Work on `source` from now on: this window's broker, or the remote cluster the views show. */
  setSource(source: PanelSource): void {
    this.source = source;
  }

  constructor(private readonly opts: BrowserControllerOptions) {
    this.log = opts.log ?? noLog;
    this.localSchemas = opts.localSchemas ? new LocalSchemas(opts.localSchemas) : undefined;
    this.pageBroker = opts.getBroker();
    this.watchBroker();
  }

  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest(
        'browser',
        raw,
        validateBrowserRequest,
        this.handlers,
        (m) => this.opts.post(m),
        this.log,
        BROWSER_FIELD_LABELS,
      ),
    );
  }

  /**
   * The broker started, stopped or restarted. Stopped: the page is emptied (its records would be a snapshot of a
   * broker that is gone) and the snapshot says the broker is not running. Running again: the open topic is read
   * again from the current broker, at the same position (or where a panel restored after a reload wanted to be).
   */
  brokerChanged(): void {
    this.watchBroker();
    const b = this.opts.getBroker();
    const same = b === this.pageBroker;
    this.pageBroker = b;
    if (same && !this.pending) {
      this.pushSnapshot();
      return;
    }
    if (!b || b.isClosed) {
      this.clearPage();
      this.note = null;
      this.error = null;
      this.pushSnapshot();
      return;
    }
    if (this.topic === '') {
      this.pushSnapshot();
      return;
    }
    const pending = this.pending;
    this.pending = null;
    try {
      if (!b.getTopic(this.topic)) {
        this.topicGone(this.topic);
        return;
      }
      const at: Seek =
        pending ??
        (this.start.size > 0 ? { kind: 'offset', offset: Math.min(...this.start.values()) } : { kind: 'beginning' });
      if (pending || this.partition !== null || this.start.size === 0) {
        this.open(this.topic, this.partition, at, this.filter, this.tail);
      } else {
        // a whole topic: each partition goes back to its own start of the page
        const start: Cursors = new Map();
        for (const p of this.scope(b)) {
          const info = b.partitionInfo(this.topic, p);
          const o = this.start.get(p) ?? info.logStartOffset;
          start.set(p, Math.min(Math.max(o, info.logStartOffset), info.logEndOffset));
        }
        this.error = null;
        if (this.tail) this.seek({ kind: 'end' });
        else {
          this.readForward(b, start);
          this.pushSnapshot();
        }
      }
    } catch (e) {
      // open() recorded the error in the snapshot already when it could
      if (this.error === null) {
        this.error = (e as Error).message;
        this.pushSnapshot();
      }
    }
  }

  /**
   * A panel restored after a window reload: open the saved position now if the broker runs, else remember it and
   * open it when the broker has started (brokerChanged).
   */
  restore(topic: string, partition: number | null, seek: Seek, filter: RecordFilter, tail: boolean): void {
    const b = this.opts.getBroker();
    if (b && !b.isClosed) {
      this.open(topic, partition, seek, filter, tail);
      return;
    }
    this.topic = topic;
    this.partition = partition;
    this.filter = filter;
    this.tail = tail;
    this.pending = seek;
    this.pushSnapshot();
  }

  private clearPage(): void {
    this.rows = [];
    this.history = [];
    this.scanned = 0;
  }

  /** The open topic was deleted: nothing of it is shown any more, and the panel says why. */
  private topicGone(name: string): void {
    this.topic = '';
    this.partition = null;
    this.tail = false;
    this.pending = null;
    this.clearPage();
    this.start = new Map();
    this.next = new Map();
    this.note = null;
    this.error = `Topic "${name}" was deleted, and its records with it. Pick another topic.`;
    this.pushSnapshot();
  }

  dispose(): void {
    this.brokerWatch.dispose();
    if (this.tailTimer) clearTimeout(this.tailTimer);
    if (this.markerTimer) clearTimeout(this.markerTimer);
  }

  /** Run a pending live-tail refresh now (tests; the timer does it otherwise). */
  async flushTail(): Promise<void> {
    if (this.tailTimer) {
      clearTimeout(this.tailTimer);
      this.tailTimer = undefined;
    }
    const marker = this.markerTimer !== undefined;
    if (this.markerTimer) {
      clearTimeout(this.markerTimer);
      this.markerTimer = undefined;
    }
    await this.requests.run(async () => undefined); // let the requests already queued finish first
    if (marker && !this.tail) {
      this.reread();
      this.pushSnapshot();
    }
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
      // A transaction ended on a partition shown: its records' captions change (open -> aborted / committed), and in
      // read_committed the last stable offset moved. Re-read, debounced like the live tail.
      b.on('txnMarker', (e) => {
        if (e.topic !== this.topic || (this.partition !== null && e.partition !== this.partition)) return;
        if (this.tailTimer || this.markerTimer) return;
        this.markerTimer = setTimeout(() => {
          this.markerTimer = undefined;
          this.requests
            .run(async () => {
              if (this.tail) this.refreshTail();
              else {
                this.reread();
                this.pushSnapshot();
              }
            })
            .catch(() => undefined);
        }, this.opts.tailDelayMs ?? 100);
      }),
      b.on('topicCreated', () => this.pushSnapshot()),
      b.on('topicDeleted', (e) => {
        if (e.topic === this.topic) this.topicGone(e.topic);
        else this.pushSnapshot();
      }),
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
    copyKcat: async (req) => {
      const r = this.readOne(req.partition, req.offset);
      const bootstrap = this.opts.bootstrap?.();
      if (!bootstrap) throw new PanelError('The Kafka Lite broker is not running.');
      await this.opts.copyToClipboard?.(kcatCommand(bootstrap, r));
    },
    exportRecords: (req) => this.exportRecords(req.format, req.scope, req.selection),
    setIsolation: (req) => this.setIsolation(req.isolation),
    produceCopy: (req) => {
      const r = this.readOne(req.partition, req.offset);
      const text = (b: Buffer | null, what: string): string => {
        if (b === null) return '';
        const s = b.toString('utf8');
        if (!isPrintableText(s))
          throw new PanelError(
            `The record's ${what} is binary; the producer panel takes a binary value (as base64) but a text ${what}.`,
          );
        return s;
      };
      const binaryValue = r.value !== null && !isPrintableText(r.value.toString('utf8'));
      const value = binaryValue ? r.value!.toString('base64') : text(r.value, 'value');
      let json = false;
      if (!binaryValue) {
        try {
          JSON.parse(value);
          json = value.trim().startsWith('{') || value.trim().startsWith('[');
        } catch {
          json = false;
        }
      }
      this.opts.openProducer?.({
        topic: r.topic,
        partition: null,
        key: text(r.key, 'key'),
        value,
        valueFormat: binaryValue ? 'base64' : json ? 'json' : 'text',
        headers: r.headers.map((h) => ({ key: h.key, value: text(h.value, `header "${h.key}"`) })),
        timestamp: null,
        copies: 1,
        idempotent: true,
      });
    },
  };

  /**
   * Export records of the open topic: the ticked rows or the page shown (in the page's order), or every record of
   * the topic (or the open partition) that the filter matches, partition by partition in offset order, up to each
   * partition's log end when the export starts. The snapshot's note then says how many went where.
   */
  private async exportRecords(
    format: ExportFormat,
    scope: 'selection' | 'page' | 'all',
    selection: { partition: number; offset: number }[],
  ): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    if (this.topic === '') throw new PanelError('Open a topic first.');
    if (!this.opts.saveExport) throw new PanelError('Exporting is not available here.');
    const topic = this.topic;
    const refs = scope === 'selection' ? selection : scope === 'page' ? this.rows : [];
    if (scope === 'selection' && refs.length === 0) throw new PanelError('Tick the records to export first.');
    if (scope === 'page' && refs.length === 0) throw new PanelError('There are no records on this page to export.');
    const ends = new Map<number, { from: number; to: number }>();
    if (scope === 'all') {
      for (const p of this.scope(broker)) {
        const i = broker.partitionInfo(topic, p);
        ends.set(p, { from: i.logStartOffset, to: i.logEndOffset });
      }
    }
    const total = scope === 'all' ? [...ends.values()].reduce((n, e) => n + (e.to - e.from), 0) : refs.length;
    const matcher = scope === 'all' ? this.matcher : null;
    const part = this.partition === null ? '' : `-p${this.partition}`;
    const encoder = new ExportEncoder(format);
    const saved = await this.opts.saveExport(
      { suggestedName: `${topic}${part}.${EXPORT_FORMATS[format].extension}`, format, total },
      async (sink) => {
        await sink.write(encoder.start());
        if (scope !== 'all') {
          for (const ref of refs) {
            if (sink.cancelled) return;
            await sink.write(encoder.record(this.readOne(ref.partition, ref.offset)));
          }
          sink.progress?.(encoder.records);
        } else {
          for (const [p, { from, to }] of ends) {
            let pos = from;
            while (pos < to) {
              if (sink.cancelled) return;
              const b = this.opts.getBroker();
              if (!b || b.isClosed || !b.getTopic(topic))
                throw new PanelError(`The export stopped: topic "${topic}" is no longer readable.`);
              const got = b.readRecords(topic, p, pos, Math.min(EXPORT_READ_RECORDS, to - pos), EXPORT_READ_BYTES);
              if (got.length === 0) break;
              let text = '';
              for (const r of got) {
                if (r.offset >= to) break;
                if (!matcher || (r.control === undefined && matcher.test(r, this.decodedText(r))))
                  text += encoder.record(r);
              }
              if (text) await sink.write(text);
              pos = got[got.length - 1].offset + 1;
              sink.progress?.(encoder.records);
              // let the extension host breathe (and a cancel arrive) between chunks
              await new Promise<void>((resolve) => setImmediate(resolve));
            }
          }
        }
        await sink.write(encoder.end());
      },
    );
    if (!saved) return; // the save dialog was dismissed
    const label = EXPORT_FORMATS[format].label;
    this.note = saved.cancelled
      ? `Export cancelled after ${encoder.records} record(s); no file was kept.`
      : `Exported ${encoder.records} record(s) of "${topic}" to ${saved.path} (${label}).`;
    this.pushSnapshot();
  }

  /** Open a topic (partition null = all partitions) at a position, with a filter. Public for the panel glue. */
  open(topic: string, partition: number | null, seek: Seek, filter: RecordFilter, tail: boolean): void {
    const broker = requireBroker(this.opts.getBroker);
    this.topic = topic;
    this.partition = partition;
    this.filter = filter;
    this.tail = tail;
    this.pending = null;
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
      const end: Cursors = new Map(parts.map((p) => [p, this.endOf(broker, p)]));
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
        start.set(p, Math.min(Math.max(o, info.logStartOffset), this.endOf(broker, p)));
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
      heads.set(p, { buf: [], i: 0, pos: o, end: this.endOf(broker, p) });
    }
    this.loadOpenTxns(broker, [...start.keys()]);
    const rows: RecordRow[] = [];
    let scanned = 0;
    const limit = this.matcher ? SCAN_LIMIT : Number.MAX_SAFE_INTEGER;
    while (rows.length < BROWSER_PAGE_SIZE && scanned < limit) {
      let best: ConsumedRecord | undefined;
      let bestP = -1;
      for (const [p, h] of heads) {
        if (h.i >= h.buf.length) {
          if (h.pos >= h.end) continue;
          h.buf = this.read(broker, p, h.pos, this.matcher ? CHUNK * 5 : CHUNK);
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
      if (this.accepts(best)) rows.push(this.row(best));
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
    this.loadOpenTxns(broker, [...end.keys()]);
    let window = BROWSER_PAGE_SIZE;
    for (;;) {
      const all: ConsumedRecord[] = [];
      let atStart = true;
      for (const [p, e] of end) {
        const from = Math.max(infos.get(p)!.logStartOffset, e - window);
        if (from > infos.get(p)!.logStartOffset) atStart = false;
        let pos = from;
        while (pos < e) {
          const got = this.read(broker, p, pos, Math.min(e - pos, 1000));
          if (got.length === 0) break;
          for (const r of got) if (r.offset < e) all.push(r);
          pos = got[got.length - 1].offset + 1;
        }
      }
      all.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
      const matches = this.matcher ? all.filter((r) => this.accepts(r)) : all;
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
        this.rows = page.map((r) => this.row(r));
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
    if (this.level === 1)
      return `${this.matcher ? 'No committed record matches the filter here' : 'No committed records at this position'}: read_committed hides aborted records and transaction markers and stops at the last stable offset (read_uncommitted shows them).`;
    // Say where the records are, so the person knows which offsets to seek to.
    const where = [...this.start.keys()]
      .sort((a, b) => a - b)
      .map((p) => {
        const i = broker.partitionInfo(this.topic, p);
        return i.logEndOffset > i.logStartOffset
          ? `partition ${p} holds offsets ${i.logStartOffset}–${i.logEndOffset - 1} (its next record gets ${i.logEndOffset})`
          : `partition ${p} is empty (its next record gets ${i.logEndOffset})`;
      })
      .join('; ');
    return `${this.matcher ? 'No record matches the filter here' : 'No records at this position'}: ${where}.`;
  }

  private hasNext(broker: Broker): boolean {
    for (const [p, o] of this.next) if (o < this.endOf(broker, p)) return true;
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
    this.loadOpenTxns(broker, [...this.next.keys()]);
    for (const [p, o] of this.next) {
      const end = this.endOf(broker, p);
      let pos = o;
      while (pos < end && added.length < MAX_TAIL_ROWS * 4) {
        const got = this.read(broker, p, pos, 500);
        if (got.length === 0) break;
        added.push(...got);
        pos = got[got.length - 1].offset + 1;
      }
      this.next.set(p, pos);
    }
    if (added.length === 0) return;
    added.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    for (const r of added) if (this.accepts(r)) this.rows.push(this.row(r));
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
      isolation: this.isolation,
      stableNote: running && this.topic !== '' && broker.getTopic(this.topic) ? this.stableNote(broker) : null,
    };
  }

  // ------------------------------------------------------------------ transactions and schemas

  private get level(): 0 | 1 {
    return this.isolation === 'read_committed' ? 1 : 0;
  }

  /** Records of the open topic from `pos`, as a consumer of the chosen isolation level reads them. */
  private read(broker: Broker, partition: number, pos: number, max: number): ConsumedRecord[] {
    return broker.readRecords(this.topic, partition, pos, max, READ_BYTES, { isolationLevel: this.level });
  }

  /** Where reading a partition ends: its log end, or in read_committed its last stable offset. */
  private endOf(broker: Broker, partition: number): number {
    const i = broker.partitionInfo(this.topic, partition);
    return this.level === 1 ? (i.lastStableOffset ?? i.logEndOffset) : i.logEndOffset;
  }

  private setIsolation(isolation: IsolationLevel): void {
    if (isolation === this.isolation) return this.pushSnapshot();
    this.isolation = isolation;
    const broker = this.opts.getBroker();
    if (!broker || broker.isClosed || this.topic === '' || !broker.getTopic(this.topic)) return this.pushSnapshot();
    this.history = [];
    if (this.tail || this.start.size === 0) return this.seek(this.tail ? { kind: 'end' } : { kind: 'beginning' });
    const start: Cursors = new Map();
    for (const [p, o] of this.start) start.set(p, Math.min(o, this.endOf(broker, p)));
    this.readForward(broker, start);
    this.pushSnapshot();
  }

  private loadOpenTxns(broker: Broker, partitions: number[]): void {
    this.openTxns = new Map();
    for (const p of partitions) {
      const open = broker.openTransactions(this.topic, p);
      if (open.length > 0)
        this.openTxns.set(
          p,
          new Map(open.map((t) => [t.producerId, { producerEpoch: t.producerEpoch, firstOffset: t.firstOffset }])),
        );
    }
  }

  /** Does the filter (if any) keep this record? Markers are not data: a filter never keeps them. */
  private accepts(r: ConsumedRecord): boolean {
    if (!this.matcher) return true;
    return r.control === undefined && this.matcher.test(r, this.decodedText(r));
  }

  private memo: { r: ConsumedRecord; key: Decoded; value: Decoded } | undefined;

  /** Key and value decoded with a schema (the last record's are kept: the filter and the row both ask). */
  private decoded(r: ConsumedRecord): { key: Decoded; value: Decoded } {
    if (this.memo?.r === r) return this.memo;
    const decoder = this.opts.getSchemaDecoder?.();
    const one = (side: 'key' | 'value'): Decoded => {
      const bytes = side === 'key' ? r.key : r.value;
      const local = this.localSchemas?.decode(r.topic, side, bytes);
      if (local) {
        if ('error' in local) return { error: local.error };
        const invalid = local.validationErrors
          ? ` · does not match its schema: ${local.validationErrors.join('; ')}`
          : '';
        return { value: local.value, caption: local.caption + invalid };
      }
      const d = decoder?.decode(bytes, `${r.topic}-${side}`);
      if (!d) return null;
      if ('error' in d) return { error: d.error };
      const invalid = d.validationErrors ? ` · does not match its schema: ${d.validationErrors.join('; ')}` : '';
      return { value: d.value, caption: describeDecoded(d) + invalid };
    };
    this.memo = { r, key: one('key'), value: one('value') };
    return this.memo;
  }

  private decodedText(r: ConsumedRecord): DecodedText {
    const d = this.decoded(r);
    const out: DecodedText = {};
    if (d.key && 'value' in d.key) out.key = JSON.stringify(d.key.value);
    if (d.value && 'value' in d.value) out.value = JSON.stringify(d.value.value);
    return out;
  }

  /** One row of the page: a marker, or a record with its decoded key/value and its transaction's caption. */
  private row(r: ConsumedRecord): RecordRow {
    const row = toRow(r);
    if (r.control !== undefined) {
      row.marker = { type: r.control, producerId: r.producerId, producerEpoch: r.producerEpoch };
      return row;
    }
    const d = this.decoded(r);
    for (const side of ['key', 'value'] as const) {
      const got = d[side];
      if (!got) continue;
      if ('error' in got) {
        const shown = renderBytes(side === 'key' ? r.key : r.value);
        if (side === 'key') row.keySchema = `Not decoded: ${got.error}`;
        else row.valueSchema = `Not decoded: ${got.error}`;
        if (side === 'key') [row.key, row.keyKind] = [shown.text, shown.kind];
        else [row.value, row.valueKind] = [shown.text, shown.kind];
        continue;
      }
      const text = JSON.stringify(got.value, null, 2);
      if (side === 'key') Object.assign(row, { key: text, keyKind: 'json', keySchema: got.caption });
      else Object.assign(row, { value: text, valueKind: 'json', valueSchema: got.caption });
    }
    if (r.aborted) {
      row.txn = { state: 'aborted', caption: `aborted by producer ${r.producerId}, epoch ${r.producerEpoch}` };
    } else if (r.isTransactional) {
      const open = this.openTxns.get(r.partition)?.get(r.producerId);
      if (open && r.offset >= open.firstOffset)
        row.txn = {
          state: 'open',
          caption: `in an open transaction of producer ${r.producerId}, epoch ${r.producerEpoch}: not committed yet`,
        };
    }
    return row;
  }

  private readonly stableNotes = new Map<string, string>();

  /** Where open transactions hold records back on the partitions shown (see BrowserSnapshot.stableNote). */
  private stableNote(broker: Broker): string | null {
    const parts: string[] = [];
    const keys = [...this.start.keys()].sort((a, b) => a - b);
    for (const p of keys) {
      const i = broker.partitionInfo(this.topic, p);
      const lso = i.lastStableOffset ?? i.logEndOffset;
      if (lso >= i.logEndOffset) continue;
      const cacheKey = JSON.stringify([this.topic, p, lso, i.logEndOffset, this.isolation]);
      let text = this.stableNotes.get(cacheKey);
      if (text === undefined) {
        text = this.describeAfterLso(broker, p, lso, i.logEndOffset);
        if (this.stableNotes.size > 100) this.stableNotes.clear();
        this.stableNotes.set(cacheKey, text);
      }
      parts.push(keys.length > 1 || this.partition === null ? `partition ${p}: ${text}` : text);
    }
    return parts.length ? parts.join(' · ') : null;
  }

  private describeAfterLso(broker: Broker, p: number, lso: number, end: number): string {
    const open = new Map(broker.openTransactions(this.topic, p).map((t) => [t.producerId, t.firstOffset]));
    let inOpen = 0;
    let other = 0;
    let pos = lso;
    while (pos < end && inOpen + other < MAX_COUNT_AFTER_LSO) {
      const got = broker.readRecords(this.topic, p, pos, 1000, READ_BYTES);
      if (got.length === 0) break;
      for (const r of got) {
        const first = open.get(r.producerId);
        if (r.control === undefined && r.isTransactional && first !== undefined && r.offset >= first) inOpen++;
        else other++;
      }
      pos = got[got.length - 1].offset + 1;
    }
    const atLeast = pos < end ? 'at least ' : '';
    const count = (n: number, what: string) => `${atLeast}${n} ${what}${n === 1 ? '' : 's'}`;
    const others = other > 0 ? ` (and ${count(other, 'other record')} behind it)` : '';
    if (this.level === 1)
      return `showing up to the last stable offset ${lso}; ${count(inOpen, 'record')} of an open transaction ${inOpen === 1 && !atLeast ? 'is' : 'are'} after it${others}`;
    return `${count(inOpen, 'record')} from offset ${lso} on ${inOpen === 1 && !atLeast ? 'is' : 'are'} in an open transaction${others}; read_committed stops at the last stable offset ${lso}`;
  }

  pushSnapshot(): void {
    this.opts.post({ type: 'snapshot', state: this.snapshot() });
  }
}

/**
 * A filter as a predicate; throws with a clear message for an invalid regex. Empty text = no filter. A key or
 * value matches on its bytes as UTF-8 text, or on its decoded data as compact JSON (`"customer_id":42`) when given.
 */
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
  const td = (b: Buffer | null, decoded: string | undefined) => t(b) || (decoded !== undefined && test(decoded));
  return {
    test(r, decoded) {
      switch (f.field) {
        case 'key':
          return td(r.key, decoded?.key);
        case 'value':
          return td(r.value, decoded?.value);
        case 'header':
          return r.headers.some(
            (h) => test(h.key) || t(h.value) || test(`${h.key}=${h.value?.toString('utf8') ?? ''}`),
          );
        case 'any':
          return (
            td(r.key, decoded?.key) || td(r.value, decoded?.value) || r.headers.some((h) => test(h.key) || t(h.value))
          );
      }
    },
  };
}
