/**
 * The producer panel's message protocol, declared once (ProducerProtocol: each request's payload and result, and
 * the host's pushes) as the source of both sides' types: the host (src/extension/panels/producer-controller.ts,
 * whose handlers and the validator below are typed from it) and the webview (src/webview/producer-panel.ts, whose
 * requests are). Webview -> host requests carry an `id`; the host answers each with a `reply` carrying the same
 * id, and pushes its whole state as a `snapshot` after every change. The typing machinery is src/shared/ipc.ts.
 */
import type { HostMessage, NoPayload, Req, RequestMessage } from './ipc';
import { requestValidator } from './ipc';
import { arr, bool, fail, int, intOrNull, obj, oneOf, str, topicName } from './validate';

/** A field added after the first release: absent in older saved states, so it takes its default then. */
function orDefault<T>(o: Record<string, unknown>, field: string, dflt: T, read: () => T): T {
  return o[field] === undefined ? dflt : read();
}

export const PRODUCER_VIEW_TYPE = 'kafkaLite.producer';
export const MAX_COPIES = 10_000;
export const MAX_HEADERS = 64;

export interface HeaderRow {
  key: string;
  value: string;
}

export const VALUE_FORMATS = ['text', 'json', 'hex', 'base64'] as const;
export type ValueFormat = (typeof VALUE_FORMATS)[number];

/**
 * The bytes a value typed in hex ("00 ff 1a", spaces, colons and a leading 0x allowed) or base64 (standard or URL
 * alphabet, padding optional) stands for; throws an Error saying what is wrong in a person's words.
 */
export function decodeTypedBytes(text: string, format: 'hex' | 'base64'): Uint8Array {
  if (format === 'hex') {
    const digits = text.replace(/^\s*0x/i, '').replace(/[\s:]/g, '');
    const bad = /[^0-9a-fA-F]/.exec(digits);
    if (bad) throw new Error(`"${bad[0]}" is not a hex digit (use 0-9 and a-f, e.g. "00 ff 1a").`);
    if (digits.length % 2 !== 0)
      throw new Error(`it has ${digits.length} hex digits; each byte takes two, so the count must be even.`);
    const out = new Uint8Array(digits.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(i * 2, i * 2 + 2), 16);
    return out;
  }
  const compact = text.replace(/\s/g, '').replace(/-/g, '+').replace(/_/g, '/');
  const bad = /[^A-Za-z0-9+/=]/.exec(compact);
  if (bad) throw new Error(`"${bad[0]}" is not a base64 character.`);
  const body = compact.replace(/=+$/, '');
  if (body.includes('=') || body.length % 4 === 1)
    throw new Error('it is not complete base64 (a character is missing or misplaced).');
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let n = 0;
  for (const ch of body) {
    acc = (acc << 6) | B64.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
      acc &= (1 << bits) - 1; // keep only the bits not written yet
    }
  }
  return out.subarray(0, n);
}
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Everything a person typed into the producer form (also what the webview saves with setState). */
export interface ProducerForm {
  topic: string;
  /** null = automatic (murmur2 of the key, round-robin when keyless). */
  partition: number | null;
  key: string;
  value: string;
  /** How `value` is read: as text (UTF-8), as JSON text (checked), or as bytes written in hex or base64. */
  valueFormat: ValueFormat;
  headers: HeaderRow[];
  /** null = the broker clock's now. */
  timestamp: number | null;
  copies: number;
  idempotent: boolean;
  /*
   * The fields of the transactional and schema modes: optional so a form built elsewhere (the record browser's
   * "Produce a copy") stays a plain one; parseProducerForm and the webview always fill them (emptyProducerForm).
   */
  /** plain (absent): the form as is; transactional: sends inside the open transaction; schema: encoded. */
  mode?: ProducerMode;
  /** Transactional mode: the transactional.id, and its transaction.timeout.ms. */
  transactionalId?: string;
  transactionTimeoutMs?: number;
  /** Schema mode: the subject whose latest schema encodes; '' = by topic (TopicNameStrategy: <topic>-<schemaPart>). */
  subject?: string;
  /** Schema mode: which part of the record is encoded (the other is sent as typed); absent = value. */
  schemaPart?: SchemaPart;
  /** Schema mode, Protobuf: the message to encode; '' = the schema's first message. */
  messageType?: string;
  /** Schema mode: where the schema comes from: a subject's latest version, or a local schema file; absent = subject. */
  schemaSource?: SchemaSourceKind;
  /** Schema mode, local file: its path relative to the workspace folder (.avsc, .proto or .json JSON Schema). */
  schemaFile?: string;
  /** Schema mode, local file: the subject it is registered (or looked up) under; '' = `<topic>-<schemaPart>`. */
  schemaFileSubject?: string;
  /** Schema mode, local file: register the file's schema under that subject when it is not registered yet. */
  registerSchema?: boolean;
}

