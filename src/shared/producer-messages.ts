/**
 * The producer panel's message protocol, declared once for the host (src/extension/panels/producer-*) and the
 * webview (src/webview/producer-panel.ts). Webview -> host requests carry an `id`; the host answers each with a
 * `reply` carrying the same id, and pushes its whole state as a `snapshot` after every change.
 */
import type { Reply, Validation } from './validate';
import { arr, bool, fail, int, intOrNull, obj, oneOf, requestId, str, topicName, validateByType } from './validate';

export const PRODUCER_VIEW_TYPE = 'kafkaLite.producer';
export const MAX_COPIES = 10_000;
export const MAX_HEADERS = 64;

export interface HeaderRow {
  key: string;
  value: string;
}

/** Everything a person typed into the producer form (also what the webview saves with setState). */
export interface ProducerForm {
  topic: string;
  /** null = automatic (murmur2 of the key, round-robin when keyless). */
  partition: number | null;
  key: string;
  value: string;
  valueFormat: 'text' | 'json';
  headers: HeaderRow[];
  /** null = the broker clock's now. */
  timestamp: number | null;
  copies: number;
  idempotent: boolean;
}

export const emptyProducerForm = (): ProducerForm => ({
  topic: '',
  partition: null,
  key: '',
  value: '',
  valueFormat: 'text',
  headers: [],
  timestamp: null,
  copies: 1,
  idempotent: true,
});

export type ProducerRequest =
  | { type: 'ready'; id: number }
  | { type: 'send'; id: number; form: ProducerForm }
  | { type: 'resendLast'; id: number }
  | { type: 'skipSequence'; id: number; topic: string; partition: number }
  | { type: 'setIdempotent'; id: number; idempotent: boolean }
  | { type: 'createTopic'; id: number; name: string; partitions: number }
  | { type: 'sendFile'; id: number; path: string; topic: string; partition: number | null; idempotent: boolean }
  | { type: 'openBrowser'; id: number; topic: string; partition: number; offset: number };

export interface SentRecordRow {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** True when the broker answered a retry with the original offset (nothing new stored). */
  duplicate: boolean;
}

export type OutcomeKind = 'sent' | 'stored-once' | 'stored-twice' | 'out-of-order' | 'error';

export interface ProducerOutcome {
  kind: OutcomeKind;
  /** A plain-language explanation of what the broker did. */
  caption: string;
  /** Log end offset of the affected partition before and after (for resends). */
  logEndBefore?: number;
  logEndAfter?: number;
  errorCode?: number;
  errorName?: string;
}

export interface SequenceRow {
  topic: string;
  partition: number;
  /** The sequence this producer will put on its next batch to the partition. */
  nextSequence: number;
  /** The sequence the broker expects next (from its producer state), -1 when it knows none. */
  brokerNextSequence: number;
}

export interface ProducerSnapshot {
  brokerRunning: boolean;
  topics: { name: string; partitions: number }[];
  idempotent: boolean;
  producerId: number;
  producerEpoch: number;
  sequences: SequenceRow[];
  results: SentRecordRow[];
  outcome: ProducerOutcome | null;
  lastBatch: { topic: string; partition: number; recordCount: number; baseSequence: number } | null;
  /** A form to load into the inputs (set when the panel was opened prefilled, e.g. "Produce a copy"). */
  prefill: ProducerForm | null;
  /** Increments each time a prefill is set, so the webview applies it once. */
  prefillSeq: number;
}

export type ProducerHostMessage = { type: 'snapshot'; state: ProducerSnapshot } | Reply;

function headerRow(v: unknown, i: number): HeaderRow {
  const o = obj(v, `headers[${i}]`);
  return { key: str(o, 'key', 4096), value: str(o, 'value', 1 << 20) };
}

export function parseProducerForm(v: unknown): ProducerForm {
  const o = obj(v, 'form');
  const form: ProducerForm = {
    topic: str(o, 'topic', 249),
    partition: intOrNull(o, 'partition', 0, 1_000_000),
    key: str(o, 'key', 1 << 20),
    value: str(o, 'value', 8 << 20),
    valueFormat: oneOf(o, 'valueFormat', ['text', 'json'] as const),
    headers: arr(o, 'headers', MAX_HEADERS).map(headerRow),
    timestamp: intOrNull(o, 'timestamp', 0, 8_640_000_000_000_000),
    copies: int(o, 'copies', 1, MAX_COPIES),
    idempotent: bool(o, 'idempotent'),
  };
  return form;
}

export function validateProducerRequest(raw: unknown): Validation<ProducerRequest> {
  return validateByType<ProducerRequest>(raw, {
    ready: (o) => ({ type: 'ready', id: requestId(o) }),
    send: (o) => ({ type: 'send', id: requestId(o), form: parseProducerForm(o.form) }),
    resendLast: (o) => ({ type: 'resendLast', id: requestId(o) }),
    skipSequence: (o) => ({
      type: 'skipSequence',
      id: requestId(o),
      topic: topicName(o, 'topic'),
      partition: int(o, 'partition', 0, 1_000_000),
    }),
    setIdempotent: (o) => ({ type: 'setIdempotent', id: requestId(o), idempotent: bool(o, 'idempotent') }),
    createTopic: (o) => ({
      type: 'createTopic',
      id: requestId(o),
      name: topicName(o, 'name'),
      partitions: int(o, 'partitions', 1, 10_000),
    }),
    sendFile: (o) => {
      const path = str(o, 'path', 4096);
      if (path.trim() === '') fail('field "path" must name a file in the workspace');
      return {
        type: 'sendFile',
        id: requestId(o),
        path,
        topic: topicName(o, 'topic'),
        partition: intOrNull(o, 'partition', 0, 1_000_000),
        idempotent: bool(o, 'idempotent'),
      };
    },
    openBrowser: (o) => ({
      type: 'openBrowser',
      id: requestId(o),
      topic: topicName(o, 'topic'),
      partition: int(o, 'partition', 0, 1_000_000),
      offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER),
    }),
  });
}

/** The state the webview saves with setState and the serializer hands back after a reload. */
export interface ProducerSavedState {
  form: ProducerForm;
}

export function parseProducerSavedState(raw: unknown): ProducerSavedState | null {
  try {
    const o = obj(raw, 'state');
    return { form: parseProducerForm(o.form) };
  } catch {
    return null;
  }
}
