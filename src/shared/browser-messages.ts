/**
 * The record browser panel's message protocol, declared once (BrowserProtocol: each request's payload and result,
 * and the host's pushes) as the source of both sides' types: the host (src/extension/panels/browser-controller.ts,
 * whose handlers and the validator below are typed from it) and the webview (src/webview/browser-panel.ts, whose
 * requests are). Requests carry an `id`, replies echo it; the host pushes the whole visible page as a `snapshot`
 * (also in live-tail mode, where new records extend the page). The typing machinery is src/shared/ipc.ts.
 */
import type { HostMessage, NoPayload, Req, RequestMessage } from './ipc';
import { requestValidator } from './ipc';
import { bool, fail, int, intOrNull, obj, oneOf, str, topicName } from './validate';

export const BROWSER_VIEW_TYPE = 'kafkaLite.recordBrowser';
/** Records per page of the record browser (also the host's read chunk). */
export const BROWSER_PAGE_SIZE = 100;

export type Seek =
  | { kind: 'beginning' }
  | { kind: 'end' }
  | { kind: 'offset'; offset: number }
  | { kind: 'timestamp'; timestamp: number };

export type FilterField = 'any' | 'key' | 'value' | 'header';

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
}

export interface BrowserSnapshot {
  brokerRunning: boolean;
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
});

export interface BrowserSavedState {
  topic: string;
  partition: number | null;
  seek: Seek;
  filter: RecordFilter;
  tail: boolean;
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
    };
  } catch {
    return null;
  }
}