export const SCHEMA_SOURCES = ['subject', 'file'] as const;
export type SchemaSourceKind = (typeof SCHEMA_SOURCES)[number];

/** Schema mode with a local schema file (rather than a registry subject). */
export function usesSchemaFile(form: Pick<ProducerForm, 'mode' | 'schemaSource'>): boolean {
  return form.mode === 'schema' && form.schemaSource === 'file';
}

/** The subject a local schema file is registered (or looked up) under: the named one, or `<topic>-value|key`. */
export function schemaFileSubject(form: Pick<ProducerForm, 'schemaFileSubject' | 'topic' | 'schemaPart'>): string {
  return form.schemaFileSubject ? form.schemaFileSubject : `${form.topic}-${form.schemaPart ?? 'value'}`;
}

export const PRODUCER_MODES = ['plain', 'transactional', 'schema'] as const;
export type ProducerMode = (typeof PRODUCER_MODES)[number];
export const SCHEMA_PARTS = ['value', 'key'] as const;
export type SchemaPart = (typeof SCHEMA_PARTS)[number];
/** Kafka's transaction.timeout.ms default (60 s) and the broker's transaction.max.timeout.ms (15 min). */
export const DEFAULT_TRANSACTION_TIMEOUT_MS = 60_000;
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;
export const MAX_TRANSACTIONAL_ID_LENGTH = 1000;

/** The subject a form's schema mode encodes with: the named one, or TopicNameStrategy's `<topic>-value|key`. */
export function formSubject(form: Pick<ProducerForm, 'subject' | 'topic' | 'schemaPart'>): string {
  return form.subject ? form.subject : `${form.topic}-${form.schemaPart ?? 'value'}`;
}

export const emptyProducerForm = (): Required<ProducerForm> => ({
  topic: '',
  partition: null,
  key: '',
  value: '',
  valueFormat: 'text',
  headers: [],
  timestamp: null,
  copies: 1,
  idempotent: true,
  mode: 'plain',
  transactionalId: '',
  transactionTimeoutMs: DEFAULT_TRANSACTION_TIMEOUT_MS,
  subject: '',
  schemaPart: 'value',
  messageType: '',
  schemaSource: 'subject',
  schemaFile: '',
  schemaFileSubject: '',
  registerSchema: true,
});

/** What the producer's webview asks of the host; only pickFile has a result beyond ok / error. */
export type ProducerProtocol = {
  requests: {
    /** The webview is ready: push a snapshot. */
    ready: Req<NoPayload>;
    /** Send the form (its copies, headers, timestamp); the form's idempotence choice applies. */
    send: Req<{ form: Required<ProducerForm> }>;
    /** Send the last batch again, byte for byte (a client retry). */
    resendLast: Req<NoPayload>;
    /** The next batch to this partition skips one sequence number. */
    skipSequence: Req<{ topic: string; partition: number }>;
    setIdempotent: Req<{ idempotent: boolean }>;
    createTopic: Req<{ name: string; partitions: number }>;
    /** Send the records of a .json / .jsonl file in the workspace (partition null = by key). */
    sendFile: Req<{ path: string; topic: string; partition: number | null; idempotent: boolean }>;
    /** Open the record browser at a record. */
    openBrowser: Req<{ topic: string; partition: number; offset: number }>;
    /** Ask the host for a records file (an open dialog); path null when the person dismissed it. */
    pickFile: Req<NoPayload, { path: string | null }>;
    /**
     * Transactional mode: begin a transaction of this transactional id (InitProducerId first when the panel has no
     * producer for it yet, or its producer was fenced); `topic` is the topic whose log the panel draws.
     */
    txnBegin: Req<{ transactionalId: string; timeoutMs: number; topic: string }>;
    /** EndTxn(commit) / EndTxn(abort) of the open transaction. */
    txnCommit: Req<NoPayload>;
    txnAbort: Req<NoPayload>;
    /** "Start a second producer with the same id": InitProducerId again, which fences the panel's producer. */
    txnFence: Req<NoPayload>;
    /** Schema mode: would the form's JSON fit its subject's schema? (Encodes without sending.) */
    checkSchema: Req<{ form: Required<ProducerForm> }, SchemaCheck>;
    /** Schema mode: ask the host for a local schema file (an open dialog); path null when dismissed. */
    pickSchemaFile: Req<NoPayload, { path: string | null }>;
  };
  pushes: {
    /** The host's whole state, after every change. */
    snapshot: { state: ProducerSnapshot };
  };
};

