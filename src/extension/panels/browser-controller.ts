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
 * Where: the panel works on its PanelSource (panel-source.ts), this window's broker or a remote cluster; all reads go
 * through one small reader (browser-reader.ts), so page / seek / filter / tail exist once. On this window's broker
 * they run synchronously, as fast as before; on a remote cluster through the Cluster contract, asynchronously and
 * queued, with a smaller scan bound (REMOTE_SCAN_LIMIT), a live tail that polls about once a second while the panel
 * is visible (Fetch with a short wait), no Compact now (the protocol has no such request), and no "open transaction"
 * captions (the wire does not tell other producers' transactions; the stableNote says "unknown"). Switching places
 * empties the page and the topic list. A panel restored on a remote cluster reads nothing until opened there again.
 *
 * Guarantees: reads only (never changes the log), except the explicit compact request; a page read touches at most
 * SCAN_LIMIT records, so a filter that matches rarely answers quickly with "continue" instead of scanning a million
 * records; an invalid regex is reported, never thrown at the webview. Its messages are BrowserProtocol's
 * (src/shared/browser-messages.ts). Created by the record browser's PanelSlot (panel-slot.ts; its spec and the
 * commands calling open() are in index.ts), by unit tests and by bench/panels.ts.
 */
import type { PanelSource, RemoteSource } from './panel-source';
import { EMBEDDED_SOURCE, sameSource, sourceLabel } from './panel-source';
import type { BrowserReader, Maybe, Op, PartitionRange, TopicFacts } from './browser-reader';
import { RemoteReader, all, drive, embeddedReader, wait } from './browser-reader';
import type { Broker } from '../../broker/broker';
import type { CompactionStats, ConsumedRecord } from '../../broker/types';
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
import {
  PanelError,
  describeError,
  handleRequest,
  noLog,
  requireBroker,
  RequestQueue,
  BrokerWatch,
} from './controller-base';
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
  /** How often a remote live tail polls (default REMOTE_TAIL_POLL_MS). */
  remotePollMs?: number;
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

/** Most records read (scanned) to fill one page on a remote cluster when a filter is on (each read is a request). */
export const REMOTE_SCAN_LIMIT = 5_000;
/** How often the live tail asks a remote cluster for news while the panel is visible, and how long a Fetch waits. */
export const REMOTE_TAIL_POLL_MS = 1000;
const REMOTE_TAIL_WAIT_MS = 250;

