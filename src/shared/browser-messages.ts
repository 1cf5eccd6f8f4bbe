/**
 * The record browser panel's message protocol, declared once (BrowserProtocol: each request's payload and result,
 * and the host's pushes) as the source of both sides' types: the host (src/extension/panels/browser-controller.ts,
 * whose handlers and the validator below are typed from it) and the webview (src/webview/browser-panel.ts, whose
 * requests are). Requests carry an `id`, replies echo it; the host pushes the whole visible page as a `snapshot`
 * (also in live-tail mode, where new records extend the page). The typing machinery is src/shared/ipc.ts.
 */
import type { HostMessage, NoPayload, Req, RequestMessage } from './ipc';
import { requestValidator } from './ipc';
import { arr, bool, fail, int, intOrNull, obj, oneOf, str, topicName } from './validate';

export const BROWSER_VIEW_TYPE = 'kafkaLite.recordBrowser';
/** Records per page of the record browser (also the host's read chunk). */
export const BROWSER_PAGE_SIZE = 100;

export type Seek =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number };

export type FilterField = 'any' | 'key' | 'value' | 'header';

/**
 * How the browser reads transactional data, as a consumer's isolation.level: read_uncommitted shows everything
 * (markers as rows, aborted records greyed); read_committed stops at each partition's last stable offset and hides
 * aborted records and markers, as a read_committed consumer sees the log.
 */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';
export const ISOLATION_LEVELS: readonly IsolationLevel[] = ['read_uncommitted', 'read_committed'];

/** File formats of an export: JSON Lines, one JSON array, CSV. */
export type ExportFormatId = 'jsonl' | 'json' | 'csv';
/**
 * What an export writes: the rows the person ticked, the page shown, or every record of the open topic (or
 * partition) from its log start to its end that the filter matches.
 */
export type ExportScope = 'selection' | 'page' | 'all';
/** Most rows one selection can name (a page holds 100, a live tail 500). */
export const MAX_SELECTION = 1000;

export interface RecordRef {
  partition: number;
  offset: number;
}

export interface RecordFilter {
  text: string;
  regex: boolean;
  field: FilterField;
}

/** What the record browser's webview asks of the host; no request has a result beyond ok / error. */
export type BrowserProtocol = {
  requests: {
    /** The webview is ready: push a snapshot. */
    ready: Req<NoPayload>;
    /** Open a topic (partition null = all partitions) at a position, with a filter, optionally live-tailing. */
    open: Req<{ topic: string; partition: number | null; seek: Seek; filter: RecordFilter; tail: boolean }>;
    page: Req<{ direction: 'next' | 'prev' }>;
    setTail: Req<{ tail: boolean }>;
    copyRecord: Req<{ partition: number; offset: number }>;
    /** Open the producer panel prefilled with this record of the open topic. */
    produceCopy: Req<{ partition: number; offset: number }>;
    /** Compact the open topic now (its cleanup.policy lists compact). */
    compact: Req<NoPayload>;
    /** Save records of the open topic to a file the person picks (selection: the ticked rows, for scope selection). */
    exportRecords: Req<{ format: ExportFormatId; scope: ExportScope; selection: RecordRef[] }>;
    /** Copy the kcat command that prints this record of the open topic. */
    copyKcat: Req<{ partition: number; offset: number }>;
    /** Read as a read_committed or read_uncommitted consumer would; the page is read again from its start. */
    setIsolation: Req<{ isolation: IsolationLevel }>;
  };
  pushes: {
    /** The whole visible page. */
    snapshot: { state: BrowserSnapshot };
  };
};

export type BrowserRequest = RequestMessage<BrowserProtocol>;

export interface RecordRow {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 0 | 1;
  /** Rendered for display: text, pretty-printed JSON, or hex for binary. */
  key: string | null;
  keyKind: 'text' | 'json' | 'binary' | 'null';
  value: string | null;
  valueKind: 'text' | 'json' | 'binary' | 'null';
  /** Key/value in Confluent's wire format: "Avro · orders-value v3 (id 7)", or "Not decoded: <why>" (shown as hex). */
  keySchema?: string;
  valueSchema?: string;
  headers: { key: string; value: string | null }[];
  compression: number;
  /** A transaction marker (a control batch) instead of data: its key and value are the marker's own bytes. */
  marker?: { type: 'COMMIT' | 'ABORT' | 'UNKNOWN'; producerId: number; producerEpoch: number };
  /**
   * Data of a transaction that did not commit: 'aborted' ("aborted by producer 7, epoch 0", shown greyed) or
   * 'open' (its transaction has not ended yet: "in an open transaction of producer 7, epoch 0").
   */
  txn?: { state: 'aborted' | 'open'; caption: string };
}