export type ProducerRequest = RequestMessage<ProducerProtocol>;

export interface SentRecordRow {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  /** True when the broker answered a retry with the original offset (nothing new stored). */
  duplicate: boolean;
}

export type OutcomeKind =
  'sent' | 'stored-once' | 'stored-twice' | 'out-of-order' | 'error' | 'committed' | 'aborted' | 'fenced';

export interface ProducerOutcome {
  /** Increases with every outcome of this panel, so the webview can tell a new outcome from one it set aside. */
  seq?: number;
  kind: OutcomeKind;
  /** A plain-language explanation of what the broker did. */
  caption: string;
  /** Log end offset of the affected partition before and after (for resends). */
  logEndBefore?: number;
  logEndAfter?: number;
  errorCode?: number;
  errorName?: string;
  /** A send: what each partition got, in partition order (first and last offset, how many records). */
  partitions?: PartitionSummary[];
}

export interface PartitionSummary {
  partition: number;
  first: number;
  last: number;
  count: number;
}

/** "partition 2: offsets 10–14 (5 records)", "partition 0: offset 7 (1 record)". */
export function partitionSummaryLine(s: PartitionSummary): string {
  const where = s.first === s.last ? `offset ${s.first}` : `offsets ${s.first}–${s.last}`;
  return `partition ${s.partition}: ${where} (${s.count} record${s.count === 1 ? '' : 's'})`;
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
  /** Where the panel works, as its header says it (sourceLabel: "Kafka Lite (this window)", "team-kafka (production)"). */
  where: string;
  /** True on a remote cluster (and while a restored panel waits for one). */
  remote: boolean;
  /** The remote cluster's name (saved with the webview state), null on this window's broker. */
  cluster: string | null;
  /** A restored panel that worked on a remote cluster and waits to be opened from it again: what to tell the person. */
  lostSource: string | null;
  /** The remote cluster's topics could not be listed: why (its own error name). */
  topicsProblem: string | null;
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
  /**
   * Unique per prefill (never reused, also not by the controller of a reloaded window), so the webview applies each
   * prefill once: it remembers the last one it applied in its saved state, and a webview re-created when its tab is
   * shown again, or after a reload, keeps what the person typed since.
   */
  prefillId: string | null;
  /** Transactional mode: the panel's transactional producer and the drawing of its topic's log; null before Begin. */
  txn: TxnView | null;
  /** Schema mode: whether the embedded registry runs, where, and its subjects. */
  schemas: SchemaRegistryView;
}

export interface SchemaRegistryView {
  running: boolean;
  url: string | null;
  subjects: string[];
  /**
   * The kafkaLite.schemas.localFiles setting's files by topic and side (the path as written, with "#Message" for a
   * .proto message), so a local schema file can be preselected; absent when the setting maps nothing.
   */
  localFiles?: Record<string, { key?: string; value?: string }>;
}

/** The answer to checkSchema: `problem` null when the value fits (then the encoding is described). */
export interface SchemaCheck {
  subject: string;
  problem: string | null;
  version?: number;
  schemaId?: number;
  format?: 'Avro' | 'Protobuf' | 'JSON Schema';
  messageType?: string;
  /** The first bytes of the encoding, hex ("00 00 00 00 03 …"), and its length. */
  bytesHex?: string;
  size?: number;
  /** Protobuf: the messages the schema defines (for the message picker). */
  messageTypes?: string[];
  /** A local schema file: its path as picked, and what the registry knows of it under the subject. */
  file?: string;
  registry?: LocalSchemaRegistryState;
}

/**
 * Where a local schema file stands in the registry under the form's subject: registered (its version and id),
 * not yet (sending registers it when the box is ticked, refuses otherwise), refused (registering it would fail
 * the subject's compatibility check: the reasons), or the registry is off.
 */
export interface LocalSchemaRegistryState {
  state: 'registered' | 'unregistered' | 'incompatible' | 'off' | 'error';
  text: string;
}