/** What a panel restored on a remote cluster says until it is opened from that cluster again. */
export function restoredRemoteText(where: string): string {
  return `This panel was working on ${where}; open it again from that cluster's Topics view.`;
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
  private markerTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
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
  /** Counts source changes: an operation still reading from the previous source is abandoned. */
  private generation = 0;
  private embedded: (BrowserReader & { broker: Broker }) | undefined;
  private remoteReader: { source: RemoteSource; reader: RemoteReader } | undefined;
  /** Restored after a reload from the state of a panel on this remote cluster (its label): nothing is read. */
  private restoredRemote: string | undefined;
  private visible = true;
  private disposed = false;

  constructor(private readonly opts: BrowserControllerOptions) {
    this.log = opts.log ?? noLog;
    this.localSchemas = opts.localSchemas ? new LocalSchemas(opts.localSchemas) : undefined;
    this.pageBroker = opts.getBroker();
    this.watchBroker();
  }

  /**
   * Work on `source` from now on: this window's broker, or the remote cluster the views show. Another place than
   * before empties the page and the topic list (then filled from the new place); the same place keeps the page. A
   * panel restored on a remote cluster opens its saved position when that cluster is set again.
   */
  setSource(source: PanelSource): void {
    const restored = this.restoredRemote;
    this.restoredRemote = undefined;
    if (restored === undefined && sameSource(source, this.source)) return;
    this.source = source;
    this.generation++;
    this.stopPolling();
    const resume = restored !== undefined && restored === sourceLabel(source) && this.pending && this.topic !== '';
    if (resume) {
      const seek = this.pending!;
      this.pending = null;
      void this.run(() => this.openOp(this.topic, this.partition, seek, this.filter, this.tail));
      return;
    }
    this.topic = '';
    this.partition = null;
    this.tail = false;
    this.pending = null;
    this.matcher = null;
    this.clearPage();
    this.start = new Map();
    this.next = new Map();
    this.note = null;
    this.error = null;
    this.openTxns = new Map();
    void this.run(() => this.pushOp());
  }

  /** The panel was hidden or shown: a remote live tail polls only while it is visible. */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.schedulePoll();
    else this.stopPolling();
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
   * Run an operation: at once and synchronously on this window's broker (its answers are plain values); on a
   * remote cluster after the requests before it, abandoned if the panel moves to another place meanwhile. Errors
   * are in the snapshot already (or logged).
   */
  private run(op: () => Op<void>): Maybe<void> {
    const gen = this.generation;
    const stale = () => gen !== this.generation || this.disposed;
    if (this.source.kind === 'embedded') {
      try {
        const got = drive(op(), stale);
        if (got instanceof Promise) return got.catch((e) => this.log('warn', `record browser: ${describeError(e)}`));
        return got;
      } catch (e) {
        this.log('warn', `record browser: ${describeError(e)}`);
        return;
      }
    }
    return this.requests
      .run(async () => {
        if (stale()) return;
        this.readerNow()?.fresh?.();
        await drive(op(), stale);
      })
      .catch((e) => this.log('warn', `record browser: ${describeError(e)}`));
  }

  /** Run an operation of a request (its errors reach the reply); a remote one asks the cluster afresh. */
  private act<T>(op: Op<T>): Maybe<T> {
    const gen = this.generation;
    this.readerNow()?.fresh?.();
    return drive(op, () => gen !== this.generation || this.disposed);
  }

  /** Where reads go now; undefined when nothing can be read (broker stopped, or a restored remote panel). */
  private readerNow(): (BrowserReader & { fresh?(): void }) | undefined {
    if (this.restoredRemote !== undefined) return undefined;
    if (this.source.kind === 'remote') {
      if (this.remoteReader?.source !== this.source)
        this.remoteReader = { source: this.source, reader: new RemoteReader(this.source.cluster) };
      return this.remoteReader.reader;
    }
    const b = this.opts.getBroker();
    if (!b || b.isClosed) return undefined;
    if (this.embedded?.broker !== b) this.embedded = embeddedReader(b);
    return this.embedded;
  }

  private reader(): BrowserReader {
    if (this.restoredRemote !== undefined) throw new PanelError(restoredRemoteText(this.restoredRemote));
    if (this.source.kind === 'embedded') requireBroker(this.opts.getBroker);
    return this.readerNow()!;
  }

  /**
   * The broker started, stopped or restarted. Stopped: the page is emptied (its records would be a snapshot of a
   * broker that is gone) and the snapshot says the broker is not running. Running again: the open topic is read
   * again from the current broker, at the same position (or where a panel restored after a reload wanted to be).
   * A panel working on a remote cluster does not depend on this window's broker.
   */
  brokerChanged(): void {
    this.watchBroker();
    const b = this.opts.getBroker();
    const same = b === this.pageBroker;
    this.pageBroker = b;
    if (this.source.kind !== 'embedded' || this.restoredRemote !== undefined) {
      if (this.restoredRemote !== undefined) void this.pushSnapshot();
      return;
    }
    if (same && !this.pending) {
      void this.pushSnapshot();
      return;
    }
    if (!b || b.isClosed) {
      this.clearPage();
      this.note = null;
      this.error = null;
      void this.pushSnapshot();
      return;
    }
    if (this.topic === '') {
      void this.pushSnapshot();
      return;
    }
    void this.run(() => this.reopenOp());
  }

  /** Read the open topic again from the (new) broker, at the page's position or the restored one. */
  private *reopenOp(): Op<void> {
    const r = this.reader();
    const pending = this.pending;
    this.pending = null;
    try {
      const t = yield* wait(r.describeTopic(this.topic));
      if (!t) {
        this.topicGone(this.topic);
        return;
      }
      const at: Seek =
        pending ??
        (this.start.size > 0 ? { kind: 'offset', offset: Math.min(...this.start.values()) } : { kind: 'beginning' });
      if (pending || this.partition !== null || this.start.size === 0) {
        yield* this.openOp(this.topic, this.partition, at, this.filter, this.tail);
      } else {
        // a whole topic: each partition goes back to its own start of the page
        const parts = yield* this.scope(r);
        const ranges = yield* wait(r.ranges(this.topic, parts));
        const start: Cursors = new Map();
        for (const p of parts) {
          const info = ranges.get(p)!;
          const o = this.start.get(p) ?? info.logStartOffset;
          start.set(p, Math.min(Math.max(o, info.logStartOffset), info.logEndOffset));
        }
        this.error = null;
        if (this.tail) yield* this.seekOp({ kind: 'end' });
        else {
          yield* this.readForward(r, start);
          yield* this.pushOp();
        }
      }
    } catch (e) {
      // open() recorded the error in the snapshot already when it could
      if (this.error === null) {
        this.error = (e as Error).message;
        yield* this.pushOp();
      }
    }
  }

  /**
   * A panel restored after a window reload: open the saved position now if the broker runs, else remember it and
   * open it when the broker has started (brokerChanged). A panel that worked on a remote cluster (`remote`: its
   * label) reads nothing: it says where it was until setSource names a place again (that cluster: the saved
   * position opens there).
   */
  restore(
    topic: string,
    partition: number | null,
    seek: Seek,
    filter: RecordFilter,
    tail: boolean,
    remote?: string,
  ): void {
    const b = this.opts.getBroker();
    if (remote === undefined && b && !b.isClosed) {
      void this.open(topic, partition, seek, filter, tail);
      return;
    }
    this.restoredRemote = remote;
    this.topic = topic;
    this.partition = partition;
    this.filter = filter;
    this.tail = tail;
    this.pending = seek;
    void this.pushSnapshot();
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
    this.stopPolling();
    this.clearPage();
    this.start = new Map();
    this.next = new Map();
    this.note = null;
    this.error = `Topic "${name}" was deleted, and its records with it. Pick another topic.`;
    void this.pushSnapshot();
  }

  dispose(): void {
    this.disposed = true;
    this.brokerWatch.dispose();
    if (this.tailTimer) clearTimeout(this.tailTimer);
    if (this.markerTimer) clearTimeout(this.markerTimer);
    this.stopPolling();
  }

  /** Run a pending live-tail refresh now (tests; the timers do it otherwise). */
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
    if (marker && !this.tail) await this.run(() => this.rereadAndPush());
    await this.run(() => this.tailOp());
  }

  private *rereadAndPush(): Op<void> {
    yield* this.reread();
    yield* this.pushOp();
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  private subscribe(b: Broker): (() => void)[] {
    const here = () => this.source.kind === 'embedded' && this.restoredRemote === undefined;
    return [
      b.on('append', (e) => {
        if (!here() || !this.tail || e.topic !== this.topic) return;
        if (this.partition !== null && e.partition !== this.partition) return;
        if (this.tailTimer) return;
        this.tailTimer = setTimeout(() => {
          this.tailTimer = undefined;
          this.requests.run(async () => void this.run(() => this.tailOp())).catch(() => undefined);
        }, this.opts.tailDelayMs ?? 100);
      }),
      // A transaction ended on a partition shown: its records' captions change (open -> aborted / committed), and in
      // read_committed the last stable offset moved. Re-read, debounced like the live tail.
      b.on('txnMarker', (e) => {
        if (!here() || e.topic !== this.topic || (this.partition !== null && e.partition !== this.partition)) return;
        if (this.tailTimer || this.markerTimer) return;
        this.markerTimer = setTimeout(() => {
          this.markerTimer = undefined;
          this.requests
            .run(async () => void this.run(() => (this.tail ? this.tailOp() : this.rereadAndPush())))
            .catch(() => undefined);
        }, this.opts.tailDelayMs ?? 100);
      }),
      b.on('topicCreated', () => {
        if (here()) void this.pushSnapshot();
      }),
      b.on('topicDeleted', (e) => {
        if (!here()) return;
        if (e.topic === this.topic) this.topicGone(e.topic);
        else void this.pushSnapshot();
      }),
      // The periodic cleaner (or the command) compacted the open topic: show the page as it is now.
      b.on('logCompacted', (e) => {
        if (!here() || e.topic !== this.topic || this.tail || this.compacting) return;
        this.requests.run(async () => void this.run(() => this.rereadAndPush())).catch(() => undefined);
      }),
    ];
  }

  /** One handler per request of BrowserProtocol (src/shared/browser-messages.ts). */
  private readonly handlers: RequestHandlers<BrowserProtocol> = {
    ready: () => this.act(this.pushOp()),
    open: (req) => this.act(this.openOp(req.topic, req.partition, req.seek, req.filter, req.tail)),
    page: (req) => this.act(this.pageOp(req.direction)),
    setTail: (req) => {
      this.tail = req.tail;
      if (!req.tail) this.stopPolling();
      if (req.tail && this.topic !== '') return this.act(this.seekOp({ kind: 'end' }));
      return this.act(this.pushOp());
    },
    compact: async () => {
      if (this.source.kind === 'remote')
        throw new PanelError(
          `Compact now works on this window's Kafka Lite broker only: the Kafka protocol has no request to compact a topic on ${this.source.name}.`,
        );
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
      await this.act(this.reread());
      const removedAny = stats.some((s) => s.recordsAfter < s.recordsBefore);
      this.note = `${formatCompaction(this.topic, stats)}${
        removedAny
          ? '. Offsets did not change, so the gaps between them show where those records were.'
          : " (each key's latest record is all there is)."
      }`;
      await this.act(this.pushOp());
    },
    copyRecord: async (req) => {
      const r = await this.act(this.readOne(req.partition, req.offset));
      await this.opts.copyToClipboard?.(recordAsJson(r));
    },
    copyKcat: async (req) => {
      const r = await this.act(this.readOne(req.partition, req.offset));
      const bootstrap =
        this.source.kind === 'remote' ? this.source.cluster.options.brokers.join(',') : this.opts.bootstrap?.();
      if (!bootstrap) throw new PanelError('The Kafka Lite broker is not running.');
      await this.opts.copyToClipboard?.(
        kcatCommand(bootstrap, r, this.source.kind === 'remote' ? (this.source.kcatProperties ?? []) : []),
      );
    },
    exportRecords: (req) => this.exportRecords(req.format, req.scope, req.selection),
    setIsolation: (req) => this.act(this.setIsolation(req.isolation)),
    produceCopy: async (req) => {
      const r = await this.act(this.readOne(req.partition, req.offset));
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
    const reader = this.reader();
    if (this.topic === '') throw new PanelError('Open a topic first.');
    if (!this.opts.saveExport) throw new PanelError('Exporting is not available here.');
    const topic = this.topic;
    const refs = scope === 'selection' ? selection : scope === 'page' ? this.rows : [];
    if (scope === 'selection' && refs.length === 0) throw new PanelError('Tick the records to export first.');
    if (scope === 'page' && refs.length === 0) throw new PanelError('There are no records on this page to export.');
    const ends = new Map<number, { from: number; to: number }>();
    if (scope === 'all') {
      const parts = await this.act(this.scope(reader));
      const ranges = await this.act(wait(reader.ranges(topic, parts)));
      for (const p of parts) {
        const i = ranges.get(p)!;
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
            await sink.write(encoder.record(await drive(this.readOne(ref.partition, ref.offset))));
          }
          sink.progress?.(encoder.records);
        } else {
          for (const [p, { from, to }] of ends) {
            let pos = from;
            while (pos < to) {
              if (sink.cancelled) return;
              let got: ConsumedRecord[];
              try {
                const r = this.source.kind === 'embedded' ? this.readerNow() : reader;
                if (!r || !(await r.describeTopic(topic))) throw new Error('gone');
                got = await r.read(topic, p, pos, Math.min(EXPORT_READ_RECORDS, to - pos), 0, EXPORT_READ_BYTES);
              } catch (e) {
                const why = (e as Error).message === 'gone' ? '' : ` (${describeError(e)})`;
                throw new PanelError(`The export stopped: topic "${topic}" is no longer readable${why}.`);
              }
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
    await this.act(this.pushOp());
  }

  /**
   * Open a topic (partition null = all partitions) at a position, with a filter. Public for the panel glue: on this
   * window's broker it is done when the call returns; on a remote cluster it runs after the requests before it.
   * An error (no such topic, an invalid regex) is in the snapshot.
   */
  open(topic: string, partition: number | null, seek: Seek, filter: RecordFilter, tail: boolean): Maybe<void> {
    return this.run(() => this.openOp(topic, partition, seek, filter, tail));
  }

  private *openOp(topic: string, partition: number | null, seek: Seek, filter: RecordFilter, tail: boolean): Op<void> {
    const r = this.reader();
    this.topic = topic;
    this.partition = partition;
    this.filter = filter;
    this.tail = tail;
    this.pending = null;
    this.rows = [];
    this.error = null;
    this.note = null;
    let t: TopicFacts | undefined;
    try {
      t = yield* wait(r.describeTopic(topic));
    } catch (e) {
      this.error = `${sourceLabel(this.source)}: ${describeError(e)}`;
      yield* this.pushOp();
      throw new PanelError(this.error);
    }
    if (!t) {
      this.error = `There is no topic "${topic}".`;
      yield* this.pushOp();
      throw new PanelError(this.error);
    }
    if (partition !== null && partition >= t.partitions) {
      this.error = `Topic "${topic}" has partitions 0..${t.partitions - 1}; there is no partition ${partition}.`;
      yield* this.pushOp();
      throw new PanelError(this.error);
    }
    try {
      this.matcher = compileFilter(filter);
    } catch (e) {
      this.matcher = null;
      this.error = (e as Error).message;
      this.start = new Map();
      this.next = new Map();
      yield* this.pushOp();
      throw new PanelError(this.error);
    }
    yield* this.seekOp(tail ? { kind: 'end' } : seek);
  }

  private *scope(r: BrowserReader): Op<number[]> {
    const t = yield* wait(r.describeTopic(this.topic));
    if (!t) throw new PanelError(`There is no topic "${this.topic}" (was it deleted?).`);
    if (this.partition !== null) return [this.partition];
    return Array.from({ length: t.partitions }, (_, i) => i);
  }

  private *seekOp(seek: Seek): Op<void> {
    const r = this.reader();
    const parts = yield* this.scope(r);
    this.history = [];
    try {
      if (seek.kind === 'end') {
        const ranges = yield* wait(r.ranges(this.topic, parts));
        const end: Cursors = new Map(parts.map((p) => [p, this.endIn(ranges, p)]));
        yield* this.readBackward(r, end);
      } else {
        const ranges = yield* wait(r.ranges(this.topic, parts));
        const found =
          seek.kind === 'timestamp'
            ? yield* wait(all(parts.map((p) => r.offsetForTime(this.topic, p, seek.timestamp))))
            : [];
        const start: Cursors = new Map();
        parts.forEach((p, i) => {
          const info = ranges.get(p)!;
          let o: number;
          if (seek.kind === 'beginning') o = info.logStartOffset;
          else if (seek.kind === 'offset') o = seek.offset;
          else o = found[i] < 0 ? info.logEndOffset : found[i];
          start.set(p, Math.min(Math.max(o, info.logStartOffset), this.endIn(ranges, p)));
        });
        yield* this.readForward(r, start);
      }
    } catch (e) {
      if (e instanceof PanelError || !r.remote) throw e;
      this.error = `${sourceLabel(this.source)}: ${describeError(e)}`;
      yield* this.pushOp();
      throw new PanelError(this.error);
    }
    yield* this.pushOp();
  }

  private *pageOp(direction: 'next' | 'prev'): Op<void> {
    const r = this.reader();
    if (this.topic === '') throw new PanelError('Open a topic first.');
    const ranges = yield* wait(r.ranges(this.topic, [...new Set([...this.start.keys(), ...this.next.keys()])]));
    if (direction === 'next') {
      if (!this.hasNext(ranges)) throw new PanelError('This is the last page: there are no newer records yet.');
      this.history.push(this.start);
      yield* this.readForward(r, this.next);
    } else {
      const prev = this.history.pop();
      if (prev) yield* this.readForward(r, prev);
      else {
        if (!this.hasPrev(ranges)) throw new PanelError('This is the first page.');
        yield* this.readBackward(r, this.start);
      }
    }
    yield* this.pushOp();
  }

  /** Fill the page from `start`, merging partitions by (timestamp, partition, offset). */
  private *readForward(r: BrowserReader, start: Cursors): Op<void> {
    const ranges = yield* wait(r.ranges(this.topic, [...start.keys()]));
    const heads = new Map<number, { buf: ConsumedRecord[]; i: number; pos: number; end: number }>();
    for (const [p, o] of start) {
      heads.set(p, { buf: [], i: 0, pos: o, end: this.endIn(ranges, p) });
    }
    yield* this.loadOpenTxns(r, [...start.keys()]);
    const rows: RecordRow[] = [];
    let scanned = 0;
    const limit = this.matcher ? (r.remote ? REMOTE_SCAN_LIMIT : SCAN_LIMIT) : Number.MAX_SAFE_INTEGER;
    while (rows.length < BROWSER_PAGE_SIZE && scanned < limit) {
      // every partition whose buffer ran out reads its next chunk (a remote cluster answers them in parallel)
      const empty = [...heads].filter(([, h]) => h.i >= h.buf.length && h.pos < h.end);
      if (empty.length > 0) {
        const got = yield* wait(all(empty.map(([p, h]) => this.read(r, p, h.pos, this.matcher ? CHUNK * 5 : CHUNK))));
        empty.forEach(([, h], k) => {
          h.buf = got[k].filter((x) => x.offset >= h.pos);
          h.i = 0;
          if (h.buf.length === 0) h.pos = h.end;
        });
      }
      let best: ConsumedRecord | undefined;
      let bestP = -1;
      for (const [p, h] of heads) {
        if (h.i >= h.buf.length) continue;
        const x = h.buf[h.i];
        if (!best || x.timestamp < best.timestamp || (x.timestamp === best.timestamp && p < bestP)) {
          best = x;
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
    this.note = this.describe(ranges, scanned >= limit && rows.length < BROWSER_PAGE_SIZE);
  }

  /** Every record of a partition in [from, to) (reads of at most 1000). */
  private *readRange(r: BrowserReader, p: number, from: number, to: number): Op<ConsumedRecord[]> {
    const out: ConsumedRecord[] = [];
    let pos = from;
    while (pos < to) {
      const got = yield* wait(this.read(r, p, pos, Math.min(to - pos, 1000)));
      if (got.length === 0) break;
      for (const x of got) if (x.offset < to && x.offset >= pos) out.push(x);
      pos = got[got.length - 1].offset + 1;
    }
    return out;
  }

  /** Fill the page with the last (up to 100) matching records before `end`. */
  private *readBackward(r: BrowserReader, end: Cursors): Op<void> {
    const infos = yield* wait(r.ranges(this.topic, [...end.keys()]));
    yield* this.loadOpenTxns(r, [...end.keys()]);
    const limit = r.remote ? REMOTE_SCAN_LIMIT : SCAN_LIMIT;
    let window = BROWSER_PAGE_SIZE;
    for (;;) {
      let atStart = true;
      const reads: Maybe<ConsumedRecord[]>[] = [];
      for (const [p, e] of end) {
        const from = Math.max(infos.get(p)!.logStartOffset, e - window);
        if (from > infos.get(p)!.logStartOffset) atStart = false;
        reads.push(drive(this.readRange(r, p, from, e)));
      }
      const all_ = (yield* wait(all(reads))).flat();
      all_.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
      const matches = this.matcher ? all_.filter((x) => this.accepts(x)) : all_;
      const scanLimitHit = all_.length >= limit;
      if (matches.length >= BROWSER_PAGE_SIZE || atStart || scanLimitHit) {
        const page = matches.slice(-BROWSER_PAGE_SIZE);
        const start: Cursors = new Map();
        for (const [p, e] of end) {
          const first = page.find((x) => x.partition === p);
          start.set(p, first ? first.offset : e);
        }
        // Partitions with no record on this page start where the page ends for them.
        this.start = start;
        this.next = new Map(end);
        this.rows = page.map((x) => this.row(x));
        this.scanned = all_.length;
        this.note = this.describe(infos, scanLimitHit && page.length < BROWSER_PAGE_SIZE);
        return;
      }
      window *= 4;
    }
  }

  private describe(ranges: Map<number, PartitionRange>, limitHit: boolean): string | null {
    if (this.rows.length > 0) {
      return this.matcher ? `${this.rows.length} matching record(s) among ${this.scanned} read.` : null;
    }
    if (limitHit) return `No match among the ${this.scanned} records read; press Next to keep searching.`;
    const info = (p: number) => ranges.get(p)!;
    const empty = [...this.start.keys()].every((p) => info(p).logEndOffset === info(p).logStartOffset);
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
        const i = info(p);
        return i.logEndOffset > i.logStartOffset
          ? `partition ${p} holds offsets ${i.logStartOffset}–${i.logEndOffset - 1} (its next record gets ${i.logEndOffset})`
          : `partition ${p} is empty (its next record gets ${i.logEndOffset})`;
      })
      .join('; ');
    return `${this.matcher ? 'No record matches the filter here' : 'No records at this position'}: ${where}.`;
  }

  private hasNext(ranges: Map<number, PartitionRange>): boolean {
    for (const [p, o] of this.next) if (ranges.has(p) && o < this.endIn(ranges, p)) return true;
    return false;
  }

  private hasPrev(ranges: Map<number, PartitionRange>): boolean {
    if (this.history.length > 0) return true;
    for (const [p, o] of this.start) if (ranges.has(p) && o > ranges.get(p)!.logStartOffset) return true;
    return false;
  }

  // ------------------------------------------------------------------ live tail

  private stopPolling(): void {
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** On a remote cluster the live tail asks for news about once a second while the panel is visible. */
  private schedulePoll(): void {
    if (this.pollTimer || this.disposed || !this.visible || !this.tail || this.topic === '') return;
    if (this.source.kind !== 'remote' || this.restoredRemote !== undefined) return;
    const gen = this.generation;
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      if (gen !== this.generation) return;
      void Promise.resolve(this.run(() => this.tailOp())).finally(() => this.schedulePoll());
    }, this.opts.remotePollMs ?? REMOTE_TAIL_POLL_MS);
  }

  /** Live tail: append what arrived after the page's end (only while the page reaches the log end). */
  private *tailOp(): Op<void> {
    const r = this.readerNow();
    if (!r || !this.tail || this.topic === '') return;
    const topic = this.topic;
    let added: ConsumedRecord[];
    try {
      if (!(yield* wait(r.describeTopic(topic)))) {
        if (r.remote) this.topicGone(topic);
        return;
      }
      const parts = [...this.next.keys()];
      // This window's broker says where its logs end; a remote cluster's Fetch waits a little for news instead.
      const ranges = r.remote ? undefined : yield* wait(r.ranges(topic, parts));
      yield* this.loadOpenTxns(r, parts);
      const got = yield* wait(
        all(
          [...this.next].map(([p, o]) =>
            drive(this.tailPartition(r, p, o, ranges ? this.endIn(ranges, p) : Number.MAX_SAFE_INTEGER)),
          ),
        ),
      );
      added = got.flat();
      if (r.remote && this.error !== null && this.error.startsWith(`${sourceLabel(this.source)}:`)) {
        this.error = null; // the cluster answers again
        if (added.length === 0) yield* this.pushOp();
      }
    } catch (e) {
      if (!r.remote) throw e;
      this.error = `${sourceLabel(this.source)}: ${describeError(e)}`;
      yield* this.pushOp();
      return;
    }
    if (added.length === 0) return;
    added.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
    // a new array: a snapshot posted before (still being sent, or kept by a test) keeps the rows it had
    const rows = [...this.rows];
    for (const x of added) if (this.accepts(x)) rows.push(this.row(x));
    this.rows = rows.length > MAX_TAIL_ROWS ? rows.slice(rows.length - MAX_TAIL_ROWS) : rows;
    this.note = `Live tail: showing the newest ${this.rows.length} record(s).`;
    yield* this.pushOp();
  }

  private *tailPartition(r: BrowserReader, p: number, from: number, end: number): Op<ConsumedRecord[]> {
    const out: ConsumedRecord[] = [];
    let pos = from;
    let waitMs = r.remote ? REMOTE_TAIL_WAIT_MS : 0;
    while (pos < end && out.length < MAX_TAIL_ROWS * 4) {
      const got = yield* wait(this.read(r, p, pos, 500, waitMs));
      waitMs = 0;
      const fresh = got.filter((x) => x.offset >= pos);
      if (fresh.length === 0) break;
      out.push(...fresh);
      pos = fresh[fresh.length - 1].offset + 1;
    }
    this.next.set(p, pos);
    return out;
  }

  /** Read the current page again from its start (after the log changed under it). */
  private *reread(): Op<void> {
    const r = this.readerNow();
    if (!r || this.topic === '' || !(yield* wait(r.describeTopic(this.topic)))) return;
    yield* this.readForward(r, this.start);
  }

  private *readOne(partition: number, offset: number): Op<ConsumedRecord> {
    const r = this.reader();
    if (this.topic === '') throw new PanelError('Open a topic first.');
    const [x] = yield* wait(r.read(this.topic, partition, offset, 1, 0, READ_BYTES));
    if (!x || x.offset !== offset)
      throw new PanelError(`Record ${this.topic}/${partition}@${offset} is no longer in the log.`);
    return x;
  }

  private *snapshotOp(): Op<BrowserSnapshot> {
    const r = this.readerNow();
    const remote = this.source.kind === 'remote' || this.restoredRemote !== undefined;
    const snap: BrowserSnapshot = {
      brokerRunning: !!r || this.restoredRemote !== undefined,
      where: this.restoredRemote ?? sourceLabel(this.source),
      remote,
      topics: [],
      topic: this.topic,
      partition: this.partition,
      filter: this.filter,
      tail: this.tail,
      compacted: false,
      rows: this.rows,
      hasPrev: false,
      hasNext: false,
      ranges: [],
      scanned: this.scanned,
      note: this.note,
      error: this.restoredRemote !== undefined ? restoredRemoteText(this.restoredRemote) : this.error,
      isolation: this.isolation,
      stableNote: null,
    };
    if (!r) return snap;
    try {
      snap.topics = yield* wait(r.listTopics());
      const t = this.topic === '' ? undefined : yield* wait(r.describeTopic(this.topic));
      if (t) {
        snap.compacted = t.compacted;
        const parts = [...this.start.keys()];
        const ranges = yield* wait(r.ranges(this.topic, [...new Set([...parts, ...this.next.keys()])]));
        snap.ranges = parts.map((p) => {
          const i = ranges.get(p)!;
          return { partition: p, logStartOffset: i.logStartOffset, logEndOffset: i.logEndOffset };
        });
        snap.hasPrev = this.hasPrev(ranges);
        snap.hasNext = this.hasNext(ranges);
        snap.stableNote = yield* this.stableNote(r, ranges);
      }
    } catch (e) {
      if (!r.remote) throw e;
      snap.error = `${sourceLabel(this.source)}: ${describeError(e)}`;
    }
    return snap;
  }

  /** The snapshot as it is now (on a remote cluster: a promise, its ranges are asked of the cluster). */
  snapshot(): Maybe<BrowserSnapshot> {
    return drive(this.snapshotOp());
  }

  // ------------------------------------------------------------------ transactions and schemas

  private get level(): 0 | 1 {
    return this.isolation === 'read_committed' ? 1 : 0;
  }

  /** Records of the open topic from `pos`, as a consumer of the chosen isolation level reads them. */
  private read(
    r: BrowserReader,
    partition: number,
    pos: number,
    max: number,
    waitMs?: number,
  ): Maybe<ConsumedRecord[]> {
    return r.read(this.topic, partition, pos, max, this.level, READ_BYTES, waitMs);
  }

  /** Where reading a partition ends: its log end, or in read_committed its last stable offset. */
  private endIn(ranges: Map<number, PartitionRange>, partition: number): number {
    const i = ranges.get(partition)!;
    return this.level === 1 ? i.lastStableOffset : i.logEndOffset;
  }

  private *setIsolation(isolation: IsolationLevel): Op<void> {
    if (isolation === this.isolation) return yield* this.pushOp();
    this.isolation = isolation;
    const r = this.readerNow();
    if (!r || this.topic === '' || !(yield* wait(r.describeTopic(this.topic)))) return yield* this.pushOp();
    this.history = [];
    if (this.tail || this.start.size === 0)
      return yield* this.seekOp(this.tail ? { kind: 'end' } : { kind: 'beginning' });
    const ranges = yield* wait(r.ranges(this.topic, [...this.start.keys()]));
    const start: Cursors = new Map();
    for (const [p, o] of this.start) start.set(p, Math.min(o, this.endIn(ranges, p)));
    yield* this.readForward(r, start);
    yield* this.pushOp();
  }

  private *loadOpenTxns(r: BrowserReader, partitions: number[]): Op<void> {
    this.openTxns = new Map();
    if (r.remote) return; // the wire does not tell other producers' open transactions
    for (const p of partitions) {
      const open = (yield* wait(r.openTransactions(this.topic, p))) ?? [];
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

  /**
   * Key and value decoded with a schema (the last record's are kept: the filter and the row both ask). On a remote
   * cluster the registry is still this window's, and the caption says so.
   */
  private decoded(r: ConsumedRecord): { key: Decoded; value: Decoded } {
    if (this.memo?.r === r) return this.memo;
    const decoder = this.opts.getSchemaDecoder?.();
    const registryNote = this.source.kind === 'remote' ? " · schema from this window's Schema Registry" : '';
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
      return { value: d.value, caption: describeDecoded(d) + registryNote + invalid };
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
  private *stableNote(r: BrowserReader, ranges: Map<number, PartitionRange>): Op<string | null> {
    const parts: string[] = [];
    const keys = [...this.start.keys()].sort((a, b) => a - b);
    for (const p of keys) {
      const i = ranges.get(p)!;
      const lso = i.lastStableOffset;
      if (lso >= i.logEndOffset) continue;
      const cacheKey = JSON.stringify([sourceLabel(this.source), this.topic, p, lso, i.logEndOffset, this.isolation]);
      let text = this.stableNotes.get(cacheKey);
      if (text === undefined) {
        text = yield* this.describeAfterLso(r, p, lso, i.logEndOffset);
        if (this.stableNotes.size > 100) this.stableNotes.clear();
        this.stableNotes.set(cacheKey, text);
      }
      parts.push(keys.length > 1 || this.partition === null ? `partition ${p}: ${text}` : text);
    }
    return parts.length ? parts.join(' · ') : null;
  }

  private *describeAfterLso(r: BrowserReader, p: number, lso: number, end: number): Op<string> {
    const txns = yield* wait(r.openTransactions(this.topic, p));
    const open = txns && new Map(txns.map((t) => [t.producerId, t.firstOffset]));
    let inOpen = 0;
    let other = 0;
    let pos = lso;
    while (pos < end && inOpen + other < MAX_COUNT_AFTER_LSO) {
      const got = yield* wait(r.read(this.topic, p, pos, 1000, 0, READ_BYTES));
      const fresh = got.filter((x) => x.offset >= pos && x.offset < end);
      if (fresh.length === 0) break;
      for (const x of fresh) {
        if (!open) {
          if (x.control === undefined) inOpen++;
          continue;
        }
        const first = open.get(x.producerId);
        if (x.control === undefined && x.isTransactional && first !== undefined && x.offset >= first) inOpen++;
        else other++;
      }
      pos = fresh[fresh.length - 1].offset + 1;
    }
    const atLeast = pos < end ? 'at least ' : '';
    const count = (n: number, what: string) => `${atLeast}${n} ${what}${n === 1 ? '' : 's'}`;
    const are = inOpen === 1 && !atLeast ? 'is' : 'are';
    if (!open) {
      // A remote cluster tells where its last stable offset is, not whose transaction holds it there.
      if (this.level === 1)
        return `showing up to the last stable offset ${lso}; ${count(inOpen, 'record')} after it ${are} held back by an open transaction (whose: unknown on a remote cluster)`;
      return `${count(inOpen, 'record')} from offset ${lso} on ${are} after the last stable offset, held back by an open transaction (whose: unknown on a remote cluster); read_committed stops at ${lso}`;
    }
    const others = other > 0 ? ` (and ${count(other, 'other record')} behind it)` : '';
    if (this.level === 1)
      return `showing up to the last stable offset ${lso}; ${count(inOpen, 'record')} of an open transaction ${are} after it${others}`;
    return `${count(inOpen, 'record')} from offset ${lso} on ${are} in an open transaction${others}; read_committed stops at the last stable offset ${lso}`;
  }

  private *pushOp(): Op<void> {
    const snap = yield* this.snapshotOp();
    this.opts.post({ type: 'snapshot', state: snap });
    this.schedulePoll();
  }

  /** Post the snapshot (on a remote cluster once its ranges are in; errors are logged). */
  pushSnapshot(): Maybe<void> {
    const got = drive(this.pushOp());
    if (got instanceof Promise) return got.catch((e) => this.log('warn', `record browser: ${describeError(e)}`));
    return got;
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