export interface BrowserSnapshot {
  brokerRunning: boolean;
  /** Where the panel works, for its header line: "Kafka Lite (this window)", "team-kafka (production)". */
  where: string;
  /** It works on a remote cluster (over the Kafka protocol): no Compact now, "unknown" for what the wire cannot tell. */
  remote: boolean;
  topics: { name: string; partitions: number }[];
  topic: string;
  partition: number | null;
  filter: RecordFilter;
  tail: boolean;
  /** The open topic's cleanup.policy lists "compact": offsets may have gaps, and the panel offers Compact now. */
  compacted: boolean;
  rows: RecordRow[];
  hasPrev: boolean;
  hasNext: boolean;
  /** Offsets of each partition shown, for the header line. */
  ranges: { partition: number; logStartOffset: number; logEndOffset: number }[];
  /** How many records were read to find these rows (differs from rows.length when filtering). */
  scanned: number;
  /** A plain message when nothing matched or the scan limit stopped the search. */
  note: string | null;
  /** An invalid regex, an unknown topic, ... */
  error: string | null;
  isolation: IsolationLevel;
  /**
   * Where open transactions hold records back, per partition shown: in read_committed "showing up to the last
   * stable offset 12; 3 records of an open transaction are after it". Null when no partition has one.
   */
  stableNote: string | null;
}

export type BrowserHostMessage = HostMessage<BrowserProtocol>;

export function parseSeek(v: unknown): Seek {
  const o = obj(v, 'seek');
  const kind = oneOf(o, 'kind', ['beginning', 'end', 'offset', 'timestamp'] as const);
  switch (kind) {
    case 'beginning':
    case 'end':
      return { kind };
    case 'offset':
      return { kind, offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER) };
    case 'timestamp':
      return { kind, timestamp: int(o, 'timestamp', 0, 8_640_000_000_000_000) };
  }
}

export function parseFilter(v: unknown): RecordFilter {
  const o = obj(v, 'filter');
  return {
    text: str(o, 'text', 1000),
    regex: bool(o, 'regex'),
    field: oneOf(o, 'field', ['any', 'key', 'value', 'header'] as const),
  };
}

/** The fields a person types, by the name used in their error messages (see inUserWords in ipc.ts). */
export const BROWSER_FIELD_LABELS: Readonly<Record<string, string>> = {
  text: 'The filter',
  offset: 'The offset',
  timestamp: 'The timestamp',
  topic: 'The topic',
};

/** The host's check of every message from the browser webview. */
export const validateBrowserRequest = requestValidator<BrowserProtocol>({
  ready: () => ({}),
  open: (o) => ({
    topic: topicName(o, 'topic'),
    partition: intOrNull(o, 'partition', 0, 1_000_000),
    seek: parseSeek(o.seek),
    filter: parseFilter(o.filter),
    tail: bool(o, 'tail'),
  }),
  page: (o) => ({ direction: oneOf(o, 'direction', ['next', 'prev'] as const) }),
  setTail: (o) => ({ tail: bool(o, 'tail') }),
  compact: () => ({}),
  copyRecord: (o) => ({
    partition: int(o, 'partition', 0, 1_000_000),
    offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER),
  }),
  produceCopy: (o) => ({
    partition: int(o, 'partition', 0, 1_000_000),
    offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER),
  }),
  exportRecords: (o) => ({
    format: oneOf(o, 'format', ['jsonl', 'json', 'csv'] as const),
    scope: oneOf(o, 'scope', ['selection', 'page', 'all'] as const),
    selection: arr(o, 'selection', MAX_SELECTION).map((v) => {
      const r = obj(v, 'selection entry');
      return { partition: int(r, 'partition', 0, 1_000_000), offset: int(r, 'offset', 0, Number.MAX_SAFE_INTEGER) };
    }),
  }),
  copyKcat: (o) => ({
    partition: int(o, 'partition', 0, 1_000_000),
    offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER),
  }),
  setIsolation: (o) => ({ isolation: oneOf(o, 'isolation', ISOLATION_LEVELS) }),
});

export interface BrowserSavedState {
  topic: string;
  partition: number | null;
  seek: Seek;
  filter: RecordFilter;
  tail: boolean;
  /** One line per record (the webview's own choice; the host does not read it). */
  compact?: boolean;
  /** The isolation chosen (absent = read_uncommitted); the webview sends it again after a reload. */
  isolation?: IsolationLevel;
  /**
   * The remote cluster the panel worked on (its header label); absent = this window's broker. A panel restored with
   * it reads nothing until it is opened again from that cluster.
   */
  remote?: string;
}

export function parseBrowserSavedState(raw: unknown): BrowserSavedState | null {
  try {
    const o = obj(raw, 'state');
    const topic = str(o, 'topic', 249);
    if (topic === '') fail('no topic');
    return {
      topic,
      partition: intOrNull(o, 'partition', 0, 1_000_000),
      seek: parseSeek(o.seek),
      filter: parseFilter(o.filter),
      tail: bool(o, 'tail'),
      ...(typeof o.remote === 'string' && o.remote !== '' ? { remote: o.remote.slice(0, 300) } : {}),
    };
  } catch {
    return null;
  }
}