/** One offset of the drawn log (or a gap standing for many). */
export interface TxnLogCell {
  offset: number;
  /**
   * plain: not transactional; committed / aborted: a finished transaction's record; open: a record of the panel's
   * open transaction; open-other: of another producer's open transaction; commit / abort: a transaction marker;
   * gap: offsets offset..gapTo-1 not drawn.
   */
  kind: 'plain' | 'committed' | 'aborted' | 'open' | 'open-other' | 'commit' | 'abort' | 'gap';
  gapTo?: number;
  producerId?: number;
}

export interface TxnPartitionDrawing {
  partition: number;
  logStartOffset: number;
  lastStableOffset: number;
  highWatermark: number;
  cells: TxnLogCell[];
  /** In plain words: what a read_committed consumer reads here, and why it waits. */
  caption: string;
}

export interface TxnEvent {
  /** Broker clock, ms. */
  at: number;
  text: string;
}

export interface TxnView {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** ready: no transaction open; open: Begin pressed, not ended; fenced: a newer producer owns the id. */
  state: 'ready' | 'open' | 'fenced';
  /** The coordinator's state of the id (Empty, Ongoing, PrepareCommit, CompleteCommit, ...), null when unknown. */
  coordinatorState: string | null;
  /** When the coordinator's transaction started (broker clock ms) and when its timeout aborts it; -1 when none. */
  startedAt: number;
  timesOutAt: number;
  /** The partitions added to the open transaction (AddPartitionsToTxn). */
  partitions: { topic: string; partition: number }[];
  /** How many records the open transaction holds. */
  openRecords: number;
  /** The second producer started with "Start a second producer with the same id", if any. */
  second: { producerId: number; producerEpoch: number } | null;
  /** The topic drawn, and one drawing per partition. */
  topic: string | null;
  drawings: TxnPartitionDrawing[];
  /** What happened, newest last (Begin, AddPartitionsToTxn, commit, fencing, the coordinator's timeout abort). */
  events: TxnEvent[];
}

export type ProducerHostMessage = HostMessage<ProducerProtocol>;

function headerRow(v: unknown, i: number): HeaderRow {
  const o = obj(v, `headers[${i}]`);
  return { key: str(o, 'key', 4096), value: str(o, 'value', 1 << 20) };
}

export function parseProducerForm(v: unknown): Required<ProducerForm> {
  const o = obj(v, 'form');
  const form: Required<ProducerForm> = {
    topic: str(o, 'topic', 249),
    partition: intOrNull(o, 'partition', 0, 1_000_000),
    key: str(o, 'key', 1 << 20),
    value: str(o, 'value', 8 << 20),
    valueFormat: oneOf(o, 'valueFormat', VALUE_FORMATS),
    headers: arr(o, 'headers', MAX_HEADERS).map(headerRow),
    timestamp: intOrNull(o, 'timestamp', 0, 8_640_000_000_000_000),
    copies: int(o, 'copies', 1, MAX_COPIES),
    idempotent: bool(o, 'idempotent'),
    mode: orDefault(o, 'mode', 'plain', () => oneOf(o, 'mode', PRODUCER_MODES)),
    transactionalId: orDefault(o, 'transactionalId', '', () => str(o, 'transactionalId', MAX_TRANSACTIONAL_ID_LENGTH)),
    transactionTimeoutMs: orDefault(o, 'transactionTimeoutMs', DEFAULT_TRANSACTION_TIMEOUT_MS, () =>
      int(o, 'transactionTimeoutMs', 1, MAX_TRANSACTION_TIMEOUT_MS),
    ),
    subject: orDefault(o, 'subject', '', () => str(o, 'subject', 1000)),
    schemaPart: orDefault(o, 'schemaPart', 'value', () => oneOf(o, 'schemaPart', SCHEMA_PARTS)),
    messageType: orDefault(o, 'messageType', '', () => str(o, 'messageType', 1000)),
    schemaSource: orDefault(o, 'schemaSource', 'subject', () => oneOf(o, 'schemaSource', SCHEMA_SOURCES)),
    schemaFile: orDefault(o, 'schemaFile', '', () => str(o, 'schemaFile', 4096)),
    schemaFileSubject: orDefault(o, 'schemaFileSubject', '', () => str(o, 'schemaFileSubject', 1000)),
    registerSchema: orDefault(o, 'registerSchema', true, () => bool(o, 'registerSchema')),
  };
  return form;
}

/** The fields a person types, by the name used in their error messages (see inUserWords in ipc.ts). */
export const PRODUCER_FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'The topic name',
  partitions: 'Partitions',
  copies: 'Copies',
  key: 'The key',
  value: 'The value',
  headers: 'Headers',
  timestamp: 'The timestamp',
  path: 'The file path',
  topic: 'The topic',
  transactionalId: 'The transactional id',
  timeoutMs: 'The transaction timeout',
  transactionTimeoutMs: 'The transaction timeout',
  subject: 'The subject',
  messageType: 'The message type',
  schemaFile: 'The schema file',
  schemaFileSubject: 'The subject',
};

/** The host's check of every message from the producer webview. */
export const validateProducerRequest = requestValidator<ProducerProtocol>({
  ready: () => ({}),
  send: (o) => ({ form: parseProducerForm(o.form) }),
  resendLast: () => ({}),
  skipSequence: (o) => ({ topic: topicName(o, 'topic'), partition: int(o, 'partition', 0, 1_000_000) }),
  setIdempotent: (o) => ({ idempotent: bool(o, 'idempotent') }),
  createTopic: (o) => ({ name: topicName(o, 'name'), partitions: int(o, 'partitions', 1, 10_000) }),
  sendFile: (o) => {
    const path = str(o, 'path', 4096);
    if (path.trim() === '') fail('field "path" must name a file in the workspace');
    return {
      path,
      topic: topicName(o, 'topic'),
      partition: intOrNull(o, 'partition', 0, 1_000_000),
      idempotent: bool(o, 'idempotent'),
    };
  },
  openBrowser: (o) => ({
    topic: topicName(o, 'topic'),
    partition: int(o, 'partition', 0, 1_000_000),
    offset: int(o, 'offset', 0, Number.MAX_SAFE_INTEGER),
  }),
  pickFile: () => ({}),
  txnBegin: (o) => {
    const transactionalId = str(o, 'transactionalId', MAX_TRANSACTIONAL_ID_LENGTH);
    if (transactionalId.trim() === '') fail('field "transactionalId" must not be empty');
    return {
      transactionalId,
      timeoutMs: int(o, 'timeoutMs', 1, MAX_TRANSACTION_TIMEOUT_MS),
      topic: topicName(o, 'topic'),
    };
  },
  txnCommit: () => ({}),
  txnAbort: () => ({}),
  txnFence: () => ({}),
  checkSchema: (o) => ({ form: parseProducerForm(o.form) }),
  pickSchemaFile: () => ({}),
});

/** What "Send many from file" reads, as the panel states it next to the file box. */
export const RECORDS_FILE_FORMAT =
  'A .jsonl file (one record per line) or a .json array. Each record is {"key": "…", "value": …, "headers": {"name": "…"}} ' +
  '(key and headers optional; a value that is not a string is sent as its JSON text), or any other JSON value, which becomes the value.';

/** The state the webview saves with setState and the serializer hands back after a reload. */
export interface ProducerSavedState {
  form: ProducerForm;
  /** The prefill (ProducerSnapshot.prefillId) already loaded into the form, if any. */
  appliedPrefill?: string | null;
  /** The transactional producer of the panel, so a reloaded window goes on with it (and its open transaction). */
  txn?: SavedTxnProducer | null;
  /** The remote cluster the panel worked on (ProducerSnapshot.cluster); null or absent: this window's broker. */
  cluster?: string | null;
}

export interface SavedTxnProducer {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  topic: string | null;
}

function parseSavedTxn(v: unknown): SavedTxnProducer | null {
  if (v === undefined || v === null) return null;
  const o = obj(v, 'txn');
  const topic = o.topic === null ? null : topicName(o, 'topic');
  return {
    transactionalId: str(o, 'transactionalId', MAX_TRANSACTIONAL_ID_LENGTH),
    producerId: int(o, 'producerId', 0, Number.MAX_SAFE_INTEGER),
    producerEpoch: int(o, 'producerEpoch', 0, 0x7fff),
    timeoutMs: int(o, 'timeoutMs', 1, MAX_TRANSACTION_TIMEOUT_MS),
    topic,
  };
}

export function parseProducerSavedState(raw: unknown): ProducerSavedState | null {
  try {
    const o = obj(raw, 'state');
    const applied = typeof o.appliedPrefill === 'string' ? o.appliedPrefill : null;
    let txn: SavedTxnProducer | null = null;
    try {
      txn = parseSavedTxn(o.txn);
    } catch {
      txn = null; // a damaged producer record must not cost the person the form
    }
    const cluster = typeof o.cluster === 'string' && o.cluster !== '' ? o.cluster.slice(0, 256) : null;
    return { form: parseProducerForm(o.form), appliedPrefill: applied, txn, cluster };
  } catch {
    return null;
  }
}
