/**
 * Host side of the producer panel, vscode-free: turns validated requests into sends through the in-process
 * Producer (src/client) and pushes full snapshots: topics, the producer id/epoch and sequences, the offsets of
 * every record sent, and a plain-language caption of the last outcome (stored, stored once on a retry, stored
 * twice without idempotence, refused for a sequence gap).
 *
 * Two more modes share the form. Transactional: a transactional producer through the broker's transaction
 * coordinator, the path a wire client takes (InitProducerId with the transactional id, AddPartitionsToTxn before a
 * partition's first send, batches marked transactional with the producer id, epoch and sequence, EndTxn writing the
 * COMMIT/ABORT markers); the snapshot draws each partition of the topic around the open transaction (its records,
 * the markers, the last stable offset and the high watermark, with a caption in plain words), tells when the
 * producer was fenced (a second producer with the same id, the coordinator's timeout abort) and, after a window
 * reload, goes on with the producer the webview saved. Schema: the value (or key) is JSON encoded with the latest
 * schema of a subject (TopicNameStrategy by default) into Confluent's wire format (formats/encode.ts); a value that
 * does not fit is refused naming the field.
 *
 * Where it works (panel-source.ts): this window's broker, or a remote cluster the views showed when the panel was
 * opened. On a remote cluster the same Producer runs over the wire (wire-producer.ts, on a connection of its own
 * with a `kafka-lite-producer-…` client id): idempotence, resend and skip-a-sequence are answered by the cluster
 * itself; each write (send, resend, file send, create topic) first awaits the source's confirmWrite and a declined
 * one writes nothing; a topic that does not exist is never created by a send; the cluster's own error names are
 * shown; what the wire cannot tell (the broker's side of the sequences, the coordinator's state, which records of a
 * partition are open, committed or aborted) is "unknown". Transactional mode runs over the wire too (WireTxnClient:
 * InitProducerId with the transactional id, AddPartitionsToTxn, transactional batches, EndTxn, through the id's
 * coordinator), its drawing from ListOffsets (log start, high watermark, LSO); schema mode encodes with this
 * window's Schema Registry. A panel restored after a reload that worked on a remote cluster waits (refusing every request,
 * naming the cluster) until it is opened again from that cluster.
 *
 * Guarantees: a send is validated completely (JSON, partition range, copies, the schema) before anything is
 * produced; a file send reads only files inside the workspace folders. Its messages are ProducerProtocol's
 * (src/shared/producer-messages.ts). Created by the producer's PanelSlot (panel-slot.ts; its spec and the commands
 * calling setPrefill() are in index.ts) and by unit tests.
 */
import type { PanelSource, RemoteSource } from './panel-source';
import { EMBEDDED_SOURCE, sameSource, sourceLabel } from './panel-source';
import type { WireCluster } from '../clusters/wire';
import { remoteErrorName } from '../clusters/wire';
import { MAX_BATCH_BYTES, batchesBySize } from '../clusters/cluster';
import { WireProducerTransport, WireTxnClient } from '../clusters/wire-producer';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import type { Broker } from '../../broker/broker';
import { ErrorCode, KafkaError, errorName } from '../../broker/errors';
import { choosePartition } from '../../broker/partitioner';
import { incrementSequence } from '../../broker/producers/producer-state';
import type { ConsumedRecord, ProduceRecord, RecordHeader } from '../../broker/types';
import { Producer } from '../../client/producer';
import { SchemaEncoder, SchemaValueError } from '../../schema-registry/formats/encode';
import type { LocalSchemaSettings } from './local-schemas';
import type { ResolvedSchema } from './producer-schema-source';
import { ProducerSchemaFile } from './producer-schema-source';
import type { SchemaRegistry } from '../../schema-registry/registry';
import type { SubjectVersion } from '../../schema-registry/types';
import { parseCleanupPolicy } from '../../shared/cleanup-policy';
import type { RequestHandlers } from '../../shared/ipc';
import type { TopicPartition } from '../../shared/topic-partition';
import { TopicPartitionMap } from '../../shared/topic-partition';
import type {
  ProducerForm,
  ProducerHostMessage,
  ProducerOutcome,
  PartitionSummary,
  ProducerProtocol,
  ProducerSnapshot,
  SavedTxnProducer,
  SchemaCheck,
  SentRecordRow,
  SequenceRow,
  TxnEvent,
  TxnLogCell,
  TxnPartitionDrawing,
  TxnView,
} from '../../shared/producer-messages';
import {
  PRODUCER_FIELD_LABELS,
  decodeTypedBytes,
  formSubject,
  partitionSummaryLine,
  usesSchemaFile,
  validateProducerRequest,
} from '../../shared/producer-messages';
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

export const MAX_FILE_RECORDS = 100_000;
const MAX_RESULT_ROWS = 500;
const FILE_CHUNK = 500;
/** The drawing of a partition: at most this many cells (a gap cell stands for the offsets in between). */
export const MAX_DRAWN_CELLS = 32;
/** Offsets drawn before the open transaction (or the last one), for context. */
const CONTEXT_CELLS = 3;
/** Topics with more partitions draw only those the transaction touched or that hold an open transaction. */
const MAX_DRAWN_PARTITIONS = 8;
const MAX_TXN_EVENTS = 20;
const FENCING_CODES = new Set<number>([
  ErrorCode.PRODUCER_FENCED,
  ErrorCode.INVALID_PRODUCER_EPOCH,
  ErrorCode.INVALID_PRODUCER_ID_MAPPING,
]);

/** The client side of a transaction, the same on this window's broker and on a remote cluster. */
interface TxnClientState {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  timeoutMs: number;
  /** Begin pressed and the transaction not ended (as a client's beginTransaction: local until the first add). */
  open: boolean;
  /** The broker refused this producer as fenced: it cannot go on, the next Begin asks for a new epoch. */
  dead: boolean;
  /** Why a newer epoch owns the id, once known (set by the panel's second producer or the coordinator's abort). */
  fencedBy: string | null;
  added: TopicPartitionMap<TopicPartition>;
  sequences: TopicPartitionMap<number>;
  /** The first offset of the current (or last) transaction on each partition, for the drawing's window. */
  firstOffsets: TopicPartitionMap<number>;
  openRecords: number;
  topic: string | null;
}

/** A producer's transaction state right after InitProducerId: no transaction open, nothing added yet. */
function newTxnClientState(
  transactionalId: string,
  producerId: number,
  producerEpoch: number,
  timeoutMs: number,
): TxnClientState {
  return {
    transactionalId,
    producerId,
    producerEpoch,
    timeoutMs,
    open: false,
    dead: false,
    fencedBy: null,
    added: new TopicPartitionMap(),
    sequences: new TopicPartitionMap(),
    firstOffsets: new TopicPartitionMap(),
    openRecords: 0,
    topic: null,
  };
}

/** The panel's transactional producer on this window's broker. */
interface TxnSession extends TxnClientState {
  broker: Broker;
  /** When the coordinator's transaction started (broker clock), -1 before the first AddPartitionsToTxn. */
  startedAt: number;
}

/**
 * Transactional mode on a remote cluster: the same client side as TxnSession, over a connection of its own; what
 * the coordinator thinks (its state, start time) is not readable over the wire and shows as unknown.
 */
interface RemoteTxn extends TxnClientState {
  client: WireTxnClient;
  /** The drawn topic's partitions as ListOffsets told them after the last action. */
  drawings: TxnPartitionDrawing[];
}

export interface ProducerControllerOptions {
  getBroker: BrokerGetter;
  post: (msg: ProducerHostMessage) => void;
  /** Workspace folders: files sent with "Send many" must be inside one of them. */
  workspaceRoots?: () => string[];
  /** Opens the record browser at a record (the glue wires this to the browser panel). */
  openBrowser?: (topic: string, partition: number, offset: number) => void;
  /** Shows an open dialog for a records file; resolves with its absolute path, or undefined when dismissed. */
  pickFile?: () => Promise<string | undefined>;
  log?: PanelLog;
  prefill?: ProducerForm | null;
  idempotent?: boolean;
  /** The embedded Schema Registry's engine, undefined when it is off or stopped (schema mode). */
  getSchemaRegistry?: () => SchemaRegistry | undefined;
  /** Its HTTP address, shown in schema mode. */
  schemaRegistryUrl?: () => string | undefined;
  /** Schema mode, local file: the kafkaLite.schemas.localFiles setting (a topic's file is preselected). */
  localSchemas?: () => LocalSchemaSettings;
  /** Schema mode, local file: an open dialog for a .avsc / .proto / .json file; undefined when dismissed. */
  pickSchemaFile?: () => Promise<string | undefined>;
  /** The transactional producer the webview saved before a window reload: the panel goes on with it. */
  txnProducer?: SavedTxnProducer | null;
  /**
   * The remote cluster the webview saved before a window reload: until setSource() the panel works nowhere and
   * says so (it never falls back to this window's broker silently).
   */
  restoredCluster?: string | null;
}

/** Said (and refused with) while a restored panel waits for its remote cluster. */
export function lostSourceMessage(name: string): string {
  return `This panel was working on ${name}; open it again from that cluster's Topics view.`;
}

const OFFSETS_ONLY =
  'Over the wire the panel reads offsets only: which records are open, committed or aborted is unknown here.';

export class ProducerController {
  private producer: Producer | undefined;
  private producerBroker: Broker | undefined;
  private idempotent: boolean;
  private results: SentRecordRow[] = [];
  private outcome: ProducerOutcome | null = null;
  private outcomeSeq = 0;
  private outcomeShown: ProducerOutcome | null = null;
  private lastBatch: ProducerSnapshot['lastBatch'] = null;
  private lastBatchKeys: (string | null)[] = [];
  /** The partitions this producer has sent to (or skipped a sequence on), in first-touched order. */
  private touched = new TopicPartitionMap<TopicPartition>();
  private prefill: ProducerForm | null;
  private prefillId: string | null = null;
  private txn: TxnSession | undefined;
  /** A producer saved before a reload (or a broker restart), taken up once the broker runs. */
  private resumeTxn: SavedTxnProducer | null;
  private second: { producerId: number; producerEpoch: number } | null = null;
  private txnEvents: TxnEvent[] = [];
  /** The panel's own InitProducerId is running: the coordinator's events for it are not someone else's fencing. */
  private initializing = false;
  private redraw: ReturnType<typeof setTimeout> | undefined;
  private disposed = false;
  private encoder: { registry: SchemaRegistry; encoder: SchemaEncoder } | undefined;
  /** The subjects the last snapshot listed: a check that finds others (registered meanwhile) pushes a new one. */
  private shownSubjects = '';
  /** The setting's local schema files the last snapshot offered (a check that finds others pushes a new one). */
  private shownLocalFiles = 'null';
  /** Schema mode with a local schema file (producer-schema-source.ts). */
  private readonly schemaFile = new ProducerSchemaFile({
    workspaceRoots: () => this.opts.workspaceRoots?.() ?? [],
    localSchemas: () => this.opts.localSchemas?.() ?? { root: undefined, mapping: undefined },
    pickFile: () => (this.opts.pickSchemaFile ? this.opts.pickSchemaFile() : Promise.reject(noSchemaPicker())),
    getRegistry: () => this.registry(),
  });
  private readonly brokerWatch = new BrokerWatch(
    () => this.opts.getBroker(),
    (b) => {
      const refresh = () => this.pushSnapshot();
      return [
        b.on('topicCreated', refresh),
        b.on('topicDeleted', refresh),
        b.on('partitionsCreated', refresh),
        b.on('transactionChanged', (e) => this.onTransactionChanged(b, e)),
        b.on('txnMarker', (e) => {
          if (this.txn?.topic === e.topic) this.pushSnapshot();
        }),
        b.on('append', (e) => {
          if (this.txn?.topic === e.topic) this.scheduleRedraw();
        }),
      ];
    },
  );
  private readonly log: PanelLog;
  private readonly requests = new RequestQueue();

  /** Where this panel works (panel-source.ts); set by the panel glue each time the panel is opened. */
  private source: PanelSource = EMBEDDED_SOURCE;
  /** A restored panel's remote cluster, until setSource(): the panel works nowhere meanwhile. */
  private lostCluster: string | null = null;
  /** The remote producer's own connection set (closed when the producer is dropped). */
  private producerConn: WireCluster | undefined;
  /** A remote source's topics, as its listTopics gave them last; null before the first answer. */
  private remoteTopics: { name: string; partitions: number }[] | null = null;
  private remoteTopicsError: string | null = null;
  private topicsGen = 0;
  /** Transactional mode on the remote source (its own connection), undefined before Begin there. */
  private rtxn: RemoteTxn | undefined;
  private second2: { producerId: number; producerEpoch: number } | null = null;
  private rtxnEvents: TxnEvent[] = [];

  /**
   * Work on `source` from now on: this window's broker, or the remote cluster the views show. Another place than
   * before drops the producer (its id, sequences, last batch), the results and the topic list.
   */
  setSource(source: PanelSource): void {
    const same = this.lostCluster === null && sameSource(this.source, source);
    this.source = source;
    this.lostCluster = null;
    if (!same) {
      this.dropProducer();
      this.dropRemoteTxn();
      this.results = [];
      this.outcome = null;
      this.remoteTopics = null;
      this.remoteTopicsError = null;
    }
    if (source.kind === 'remote') void this.refreshTopics();
    else this.pushSnapshot();
  }

  /** The remote source, or undefined on this window's broker; refuses while a restored panel waits for its cluster. */
  private remote(): RemoteSource | undefined {
    if (this.lostCluster !== null) throw new PanelError(lostSourceMessage(this.lostCluster));
    return this.source.kind === 'remote' ? this.source : undefined;
  }

  /** Ask the remote source for its topics again, then push a snapshot (a newer ask wins over an older one). */
  private async refreshTopics(): Promise<void> {
    const source = this.source;
    if (source.kind !== 'remote') return;
    const gen = ++this.topicsGen;
    try {
      const page = await source.cluster.listTopics();
      if (gen !== this.topicsGen || this.source !== source) return;
      this.remoteTopics = page.topics.map((t) => ({ name: t.name, partitions: t.partitions }));
      this.remoteTopicsError = null;
    } catch (e) {
      if (gen !== this.topicsGen || this.source !== source) return;
      this.remoteTopicsError = `The topics of ${source.name} cannot be listed: ${describeRemoteError(e)}`;
    }
    if (!this.disposed) this.pushSnapshot();
  }

  /** Before a write on a remote source; throws (after saying so) when the person declined. */
  private async confirm(source: RemoteSource, what: string): Promise<void> {
    if (await source.confirmWrite(what)) return;
    this.outcome = { kind: 'error', caption: `Nothing was written to ${source.name}: you declined "${what}".` };
    this.pushSnapshot();
    throw new PanelError(`Declined: nothing was written to ${source.name}.`);
  }

  /** Forget the remote transactional producer and close its connection (the coordinator aborts it on its timeout). */
  private dropRemoteTxn(): void {
    const t = this.rtxn;
    this.rtxn = undefined;
    this.second2 = null;
    this.rtxnEvents = [];
    if (t) void t.client.cluster.close();
  }

  /** Forget the producer (and close a remote one's connections). */
  private dropProducer(): void {
    this.producer = undefined;
    this.producerBroker = undefined;
    this.lastBatch = null;
    this.touched.clear();
    const conn = this.producerConn;
    this.producerConn = undefined;
    if (conn) void conn.close();
  }

  constructor(private readonly opts: ProducerControllerOptions) {
    this.idempotent = opts.idempotent ?? opts.prefill?.idempotent ?? true;
    this.prefill = opts.prefill ?? null;
    this.resumeTxn = opts.txnProducer ?? null;
    this.lostCluster = opts.restoredCluster ?? null;
    if (this.prefill) this.prefillId = randomUUID();
    this.log = opts.log ?? noLog;
    this.watchBroker();
  }

  /** Handle one raw message from the webview (validated here). Requests run one at a time, in order. */
  handle(raw: unknown): Promise<void> {
    return this.requests.run(() =>
      handleRequest(
        'producer',
        raw,
        validateProducerRequest,
        this.handlers,
        (m) => this.opts.post(m),
        this.log,
        PRODUCER_FIELD_LABELS,
      ),
    );
  }

  /** Load a form into the webview (e.g. "Produce a copy" from the record browser). */
  setPrefill(form: ProducerForm): void {
    this.prefill = form;
    this.prefillId = randomUUID();
    this.pushSnapshot();
  }

  /** The broker came or went (host restart): drop the producer bound to the old one and push a snapshot. */
  brokerChanged(): void {
    if (this.producerBroker && this.producerBroker !== this.opts.getBroker()) {
      this.producer = undefined;
      this.producerBroker = undefined;
      this.touched.clear();
    }
    const s = this.txn;
    if (s && s.broker !== this.opts.getBroker()) {
      // the coordinator's state is on disk: the restarted broker knows the id; take the producer up again there
      if (!s.dead)
        this.resumeTxn = {
          transactionalId: s.transactionalId,
          producerId: s.producerId,
          producerEpoch: s.producerEpoch,
          timeoutMs: s.timeoutMs,
          topic: s.topic,
        };
      this.txn = undefined;
    }
    this.watchBroker();
    this.pushSnapshot();
  }

  dispose(): void {
    this.disposed = true;
    this.dropProducer();
    this.dropRemoteTxn();
    if (this.redraw) clearTimeout(this.redraw);
    this.brokerWatch.dispose();
  }

  /** Appends to the drawn topic come in bursts: one snapshot for a burst. */
  private scheduleRedraw(): void {
    if (this.redraw || this.disposed) return;
    this.redraw = setTimeout(() => {
      this.redraw = undefined;
      if (!this.disposed) this.pushSnapshot();
    }, 50);
  }

  private watchBroker(): void {
    this.brokerWatch.update();
  }

  /** One handler per request of ProducerProtocol (src/shared/producer-messages.ts). */
  private readonly handlers: RequestHandlers<ProducerProtocol> = {
    ready: () => {
      this.pushSnapshot();
      if (this.source.kind === 'remote' && this.lostCluster === null) void this.refreshTopics();
    },
    setIdempotent: (req) => {
      this.setIdempotent(req.idempotent);
      this.pushSnapshot();
    },
    send: (req) =>
      this.refusing(async () => {
        this.setIdempotent(req.form.idempotent);
        await this.send(req.form);
      }),
    resendLast: () => this.refusing(() => this.resendLast()),
    skipSequence: (req) => this.refusing(() => this.skipSequence(req.topic, req.partition)),
    createTopic: (req) =>
      this.refusing(async () => {
        const remote = this.remote();
        if (remote) {
          await this.confirm(remote, `Create topic "${req.name}" with ${req.partitions} partition(s)`);
          try {
            await remote.cluster.createTopic(req.name, req.partitions);
          } catch (e) {
            throw new PanelError(`${remote.name} did not create topic "${req.name}": ${describeRemoteError(e)}`);
          }
          this.outcome = {
            kind: 'sent',
            caption: `Created topic "${req.name}" with ${req.partitions} partition(s) on ${remote.name}.`,
          };
          await this.refreshTopics();
          return;
        }
        const broker = requireBroker(this.opts.getBroker);
        await broker.createTopic(req.name, req.partitions);
        this.outcome = { kind: 'sent', caption: `Created topic "${req.name}" with ${req.partitions} partition(s).` };
        this.pushSnapshot();
      }),
    sendFile: (req) =>
      this.refusing(async () => {
        this.setIdempotent(req.idempotent);
        await this.sendFile(req.path, req.topic, req.partition);
      }),
    openBrowser: (req) => {
      this.opts.openBrowser?.(req.topic, req.partition, req.offset);
    },
    txnBegin: (req) =>
      this.refusing(() => {
        const remote = this.remote();
        return remote
          ? this.remoteTxnBegin(remote, req.transactionalId, req.timeoutMs, req.topic)
          : this.txnBegin(req.transactionalId, req.timeoutMs, req.topic);
      }),
    txnCommit: () => this.refusing(() => this.endEither(true)),
    txnAbort: () => this.refusing(() => this.endEither(false)),
    txnFence: () =>
      this.refusing(() => {
        const remote = this.remote();
        return remote ? this.remoteTxnFence(remote) : this.txnFence();
      }),
    checkSchema: (req) => this.checkSchema(req.form),
    pickSchemaFile: async () => ({ path: (await this.schemaFile.pick()) ?? null }),
    pickFile: async () => {
      if (!this.opts.pickFile) throw new PanelError('Picking a file is not available here; type its path.');
      const picked = await this.opts.pickFile();
      if (picked === undefined) return { path: null };
      // inside a workspace folder: the path relative to it, as a person would type it
      for (const root of this.opts.workspaceRoots?.() ?? []) {
        const rel = path.relative(root, picked);
        if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) return { path: rel };
      }
      throw new PanelError(
        `"${picked}" is outside the workspace; only files inside the workspace folders can be sent. Copy it into the workspace first.`,
      );
    },
  };

  /**
   * Run a request; when it fails without saying so in the outcome itself (a validation error, a missing topic), the
   * outcome becomes that error: an older "Stored …" must not stay on screen under a new failure.
   */
  private async refusing(task: () => Promise<void>): Promise<void> {
    const before = this.outcome;
    try {
      await task();
    } catch (e) {
      if (this.outcome === before) {
        this.outcome = { kind: 'error', caption: describeError(e) };
        this.pushSnapshot();
      }
      throw e;
    }
  }

  private endEither(commit: boolean): Promise<void> {
    const remote = this.remote();
    return remote ? this.remoteTxnEnd(remote, commit) : this.txnEnd(commit);
  }

  private setIdempotent(on: boolean): void {
    if (on === this.idempotent) return;
    this.idempotent = on;
    this.dropProducer();
  }

  private async getProducer(): Promise<Producer> {
    const remote = this.remote();
    if (remote) {
      if (!this.producer) {
        const clientId = `kafka-lite-producer-${randomUUID().slice(0, 8)}`;
        const conn = remote.connect(clientId);
        const p = new Producer(new WireProducerTransport(conn), { idempotent: this.idempotent, clientId });
        try {
          await p.init();
        } catch (e) {
          await conn.close();
          throw new PanelError(`${remote.name} gave no producer id (InitProducerId): ${describeRemoteError(e)}`);
        }
        this.producer = p;
        this.producerConn = conn;
        this.touched.clear();
      }
      return this.producer;
    }
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
  buildRecords(form: ProducerForm, resolved?: ResolvedSchema): ProduceRecord[] {
    const records: ProduceRecord[] = [];
    const schema = form.mode === 'schema' ? (resolved ?? this.schemaFor(form)) : undefined;
    for (let i = 1; i <= form.copies; i++) {
      let key: string | Buffer | null = form.key === '' ? null : substitute(form.key, i);
      const text = substitute(form.value, i);
      let value: string | Buffer = text;
      if (schema) {
        const which = form.copies > 1 ? ` (copy ${i})` : '';
        const encoded = this.encodeWith(schema, form.schemaPart === 'key' ? (key ?? '') : text, form, which);
        if (form.schemaPart === 'key') key = encoded;
        else value = encoded;
      } else if (form.valueFormat === 'hex' || form.valueFormat === 'base64') {
        try {
          value = Buffer.from(decodeTypedBytes(text, form.valueFormat));
        } catch (e) {
          const which = form.copies > 1 ? ` (copy ${i})` : '';
          const name = form.valueFormat === 'hex' ? 'hex' : 'base64';
          throw new PanelError(`The value${which} is not ${name}: ${(e as Error).message}`);
        }
      }
      if (form.valueFormat === 'json' && !schema) {
        try {
          JSON.parse(text);
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

  /**
   * On a remote source: the topic's partition count as the cluster tells it now; a topic that does not exist is
   * refused (nothing creates it).
   */
  private async remotePartitions(remote: RemoteSource, topic: string): Promise<number> {
    let parts;
    try {
      parts = (await remote.cluster.partitionsOf([topic])).get(topic);
    } catch (e) {
      throw new PanelError(`${remote.name} cannot describe topic "${topic}": ${describeRemoteError(e)}`);
    }
    if (!parts || parts.length === 0) {
      void this.refreshTopics();
      throw new PanelError(
        `There is no topic "${topic}" on ${remote.name}. Kafka Lite never creates a topic on a remote cluster by ` +
          `sending to it: create it first (the + button next to the topic) or pick another.`,
      );
    }
    return parts.length;
  }

  private async send(form: ProducerForm): Promise<void> {
    const remote = this.remote();
    if (remote) {
      if (form.topic === '') throw new PanelError('Pick a topic to produce to (or create one).');
      const count = await this.remotePartitions(remote, form.topic);
      if (form.partition !== null && form.partition >= count) {
        throw new PanelError(
          `Topic "${form.topic}" has partitions 0..${count - 1} on ${remote.name}; there is no partition ${form.partition}.`,
        );
      }
      let records = this.buildRecords(form);
      // schema mode on a remote cluster: this window's Schema Registry (and local schema files), as on this window
      if (usesSchemaFile(form)) records = this.buildRecords(form, await this.schemaFile.resolveForSend(form));
      if (form.mode === 'transactional') {
        const t = this.requireRemoteOpen('send');
        await this.confirm(remote, `Send ${records.length} record(s) to ${form.topic} in a transaction`);
        await this.remoteTxnSend(remote, t, form.topic, count, records, form.partition);
        return;
      }
      await this.confirm(remote, `Send ${records.length} record(s) to ${form.topic}`);
      await this.sendRecords(undefined, form.topic, count, records, form.partition);
      return;
    }
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
    let records = this.buildRecords(form);
    // a local schema file: every copy fits it (above); now registered or looked up, for the id the records carry
    if (usesSchemaFile(form)) records = this.buildRecords(form, await this.schemaFile.resolveForSend(form));
    if (form.mode === 'transactional') {
      await this.sendTransactional(broker, form.topic, topic.partitions, records, form.partition);
      return;
    }
    await this.sendRecords(broker, form.topic, topic.partitions, records, form.partition);
  }

  /** `broker` undefined: a remote source (its cluster refuses a keyless record on a compacted topic itself). */
  private async sendRecords(
    broker: Broker | undefined,
    topic: string,
    partitionCount: number,
    records: ProduceRecord[],
    explicit: number | null,
  ): Promise<void> {
    if (broker) checkCompactedKeys(broker, topic, records);
    const groups = groupByPartition(records, partitionCount, explicit);
    const producer = await this.getProducer();
    const perPartition = new Map<number, PartitionSummary>();
    let stored = 0;
    for (const [partition, recs] of groups) {
      for (const chunk of chunksOf(recs, !broker)) {
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
        const sum = perPartition.get(partition);
        if (sum) {
          sum.last = res.lastOffset;
          sum.count += chunk.length;
        } else
          perPartition.set(partition, { partition, first: res.baseOffset, last: res.lastOffset, count: chunk.length });
      }
    }
    const idem = this.idempotent
      ? ` Producer id ${producer.producerId}, epoch ${producer.producerEpoch}: each batch carries a sequence number so a retry can be recognised.`
      : '';
    // One line per partition (first–last offset, how many), however many batches it took.
    const partitions = [...perPartition.values()].sort((a, b) => a.partition - b.partition);
    const shown =
      partitions.length > 4
        ? `${partitions.length} partitions (one line each below)`
        : partitions.map(partitionSummaryLine).join('; ');
    const on = broker ? '' : ` on ${sourceLabel(this.source)}`;
    this.outcome = {
      kind: 'sent',
      caption: `Stored ${stored} record(s) on topic "${topic}"${on}: ${shown}.${idem}`,
      partitions,
    };
    if (!broker) void this.refreshTopics();
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
      const keep = this.lastBatch;
      this.dropProducer();
      this.lastBatch = keep;
      this.pushSnapshot();
      throw new PanelError(`OUT_OF_ORDER_SEQUENCE_NUMBER (45): ${e.message}`);
    }
    const code = e instanceof KafkaError ? e.code : undefined;
    const name = code === undefined ? undefined : remoteErrorName(code);
    this.outcome = {
      kind: 'error',
      errorCode: code,
      errorName: name,
      caption: `Sending to "${topic}" partition ${partition} failed: ${(e as Error).message}${already}.`,
    };
    this.pushSnapshot();
    // the reply names the cluster's error as the cluster does (TOPIC_AUTHORIZATION_FAILED, not a bare code)
    if (this.source.kind === 'remote') throw new PanelError(describeRemoteError(e));
    throw e;
  }

  private async resendLast(): Promise<void> {
    const remote = this.remote();
    if (!remote) requireBroker(this.opts.getBroker);
    const last = this.lastBatch;
    const producer = this.producer;
    if (!producer || !last) throw new PanelError('Nothing to resend yet: send a batch first.');
    if (remote) await this.confirm(remote, `Resend ${last.recordCount} record(s) to ${last.topic}`);
    const before = await producer.transport.logEndOffset(last.topic, last.partition);
    let res;
    try {
      res = await producer.resendLast();
    } catch (e) {
      this.failed(e, last.topic, last.partition, 0);
    }
    const after = res.logEndOffset;
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
    const remote = this.remote();
    if (remote) {
      const count = await this.remotePartitions(remote, topic);
      if (partition !== null && partition >= count) {
        throw new PanelError(
          `Topic "${topic}" has partitions 0..${count - 1} on ${remote.name}; there is no partition ${partition}.`,
        );
      }
      const abs = resolveInWorkspace(file, this.opts.workspaceRoots?.() ?? []);
      const text = await fs.promises.readFile(abs, 'utf8');
      const records = parseRecordsFile(text, path.basename(abs));
      await this.confirm(remote, `Send ${records.length} record(s) to ${topic}`);
      await this.sendRecords(undefined, topic, count, records, partition);
      return;
    }
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

  // ------------------------------------------------------------------ transactional mode

  /** The session, taking up a producer saved before a reload or a broker restart once the broker runs. */
  private session(): TxnSession | undefined {
    if (this.txn || !this.resumeTxn) return this.txn;
    const broker = this.opts.getBroker();
    if (!broker || broker.isClosed) return undefined;
    const saved = this.resumeTxn;
    this.resumeTxn = null;
    const desc = broker.describeTransaction(saved.transactionalId);
    if (!desc) return undefined; // the coordinator forgot the id (expired, or another data directory)
    const mine = desc.producerId === saved.producerId && desc.producerEpoch === saved.producerEpoch;
    const s = this.newSession(broker, saved.transactionalId, saved.producerId, saved.producerEpoch, saved.timeoutMs);
    s.topic = saved.topic && broker.getTopic(saved.topic) ? saved.topic : null;
    if (mine && desc.state === 'Ongoing') {
      s.open = true;
      s.startedAt = desc.startTimestamp;
      for (const tp of desc.partitions) {
        s.added.set(tp.topic, tp.partition, tp);
        try {
          const st = broker.producerState(tp.topic, tp.partition).find((x) => x.producerId === s.producerId);
          if (st) s.sequences.set(tp.topic, tp.partition, st.nextSequence);
          const open = broker.openTransactions(tp.topic, tp.partition).find((o) => o.producerId === s.producerId);
          if (open) s.firstOffsets.set(tp.topic, tp.partition, open.firstOffset);
        } catch {
          // the topic is gone; the coordinator's markers will say so
        }
      }
    }
    this.txn = s;
    const state = mine
      ? desc.state === 'Ongoing'
        ? `its transaction is still open (${desc.partitions.length} partition(s)): commit or abort it`
        : 'no transaction of it is open'
      : `but the id now belongs to producer id ${desc.producerId} epoch ${desc.producerEpoch}: this producer was fenced meanwhile`;
    if (!mine) s.fencedBy = `a newer producer (epoch ${desc.producerEpoch}) took the id over`;
    this.event(
      broker,
      `The panel goes on with producer id ${s.producerId}, epoch ${s.producerEpoch} of "${s.transactionalId}" (the window was reloaded or the broker restarted); ${state}.`,
    );
    return s;
  }

  private newSession(broker: Broker, id: string, producerId: number, epoch: number, timeoutMs: number): TxnSession {
    return { ...newTxnClientState(id, producerId, epoch, timeoutMs), broker, startedAt: -1 };
  }

  private event(broker: Broker, text: string): void {
    this.txnEvents.push({ at: broker.clock.now(), text });
    if (this.txnEvents.length > MAX_TXN_EVENTS) this.txnEvents.splice(0, this.txnEvents.length - MAX_TXN_EVENTS);
  }

  private async txnBegin(transactionalId: string, timeoutMs: number, topic: string): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    if (!broker.getTopic(topic))
      throw new PanelError(`There is no topic "${topic}". Create it first (the + button next to the topic).`);
    let s = this.session();
    // a producer a newer epoch took the id from is done, whether or not the broker has refused it yet
    if (s && !s.dead && this.isFenced(broker, s)) {
      s.dead = true;
      s.open = false;
    }
    if (s && s.open && !s.dead) {
      throw new PanelError(
        s.transactionalId === transactionalId
          ? `A transaction of "${transactionalId}" is already open: send to it, then Commit or Abort it before beginning the next.`
          : `The transaction of "${s.transactionalId}" is still open: Commit or Abort it before switching to "${transactionalId}".`,
      );
    }
    if (!s || s.dead || s.transactionalId !== transactionalId || s.timeoutMs !== timeoutMs || s.broker !== broker) {
      const fencesSecond = this.second !== null && s?.transactionalId === transactionalId;
      this.initializing = true;
      let r;
      try {
        r = await broker.initProducerId(transactionalId, undefined, timeoutMs);
      } finally {
        this.initializing = false;
      }
      s = this.newSession(broker, transactionalId, r.producerId, r.producerEpoch, timeoutMs);
      this.txn = s;
      if (fencesSecond || (this.second && this.second.producerId !== r.producerId)) this.second = null;
      this.event(
        broker,
        `InitProducerId("${transactionalId}", timeout ${timeoutMs} ms) → producer id ${r.producerId}, epoch ${r.producerEpoch}` +
          (r.producerEpoch > 0 ? ': the epoch went up, which fences any older producer of this id.' : '.') +
          (fencesSecond ? ' The second producer is fenced now.' : ''),
      );
    }
    s.open = true;
    s.topic = topic;
    s.added.clear();
    s.firstOffsets.clear();
    s.openRecords = 0;
    s.startedAt = -1;
    s.fencedBy = null;
    this.event(broker, `Begin: a transaction of "${transactionalId}" is open on the client side.`);
    this.outcome = {
      kind: 'sent',
      caption:
        `Transaction begun for "${transactionalId}" (producer id ${s.producerId}, epoch ${s.producerEpoch}). Nothing is on ` +
        `the broker yet: the first Send adds its partition to the transaction (AddPartitionsToTxn), and its records stay ` +
        `invisible to read_committed consumers until you commit. The coordinator aborts it if it is open longer than ` +
        `${formatMs(timeoutMs)} (transaction.timeout.ms).`,
    };
    this.pushSnapshot();
  }

  /** Whether the coordinator hands the id out under another producer id or a newer epoch than `s` has. */
  private isFenced(broker: Broker, s: TxnSession): boolean {
    if (s.broker !== broker) return false;
    const d = broker.describeTransaction(s.transactionalId);
    return !!d && (d.producerId !== s.producerId || d.producerEpoch !== s.producerEpoch);
  }

  private requireOpen(what: string): TxnSession {
    const s = this.session();
    if (!s || !s.open) {
      if (s?.dead)
        throw new PanelError(
          `This producer was fenced and cannot ${what}: press Begin to start over as a new producer (InitProducerId).`,
        );
      throw new PanelError(
        `No transaction is open: press Begin first (transactional mode sends inside a transaction).`,
      );
    }
    return s;
  }

  private async sendTransactional(
    broker: Broker,
    topic: string,
    partitionCount: number,
    records: ProduceRecord[],
    explicit: number | null,
  ): Promise<void> {
    const s = this.requireOpen('send');
    checkCompactedKeys(broker, topic, records);
    const groups = groupByPartition(records, partitionCount, explicit);
    s.topic = topic;
    const perPartition = new Map<number, PartitionSummary>();
    let stored = 0;
    for (const [partition, recs] of groups) {
      try {
        if (!s.added.has(topic, partition)) {
          const [res] = await broker.addPartitionsToTxn(s.transactionalId, s.producerId, s.producerEpoch, [
            { topic, partition },
          ]);
          if (res && res.errorCode !== ErrorCode.NONE)
            throw new KafkaError(
              res.errorCode as ErrorCode,
              `AddPartitionsToTxn for ${topic}-${partition} answered ${errorName(res.errorCode)}`,
            );
          s.added.set(topic, partition, { topic, partition });
          if (s.startedAt < 0) s.startedAt = broker.describeTransaction(s.transactionalId)?.startTimestamp ?? -1;
          this.event(
            broker,
            `AddPartitionsToTxn: ${topic} partition ${partition} joins the transaction (coordinator state Ongoing).`,
          );
        }
        for (let i = 0; i < recs.length; i += FILE_CHUNK) {
          const chunk = recs.slice(i, i + FILE_CHUNK);
          const seq = s.sequences.get(topic, partition) ?? 0;
          const res = await broker.produce(topic, chunk, {
            partition,
            producer: { producerId: s.producerId, producerEpoch: s.producerEpoch, baseSequence: seq },
            transactionalId: s.transactionalId,
          });
          s.sequences.set(topic, partition, incrementSequence(seq, chunk.length));
          if (!s.firstOffsets.has(topic, partition)) s.firstOffsets.set(topic, partition, res.baseOffset);
          s.openRecords += chunk.length;
          chunk.forEach((r, j) =>
            this.addResult({ topic, partition, offset: res.baseOffset + j, key: keyText(r.key), duplicate: false }),
          );
          stored += chunk.length;
          const sum = perPartition.get(partition);
          if (sum) {
            sum.last = res.lastOffset;
            sum.count += chunk.length;
          } else
            perPartition.set(partition, {
              partition,
              first: res.baseOffset,
              last: res.lastOffset,
              count: chunk.length,
            });
        }
      } catch (e) {
        if (e instanceof KafkaError && FENCING_CODES.has(e.code)) this.fenced(broker, s, e, 'The send');
        const already = stored > 0 ? ` (${stored} record(s) of this send were stored before it)` : '';
        const code = e instanceof KafkaError ? e.code : undefined;
        this.outcome = {
          kind: 'error',
          errorCode: code,
          errorName: code === undefined ? undefined : errorName(code),
          caption: `Sending to "${topic}" partition ${partition} in the transaction failed: ${describeError(e)}${already}.`,
        };
        this.pushSnapshot();
        throw e;
      }
    }
    const partitions = [...perPartition.values()].sort((a, b) => a.partition - b.partition);
    const lso = partitions.map((p) => `${p.partition}: ${broker.lastStableOffset(topic, p.partition)}`).join(', ');
    this.event(
      broker,
      `Sent ${stored} record(s) in the transaction (${partitions.map(partitionSummaryLine).join('; ')}).`,
    );
    this.outcome = {
      kind: 'sent',
      caption:
        `Sent ${stored} record(s) inside the transaction of "${s.transactionalId}" on topic "${topic}": ` +
        `${partitions.map(partitionSummaryLine).join('; ')}. They are in the log but not committed: a read_committed ` +
        `consumer stops at the last stable offset (partition ${lso}) until you commit; a read_uncommitted one reads them now.`,
      partitions,
    };
    this.pushSnapshot();
  }

  private async txnEnd(commit: boolean): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    const s = this.requireOpen(commit ? 'commit' : 'abort');
    const word = commit ? 'commit' : 'abort';
    if (s.added.size === 0) {
      s.open = false;
      this.event(broker, `${commit ? 'Commit' : 'Abort'} of an empty transaction: nothing to tell the coordinator.`);
      this.outcome = {
        kind: commit ? 'committed' : 'aborted',
        caption: `Nothing was sent in this transaction, so there was nothing to ${word}: the coordinator never heard of it (a Kafka client does not ask the broker either).`,
      };
      this.pushSnapshot();
      return;
    }
    const markers: { partition: number; topic: string; offset: number }[] = [];
    const off = broker.on('txnMarker', (m) => {
      if (m.producerId === s.producerId) markers.push({ topic: m.topic, partition: m.partition, offset: m.offset });
    });
    try {
      await broker.endTxn(s.transactionalId, s.producerId, s.producerEpoch, commit);
    } catch (e) {
      if (e instanceof KafkaError && FENCING_CODES.has(e.code))
        this.fenced(broker, s, e, commit ? 'The commit' : 'The abort');
      throw e;
    } finally {
      off();
    }
    const records = s.openRecords;
    const parts = [...s.added.values()];
    s.open = false;
    s.added.clear();
    s.openRecords = 0;
    s.startedAt = -1;
    const marker = commit ? 'COMMIT' : 'ABORT';
    const where = markers.length
      ? markers
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
          .map((m) => `partition ${m.partition} offset ${m.offset}`)
          .join(', ')
      : parts.map((p) => `partition ${p.partition}`).join(', ');
    const stable = parts
      .map((p) => {
        try {
          return `${p.partition}: ${broker.lastStableOffset(p.topic, p.partition)}`;
        } catch {
          return `${p.partition}: gone`;
        }
      })
      .join(', ');
    this.event(broker, `EndTxn(${word}): ${marker} marker(s) at ${where}.`);
    this.outcome = commit
      ? {
          kind: 'committed',
          caption:
            `Committed the transaction of "${s.transactionalId}": the coordinator wrote a COMMIT marker to each of its ` +
            `partitions (${where}). The last stable offset moved up to the high watermark (partition ${stable}): a ` +
            `read_committed consumer now reads the ${records} record(s).`,
        }
      : {
          kind: 'aborted',
          caption:
            `Aborted the transaction of "${s.transactionalId}": the coordinator wrote an ABORT marker to each of its ` +
            `partitions (${where}). The ${records} record(s) stay in the log, but read_committed consumers skip them; ` +
            `the last stable offset is back at the high watermark (partition ${stable}).`,
        };
    this.pushSnapshot();
  }

  /** "Start a second producer with the same id": InitProducerId for the id again, as a second client would. */
  private async txnFence(): Promise<void> {
    const broker = requireBroker(this.opts.getBroker);
    const s = this.session();
    if (!s)
      throw new PanelError(
        'Press Begin first: the second producer uses the transactional id of the first, which the panel does not have yet.',
      );
    const wasOpen = broker.describeTransaction(s.transactionalId)?.state === 'Ongoing';
    const markers: string[] = [];
    const off = broker.on('txnMarker', (m) => {
      if (m.producerId === s.producerId && !m.commit) markers.push(`partition ${m.partition} offset ${m.offset}`);
    });
    this.initializing = true;
    let r;
    try {
      r = await broker.initProducerId(s.transactionalId, undefined, s.timeoutMs);
    } finally {
      this.initializing = false;
      off();
    }
    this.second = r;
    s.fencedBy = `a second producer with the same transactional id started (InitProducerId → producer id ${r.producerId}, epoch ${r.producerEpoch})`;
    const aborted = wasOpen
      ? ` The coordinator first aborted the open transaction of the panel's producer: ABORT marker(s) at ${markers.join(', ') || 'its partitions'}.`
      : '';
    this.event(
      broker,
      `A second producer called InitProducerId("${s.transactionalId}") and got producer id ${r.producerId}, epoch ${r.producerEpoch}: the panel's producer (epoch ${s.producerEpoch}) is fenced.${aborted}`,
    );
    this.outcome = {
      kind: 'fenced',
      caption:
        `A second producer started with transactional id "${s.transactionalId}": the coordinator gave it epoch ` +
        `${r.producerEpoch}, so the panel's producer (epoch ${s.producerEpoch}) is now a zombie.${aborted} ` +
        `Press Send or Commit to see the broker refuse the old producer.`,
    };
    this.pushSnapshot();
  }

  /** The broker refused `s` as fenced: say so in plain words; the session cannot go on (Begin starts over). */
  private fenced(broker: Broker, s: TxnSession, e: KafkaError, what: string): never {
    const desc = broker.describeTransaction(s.transactionalId);
    const owner = desc ? `producer id ${desc.producerId}, epoch ${desc.producerEpoch}` : 'a newer producer';
    const why = s.fencedBy ?? `the id now belongs to ${owner}`;
    const records = s.openRecords;
    const aborted =
      s.added.size > 0 || s.openRecords > 0
        ? ` Its open transaction was aborted by the coordinator (ABORT markers are in the log), so its ${records} record(s) will never be visible to read_committed consumers.`
        : '';
    s.open = false;
    s.dead = true;
    s.added.clear();
    s.openRecords = 0;
    this.event(broker, `${what} was refused: ${errorName(e.code)} (${e.code}).`);
    this.outcome = {
      kind: 'fenced',
      errorCode: e.code,
      errorName: errorName(e.code),
      caption:
        `${what} was refused: the broker answered ${errorName(e.code)} (${e.code}). This producer (id ${s.producerId}, ` +
        `epoch ${s.producerEpoch}) was fenced: ${why}.${aborted} A fenced producer cannot go on; press Begin to start ` +
        `over as a new producer (InitProducerId again${this.second ? ', which fences the second producer in turn' : ''}).`,
    };
    this.pushSnapshot();
    throw e;
  }

  /** The coordinator moved the id to a newer epoch without the panel asking: a timeout, or an abort by hand. */
  private onTransactionChanged(
    broker: Broker,
    e: { transactionalId: string; state: string; producerId: number; producerEpoch: number },
  ): void {
    const s = this.txn;
    if (!s || s.broker !== broker || e.transactionalId !== s.transactionalId) return;
    if (!this.initializing && !s.fencedBy && e.producerEpoch > s.producerEpoch && e.state.endsWith('Abort')) {
      const now = broker.clock.now();
      const openFor = s.startedAt >= 0 ? now - s.startedAt : -1;
      const time = clockTime(now);
      if (openFor > s.timeoutMs) {
        s.fencedBy = `at ${time} the coordinator aborted its transaction, open for ${formatMs(openFor)}, longer than its timeout of ${formatMs(s.timeoutMs)} (transaction.timeout.ms), and bumped the epoch to ${e.producerEpoch}`;
        this.event(
          broker,
          `Timeout: at ${time} the coordinator aborted the transaction (open ${formatMs(openFor)}, timeout ${formatMs(s.timeoutMs)}) and bumped the epoch to ${e.producerEpoch}, which fences the panel's producer.`,
        );
      } else {
        s.fencedBy = `at ${time} its transaction was aborted from outside the panel (an abort by hand, or another producer with the same id) and the epoch went up to ${e.producerEpoch}`;
        this.event(
          broker,
          `At ${time} the transaction of "${s.transactionalId}" was aborted from outside the panel (epoch now ${e.producerEpoch}).`,
        );
      }
      this.outcome = {
        kind: 'fenced',
        caption: `The transaction of "${s.transactionalId}" was aborted: ${s.fencedBy}. The panel's producer is fenced: its next Send or Commit is refused.`,
      };
    }
    this.pushSnapshot();
  }

  private txnView(broker: Broker): TxnView | null {
    const s = this.session();
    if (!s) return null;
    const desc = s.broker === broker ? broker.describeTransaction(s.transactionalId) : undefined;
    const mine = !!desc && desc.producerId === s.producerId && desc.producerEpoch === s.producerEpoch;
    const fenced = s.dead || (!!desc && !mine);
    return {
      transactionalId: s.transactionalId,
      producerId: s.producerId,
      producerEpoch: s.producerEpoch,
      timeoutMs: s.timeoutMs,
      state: fenced ? 'fenced' : s.open ? 'open' : 'ready',
      coordinatorState: desc?.state ?? null,
      startedAt: mine && desc.state === 'Ongoing' ? desc.startTimestamp : -1,
      timesOutAt: mine && desc.state === 'Ongoing' ? desc.startTimestamp + desc.timeoutMs : -1,
      partitions: [...s.added.values()].map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      openRecords: s.openRecords,
      second: this.second,
      topic: s.topic,
      drawings: s.topic ? this.drawings(broker, s, s.topic) : [],
      events: [...this.txnEvents],
    };
  }

  private drawings(broker: Broker, s: TxnSession, topic: string): TxnPartitionDrawing[] {
    const t = broker.getTopic(topic);
    if (!t) return [];
    const out: TxnPartitionDrawing[] = [];
    for (let p = 0; p < t.partitions; p++) {
      const opens = broker.openTransactions(topic, p);
      if (
        t.partitions > MAX_DRAWN_PARTITIONS &&
        opens.length === 0 &&
        !s.added.has(topic, p) &&
        !s.firstOffsets.has(topic, p)
      )
        continue;
      out.push(drawPartition(broker, topic, p, opens, s.producerId, s.firstOffsets.get(topic, p)));
    }
    return out;
  }

  // ------------------------------------------------------------------ transactional mode on a remote cluster

  private remoteEvent(text: string): void {
    this.rtxnEvents.push({ at: Date.now(), text });
    if (this.rtxnEvents.length > MAX_TXN_EVENTS) this.rtxnEvents.splice(0, this.rtxnEvents.length - MAX_TXN_EVENTS);
  }

  private requireRemoteOpen(what: string): RemoteTxn {
    const t = this.rtxn;
    if (!t || !t.open) {
      if (t?.dead)
        throw new PanelError(
          `This producer was fenced and cannot ${what}: press Begin to start over as a new producer (InitProducerId).`,
        );
      throw new PanelError(
        'No transaction is open: press Begin first (transactional mode sends inside a transaction).',
      );
    }
    return t;
  }

  private async remoteTxnBegin(remote: RemoteSource, id: string, timeoutMs: number, topic: string): Promise<void> {
    await this.remotePartitions(remote, topic);
    let t = this.rtxn;
    if (t && t.open && !t.dead) {
      throw new PanelError(
        t.transactionalId === id
          ? `A transaction of "${id}" is already open: send to it, then Commit or Abort it before beginning the next.`
          : `The transaction of "${t.transactionalId}" is still open: Commit or Abort it before switching to "${id}".`,
      );
    }
    if (!t || t.dead || t.fencedBy !== null || t.transactionalId !== id || t.timeoutMs !== timeoutMs) {
      await this.confirm(remote, `Start the transactional producer "${id}" (InitProducerId)`);
      const conn = remote.connect(`kafka-lite-producer-txn-${randomUUID().slice(0, 8)}`);
      const client = new WireTxnClient(new WireProducerTransport(conn), id, timeoutMs);
      let r;
      try {
        r = await client.initProducerId();
      } catch (e) {
        await conn.close();
        throw new PanelError(`${remote.name} gave no transactional producer id: ${describeRemoteError(e)}`);
      }
      const fencesSecond = this.second2 !== null && t?.transactionalId === id;
      if (t) void t.client.cluster.close();
      t = { ...newTxnClientState(id, r.producerId, r.producerEpoch, timeoutMs), client, drawings: [] };
      this.rtxn = t;
      if (fencesSecond || (this.second2 && this.second2.producerId !== r.producerId)) this.second2 = null;
      this.remoteEvent(
        `InitProducerId("${id}", timeout ${timeoutMs} ms) on ${remote.name} → producer id ${r.producerId}, epoch ${r.producerEpoch}` +
          (r.producerEpoch > 0 ? ': the epoch went up, which fences any older producer of this id.' : '.') +
          (fencesSecond ? ' The second producer is fenced now.' : ''),
      );
    }
    t.open = true;
    t.topic = topic;
    t.added.clear();
    t.firstOffsets.clear();
    t.openRecords = 0;
    this.remoteEvent(`Begin: a transaction of "${id}" is open on the client side.`);
    this.outcome = {
      kind: 'sent',
      caption:
        `Transaction begun for "${id}" on ${remote.name} (producer id ${t.producerId}, epoch ${t.producerEpoch}). Nothing ` +
        `is on the cluster yet: the first Send adds its partition to the transaction (AddPartitionsToTxn), and its ` +
        `records stay invisible to read_committed consumers until you commit. The coordinator aborts it if it is open ` +
        `longer than ${formatMs(timeoutMs)} (transaction.timeout.ms).`,
    };
    await this.redrawRemote(t, false);
    this.pushSnapshot();
  }

  private async remoteTxnSend(
    remote: RemoteSource,
    t: RemoteTxn,
    topic: string,
    partitionCount: number,
    records: ProduceRecord[],
    explicit: number | null,
  ): Promise<void> {
    const groups = groupByPartition(records, partitionCount, explicit);
    t.topic = topic;
    const perPartition = new Map<number, PartitionSummary>();
    let stored = 0;
    for (const [partition, recs] of groups) {
      try {
        if (!t.added.has(topic, partition)) {
          await t.client.addPartitions(t, topic, [partition]);
          t.added.set(topic, partition, { topic, partition });
          this.remoteEvent(`AddPartitionsToTxn: ${topic} partition ${partition} joins the transaction.`);
        }
        for (const chunk of chunksOf(recs, true)) {
          const seq = t.sequences.get(topic, partition) ?? 0;
          const base = await t.client.produce(topic, partition, chunk, {
            producerId: t.producerId,
            producerEpoch: t.producerEpoch,
            baseSequence: seq,
          });
          t.sequences.set(topic, partition, incrementSequence(seq, chunk.length));
          if (!t.firstOffsets.has(topic, partition)) t.firstOffsets.set(topic, partition, base);
          t.openRecords += chunk.length;
          chunk.forEach((r, j) =>
            this.addResult({ topic, partition, offset: base + j, key: keyText(r.key), duplicate: false }),
          );
          stored += chunk.length;
          const last = base + chunk.length - 1;
          const sum = perPartition.get(partition);
          if (sum) {
            sum.last = last;
            sum.count += chunk.length;
          } else perPartition.set(partition, { partition, first: base, last, count: chunk.length });
        }
      } catch (e) {
        if (e instanceof KafkaError && FENCING_CODES.has(e.code)) await this.remoteFenced(t, e, 'The send');
        const already = stored > 0 ? ` (${stored} record(s) of this send were stored before it)` : '';
        const code = e instanceof KafkaError ? e.code : undefined;
        this.outcome = {
          kind: 'error',
          errorCode: code,
          errorName: code === undefined ? undefined : remoteErrorName(code),
          caption: `Sending to "${topic}" partition ${partition} in the transaction failed: ${describeRemoteError(e)}${already}.`,
        };
        await this.redrawRemote(t, false);
        this.pushSnapshot();
        throw new PanelError(describeRemoteError(e));
      }
    }
    await this.redrawRemote(t, false);
    const partitions = [...perPartition.values()].sort((a, b) => a.partition - b.partition);
    const lso = partitions.map((p) => `${p.partition}: ${this.drawnLso(t, p.partition)}`).join(', ');
    this.remoteEvent(
      `Sent ${stored} record(s) in the transaction (${partitions.map(partitionSummaryLine).join('; ')}).`,
    );
    this.outcome = {
      kind: 'sent',
      caption:
        `Sent ${stored} record(s) inside the transaction of "${t.transactionalId}" on topic "${topic}" on ${remote.name}: ` +
        `${partitions.map(partitionSummaryLine).join('; ')}. They are in the log but not committed: a read_committed ` +
        `consumer stops at the last stable offset (partition ${lso}) until you commit; a read_uncommitted one reads them now.`,
      partitions,
    };
    this.pushSnapshot();
  }

  private async remoteTxnEnd(remote: RemoteSource, commit: boolean): Promise<void> {
    const t = this.requireRemoteOpen(commit ? 'commit' : 'abort');
    const word = commit ? 'commit' : 'abort';
    if (t.added.size === 0) {
      t.open = false;
      this.remoteEvent(`${commit ? 'Commit' : 'Abort'} of an empty transaction: nothing to tell the coordinator.`);
      this.outcome = {
        kind: commit ? 'committed' : 'aborted',
        caption: `Nothing was sent in this transaction, so there was nothing to ${word}: the coordinator never heard of it (a Kafka client does not ask the cluster either).`,
      };
      this.pushSnapshot();
      return;
    }
    await this.confirm(remote, `${commit ? 'Commit' : 'Abort'} the transaction of "${t.transactionalId}"`);
    try {
      await t.client.endTxn(t, commit);
    } catch (e) {
      if (e instanceof KafkaError && FENCING_CODES.has(e.code))
        await this.remoteFenced(t, e, commit ? 'The commit' : 'The abort');
      throw new PanelError(describeRemoteError(e));
    }
    const records = t.openRecords;
    const parts = [...t.added.values()].sort((a, b) => a.partition - b.partition);
    t.open = false;
    t.added.clear();
    t.openRecords = 0;
    // Kafka answers EndTxn before its markers are written: give them a moment before reading the offsets
    await this.redrawRemote(t, true, parts);
    const where = parts.map((p) => `partition ${p.partition}`).join(', ');
    const stable = parts.map((p) => `${p.partition}: ${this.drawnLso(t, p.partition)}`).join(', ');
    const marker = commit ? 'COMMIT' : 'ABORT';
    this.remoteEvent(`EndTxn(${word}): the coordinator writes ${marker} markers to ${where}.`);
    this.outcome = commit
      ? {
          kind: 'committed',
          caption:
            `Committed the transaction of "${t.transactionalId}" on ${remote.name}: the coordinator writes a COMMIT marker ` +
            `to each of its partitions (${where}), and the last stable offset moves up to the high watermark (partition ` +
            `${stable}): a read_committed consumer now reads the ${records} record(s).`,
        }
      : {
          kind: 'aborted',
          caption:
            `Aborted the transaction of "${t.transactionalId}" on ${remote.name}: the coordinator writes an ABORT marker ` +
            `to each of its partitions (${where}). The ${records} record(s) stay in the log, but read_committed consumers ` +
            `skip them; the last stable offset is back at the high watermark (partition ${stable}).`,
        };
    this.pushSnapshot();
  }

  private async remoteTxnFence(remote: RemoteSource): Promise<void> {
    const t = this.rtxn;
    if (!t)
      throw new PanelError(
        'Press Begin first: the second producer uses the transactional id of the first, which the panel does not have yet.',
      );
    await this.confirm(remote, `Start a second producer with transactional id "${t.transactionalId}"`);
    const second = new WireTxnClient(t.client.transport, t.transactionalId, t.timeoutMs);
    let r;
    try {
      r = await second.initProducerId();
    } catch (e) {
      throw new PanelError(`${remote.name} gave the second producer no id: ${describeRemoteError(e)}`);
    }
    const wasOpen = t.open && t.added.size > 0;
    this.second2 = r;
    t.fencedBy = `a second producer with the same transactional id started (InitProducerId → producer id ${r.producerId}, epoch ${r.producerEpoch})`;
    const aborted = wasOpen
      ? ` The coordinator first aborted the open transaction of the panel's producer (ABORT markers to ${[...t.added.values()].map((p) => `partition ${p.partition}`).join(', ')}).`
      : '';
    this.remoteEvent(
      `A second producer called InitProducerId("${t.transactionalId}") and got producer id ${r.producerId}, epoch ${r.producerEpoch}: the panel's producer (epoch ${t.producerEpoch}) is fenced.${aborted}`,
    );
    this.outcome = {
      kind: 'fenced',
      caption:
        `A second producer started with transactional id "${t.transactionalId}": the coordinator gave it epoch ` +
        `${r.producerEpoch}, so the panel's producer (epoch ${t.producerEpoch}) is now a zombie.${aborted} ` +
        `Press Send or Commit to see the cluster refuse the old producer.`,
    };
    await this.redrawRemote(t, wasOpen, wasOpen ? [...t.added.values()] : []);
    this.pushSnapshot();
  }

  /** The cluster refused `t` as fenced: say so; the producer cannot go on (Begin starts over). */
  private async remoteFenced(t: RemoteTxn, e: KafkaError, what: string): Promise<never> {
    const why =
      t.fencedBy ??
      `the coordinator moved the id to a newer epoch: its transaction was open longer than ${formatMs(t.timeoutMs)} ` +
        '(transaction.timeout.ms) and was aborted, or another producer with the same id started';
    const aborted =
      t.added.size > 0 || t.openRecords > 0
        ? ` Its open transaction was aborted by the coordinator, so its ${t.openRecords} record(s) will never be visible to read_committed consumers.`
        : '';
    t.open = false;
    t.dead = true;
    t.added.clear();
    t.openRecords = 0;
    const name = remoteErrorName(e.code);
    this.remoteEvent(`${what} was refused: ${name} (${e.code}).`);
    this.outcome = {
      kind: 'fenced',
      errorCode: e.code,
      errorName: name,
      caption:
        `${what} was refused: the cluster answered ${name} (${e.code}). This producer (id ${t.producerId}, ` +
        `epoch ${t.producerEpoch}) was fenced: ${why}.${aborted} A fenced producer cannot go on; press Begin to start ` +
        `over as a new producer (InitProducerId again${this.second2 ? ', which fences the second producer in turn' : ''}).`,
    };
    await this.redrawRemote(t, false);
    this.pushSnapshot();
    throw new PanelError(`${name} (${e.code}): ${e.message}`);
  }

  private drawnLso(t: RemoteTxn, partition: number): string {
    const d = t.drawings.find((x) => x.partition === partition);
    return d ? String(d.lastStableOffset) : 'unknown';
  }

  /**
   * The drawn topic's partitions from ListOffsets (log start, high watermark, LSO with isolation 1). `settle`: wait
   * up to 3 s for the LSO of `ended` to reach the high watermark (the markers of a commit or abort being written).
   */
  private async redrawRemote(t: RemoteTxn, settle: boolean, ended: TopicPartition[] = []): Promise<void> {
    const topic = t.topic;
    if (!topic) {
      t.drawings = [];
      return;
    }
    const transport = t.client.transport;
    try {
      const count = (await transport.partitionCount(topic)) ?? 0;
      const until = Date.now() + 3000;
      const out: TxnPartitionDrawing[] = [];
      for (let p = 0; p < count; p++) {
        if (count > MAX_DRAWN_PARTITIONS && !t.added.has(topic, p) && !t.firstOffsets.has(topic, p)) continue;
        let o = await transport.offsets(topic, p);
        while (
          settle &&
          ended.some((e) => e.topic === topic && e.partition === p) &&
          // Not settled: an open transaction still holds the LSO back, or the two offsets were read on either side
          // of the marker (an LSO past the high watermark read just before it).
          o.lastStableOffset !== o.logEndOffset &&
          Date.now() < until
        ) {
          await new Promise((r) => setTimeout(r, 100));
          o = await transport.offsets(topic, p);
        }
        const first = t.open ? t.firstOffsets.get(topic, p) : undefined;
        let caption: string;
        if (first !== undefined)
          caption =
            `A read_committed consumer reads up to offset ${o.lastStableOffset} (the last stable offset): the open ` +
            `transaction's records from offset ${first} are not visible until you commit. A read_uncommitted consumer ` +
            `reads up to the high watermark (${o.logEndOffset}).`;
        else if (o.lastStableOffset < o.logEndOffset)
          caption =
            `A read_committed consumer reads up to offset ${o.lastStableOffset} (the last stable offset): an open ` +
            `transaction starts there (whose, the wire does not tell), and nothing after it is visible until it ends. ` +
            `The high watermark is ${o.logEndOffset}.`;
        else if (o.logEndOffset === o.logStartOffset)
          caption = `Empty so far: the high watermark and the last stable offset are both ${o.logEndOffset}.`;
        else
          caption =
            `No open transaction: the last stable offset equals the high watermark (${o.logEndOffset}), so a ` +
            `read_committed consumer reads what a read_uncommitted one does, except records of aborted transactions.`;
        out.push({
          partition: p,
          logStartOffset: o.logStartOffset,
          lastStableOffset: o.lastStableOffset,
          highWatermark: o.logEndOffset,
          cells: [],
          caption: `${caption} ${OFFSETS_ONLY}`,
        });
      }
      t.drawings = out;
    } catch (e) {
      t.drawings = [];
      this.remoteEvent(`The offsets of "${topic}" cannot be read: ${describeRemoteError(e)}`);
    }
  }

  private remoteTxnView(): TxnView | null {
    const t = this.rtxn;
    if (!t) return null;
    return {
      transactionalId: t.transactionalId,
      producerId: t.producerId,
      producerEpoch: t.producerEpoch,
      timeoutMs: t.timeoutMs,
      state: t.dead || t.fencedBy !== null ? 'fenced' : t.open ? 'open' : 'ready',
      // DescribeTransactions has flexible versions only: the coordinator's view is unknown over this wire
      coordinatorState: null,
      startedAt: -1,
      timesOutAt: -1,
      partitions: [...t.added.values()].map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      openRecords: t.openRecords,
      second: this.second2,
      topic: t.topic,
      drawings: t.drawings,
      events: [...this.rtxnEvents],
    };
  }

  // ------------------------------------------------------------------ schema mode

  private registry(): SchemaRegistry | undefined {
    return this.opts.getSchemaRegistry?.();
  }

  private schemaEncoder(registry: SchemaRegistry): SchemaEncoder {
    if (this.encoder?.registry !== registry) this.encoder = { registry, encoder: new SchemaEncoder(registry) };
    return this.encoder.encoder;
  }

  /** The subject's latest schema for the form, or a PanelError saying why there is none. */
  private schemaFor(form: ProducerForm): { version: SubjectVersion; encoder: SchemaEncoder } | ResolvedSchema {
    if (usesSchemaFile(form)) return this.schemaFile.forCheck(form);
    const registry = this.registry();
    if (!registry)
      throw new PanelError(
        'The embedded Schema Registry is not running, so schema mode cannot encode: turn on the setting ' +
          '"kafkaLite.schemaRegistry.enabled" and restart the broker.',
      );
    if (!form.subject && form.topic === '') throw new PanelError('Pick a topic first: the subject is named after it.');
    const subject = formSubject(form);
    let version: SubjectVersion;
    try {
      version = registry.getVersion(subject, 'latest');
    } catch {
      const byTopic = !form.subject ? ` (TopicNameStrategy for topic "${form.topic}")` : '';
      const url = this.opts.schemaRegistryUrl?.() ?? '<registry>';
      throw new PanelError(
        `The Schema Registry has no subject "${subject}"${byTopic}: register a schema under it first ` +
          `(POST ${url}/subjects/${subject}/versions), or pick another subject.`,
      );
    }
    return { version, encoder: this.schemaEncoder(registry) };
  }

  private encodeWith(
    schema: { version: SubjectVersion; encoder: SchemaEncoder } | ResolvedSchema,
    text: string,
    form: ProducerForm,
    which: string,
  ): Buffer {
    const part = form.schemaPart === 'key' ? 'The key' : 'The value';
    const v = schema.version;
    const name =
      'label' in schema
        ? schema.label
        : `schema "${v.subject}" v${v.version} (${FORMAT_LABELS[v.schemaType]}, id ${v.id})`;
    const messageType = form.messageType || ('label' in schema ? schema.messageType : undefined);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new PanelError(`${part}${which} is not valid JSON, which schema mode needs: ${(e as Error).message}`);
    }
    try {
      return schema.encoder.encode(v.id, json, messageType).bytes;
    } catch (e) {
      if (e instanceof SchemaValueError) throw new PanelError(`${part}${which} does not fit ${name}: ${e.message}.`);
      throw new PanelError(`${name.charAt(0).toUpperCase()}${name.slice(1)} cannot encode: ${(e as Error).message}`);
    }
  }

  private checkSchema(form: ProducerForm): SchemaCheck {
    const fromFile = usesSchemaFile(form);
    const subject = fromFile ? this.schemaFile.subject(form) : formSubject(form);
    const registry = this.registry();
    if (registry && JSON.stringify(registry.listSubjects()) !== this.shownSubjects) this.pushSnapshot();
    else if (fromFile && JSON.stringify(this.schemaFile.mappings() ?? null) !== this.shownLocalFiles)
      this.pushSnapshot();
    let schema;
    try {
      schema = this.schemaFor(form);
    } catch (e) {
      return { subject, problem: (e as Error).message };
    }
    const v = schema.version;
    const base: SchemaCheck = {
      subject,
      problem: null,
      version: v.version,
      schemaId: v.id,
      format: FORMAT_LABELS[v.schemaType],
    };
    const messageType = form.messageType || ('label' in schema ? schema.messageType : undefined);
    if (fromFile) {
      delete base.version;
      delete base.schemaId;
      Object.assign(base, this.schemaFile.describe(form));
    }
    try {
      base.messageTypes = schema.encoder.messageTypes(v.id);
    } catch (e) {
      return { ...base, problem: `Schema id ${v.id} cannot be used: ${(e as Error).message}` };
    }
    const text = substitute(form.schemaPart === 'key' ? form.key : form.value, 1);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return { ...base, problem: `Not valid JSON yet: ${(e as Error).message}` };
    }
    try {
      const enc = schema.encoder.encode(v.id, json, messageType);
      return {
        ...base,
        messageType: enc.messageType,
        size: enc.bytes.length,
        bytesHex: hexPreview(enc.bytes, 24),
      };
    } catch (e) {
      return { ...base, problem: e instanceof SchemaValueError ? `Does not fit: ${e.message}` : (e as Error).message };
    }
  }

  private addResult(row: SentRecordRow): void {
    this.results.push(row);
    if (this.results.length > MAX_RESULT_ROWS) this.results.splice(0, this.results.length - MAX_RESULT_ROWS);
  }

  snapshot(): ProducerSnapshot {
    if (this.lostCluster !== null || this.source.kind === 'remote') return this.remoteSnapshot();
    const broker = this.opts.getBroker();
    const running = !!broker && !broker.isClosed;
    const p = this.producer;
    const sequences = running ? this.sequenceRows(broker) : [];
    return {
      brokerRunning: running,
      where: sourceLabel(EMBEDDED_SOURCE),
      remote: false,
      cluster: null,
      lostSource: null,
      topicsProblem: null,
      topics: running ? broker.listTopics().map((t) => ({ name: t.name, partitions: t.partitions })) : [],
      idempotent: this.idempotent,
      producerId: p?.producerId ?? -1,
      producerEpoch: p?.producerEpoch ?? -1,
      sequences,
      results: [...this.results],
      outcome: this.outcome && { ...this.outcome, seq: this.seqOf(this.outcome) },
      lastBatch: this.lastBatch,
      prefill: this.prefill,
      prefillId: this.prefillId,
      txn: running ? this.txnView(broker) : null,
      schemas: this.schemasView(),
    };
  }

  /** On a remote source (or waiting for one): its topics as listed, the broker's side of the sequences unknown. */
  private remoteSnapshot(): ProducerSnapshot {
    const lost = this.lostCluster;
    const p = lost === null ? this.producer : undefined;
    const name = lost ?? (this.source.kind === 'remote' ? this.source.name : '');
    return {
      // the panel is usable while its cluster is; a cluster that cannot be reached says so in topicsProblem
      brokerRunning: true,
      where: lost !== null ? name : sourceLabel(this.source),
      remote: true,
      cluster: name,
      lostSource: lost === null ? null : lostSourceMessage(lost),
      topicsProblem: lost === null ? this.remoteTopicsError : null,
      topics: lost === null ? [...(this.remoteTopics ?? [])] : [],
      idempotent: this.idempotent,
      producerId: p?.producerId ?? -1,
      producerEpoch: p?.producerEpoch ?? -1,
      sequences: lost === null ? this.sequenceRows(undefined) : [],
      results: [...this.results],
      outcome: this.outcome && { ...this.outcome, seq: this.seqOf(this.outcome) },
      lastBatch: this.lastBatch,
      prefill: this.prefill,
      prefillId: this.prefillId,
      txn: lost === null ? this.remoteTxnView() : null,
      schemas: this.schemasView(),
    };
  }

  /** The producer's next sequence per touched partition; the broker's side only where it can be read (in-process). */
  private sequenceRows(broker: Broker | undefined): SequenceRow[] {
    const sequences: SequenceRow[] = [];
    const p = this.producer;
    if (p && p.idempotent) {
      for (const { topic, partition } of this.touched.values()) {
        let brokerNext = -1;
        if (broker) {
          try {
            const st = broker.producerState(topic, partition).find((s) => s.producerId === p.producerId);
            if (st) brokerNext = st.nextSequence;
          } catch {
            // topic deleted meanwhile
          }
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
    return sequences;
  }

  private schemasView(): ProducerSnapshot['schemas'] {
    const registry = this.registry();
    if (!registry) return { running: false, url: null, subjects: [], ...this.localFilesView() };
    let subjects: string[] = [];
    try {
      subjects = registry.listSubjects();
    } catch {
      subjects = [];
    }
    this.shownSubjects = JSON.stringify(subjects);
    return { running: true, url: this.opts.schemaRegistryUrl?.() ?? null, subjects, ...this.localFilesView() };
  }

  /** The setting's local schema files, for the panel to preselect (absent when it maps none). */
  private localFilesView(): Pick<ProducerSnapshot['schemas'], 'localFiles'> {
    const localFiles = this.schemaFile.mappings();
    this.shownLocalFiles = JSON.stringify(localFiles ?? null);
    return localFiles ? { localFiles } : {};
  }

  /** The same outcome keeps its number across snapshots; a new one gets the next. */
  private seqOf(o: ProducerOutcome): number {
    if (o !== this.outcomeShown) {
      this.outcomeShown = o;
      this.outcomeSeq++;
    }
    return this.outcomeSeq;
  }

  pushSnapshot(): void {
    this.opts.post({ type: 'snapshot', state: this.snapshot() });
  }
}

/**
 * One partition's records as the batches sent: FILE_CHUNK records at most; `bySize` (a remote cluster) also keeps
 * each batch under MAX_BATCH_BYTES, as Kafka refuses a batch above its max.message.bytes (1 MiB by default).
 */
function chunksOf(records: ProduceRecord[], bySize: boolean): ProduceRecord[][] {
  return batchesBySize(records, bySize ? MAX_BATCH_BYTES : Number.POSITIVE_INFINITY, FILE_CHUNK);
}

/** A remote cluster's error in its own words: the error name (TOPIC_AUTHORIZATION_FAILED, …) and the message. */
function describeRemoteError(e: unknown): string {
  if (e instanceof KafkaError) {
    const name = remoteErrorName(e.code);
    return e.message.includes(name) ? `${e.message} (${e.code})` : `${e.message} (${name}, ${e.code})`;
  }
  if (e instanceof Error)
    return e.name && e.name !== 'Error' && !e.message.includes(e.name) ? `${e.name}: ${e.message}` : e.message;
  return String(e);
}

const FORMAT_LABELS = { AVRO: 'Avro', PROTOBUF: 'Protobuf', JSON: 'JSON Schema' } as const;

const noSchemaPicker = () => new PanelError('Picking a file is not available here; type its path.');

/** The engine refuses a keyless record on a compacted topic too, but names it by its place in the wire batch. */
function checkCompactedKeys(broker: Broker, topic: string, records: ProduceRecord[]): void {
  const configs = broker.getTopic(topic)?.configs ?? {};
  if (!parseCleanupPolicy(configs['cleanup.policy']).compact) return;
  const i = records.findIndex((r) => r.key === null || r.key === undefined);
  if (i >= 0) {
    const which = records.length === 1 ? 'this record has none' : `record ${i + 1} of ${records.length} has none`;
    throw new PanelError(
      `Topic "${topic}" is compacted (cleanup.policy=compact): every record needs a key, and ${which}. ` +
        `Type a key: compaction keeps the latest record of each key.`,
    );
  }
}

/** One batch per partition, in the order the records were typed (as a client's accumulator does). */
function groupByPartition(
  records: ProduceRecord[],
  partitionCount: number,
  explicit: number | null,
): Map<number, ProduceRecord[]> {
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
  return groups;
}

/**
 * One partition's drawing: the offsets from a little before its open transaction (or the panel's last one) up to
 * the high watermark, each a cell of its kind, with the last stable offset and a caption in plain words.
 */
export function drawPartition(
  broker: Broker,
  topic: string,
  partition: number,
  opens: { producerId: number; producerEpoch: number; firstOffset: number }[],
  ownProducerId: number,
  ownFirst: number | undefined,
): TxnPartitionDrawing {
  const info = broker.partitionInfo(topic, partition);
  const hw = info.logEndOffset;
  const lso = info.lastStableOffset ?? hw;
  const anchor = Math.min(hw, ...opens.map((o) => o.firstOffset), ownFirst ?? hw);
  const start = Math.max(info.logStartOffset, anchor - CONTEXT_CELLS);
  const classify = (r: ConsumedRecord): TxnLogCell => {
    if (r.control === 'COMMIT') return { offset: r.offset, kind: 'commit', producerId: r.producerId };
    if (r.control !== undefined) return { offset: r.offset, kind: 'abort', producerId: r.producerId };
    if (r.aborted) return { offset: r.offset, kind: 'aborted', producerId: r.producerId };
    if (r.isTransactional) {
      const open = opens.find((o) => o.producerId === r.producerId && r.offset >= o.firstOffset);
      if (open)
        return {
          offset: r.offset,
          kind: r.producerId === ownProducerId ? 'open' : 'open-other',
          producerId: r.producerId,
        };
      return { offset: r.offset, kind: 'committed', producerId: r.producerId };
    }
    return { offset: r.offset, kind: 'plain' };
  };
  const read = (from: number, to: number): TxnLogCell[] =>
    to > from
      ? broker
          .readRecords(topic, partition, from, to - from)
          .filter((r) => r.offset < to)
          .map(classify)
      : [];
  let cells: TxnLogCell[];
  if (hw - start <= MAX_DRAWN_CELLS) cells = read(start, hw);
  else {
    const head = 8;
    const tailFrom = hw - (MAX_DRAWN_CELLS - head - 1);
    cells = [
      ...read(start, start + head),
      { offset: start + head, kind: 'gap', gapTo: tailFrom },
      ...read(tailFrom, hw),
    ];
  }
  const own = opens.find((o) => o.producerId === ownProducerId);
  const other = opens.find((o) => o.producerId !== ownProducerId);
  let caption: string;
  if (own) {
    const lastOwn = Math.max(own.firstOffset, ...cells.filter((c) => c.kind === 'open').map((c) => c.offset));
    const range = lastOwn > own.firstOffset ? `${own.firstOffset}–${lastOwn}` : `${own.firstOffset}`;
    caption =
      `A read_committed consumer reads up to offset ${lso} (the last stable offset): the open transaction's records at ` +
      `${range} are not visible until you commit. A read_uncommitted consumer reads up to the high watermark (${hw}).`;
    if (other && other.firstOffset < own.firstOffset)
      caption += ` An older open transaction of producer id ${other.producerId} holds the last stable offset even lower.`;
  } else if (other) {
    caption =
      `A read_committed consumer reads up to offset ${lso} (the last stable offset): an open transaction of producer ` +
      `id ${other.producerId} (not this panel's) starts there, and nothing after it is visible until it ends, not ` +
      `even committed records. The high watermark is ${hw}.`;
  } else if (hw === info.logStartOffset) {
    caption = `Empty so far: the high watermark and the last stable offset are both ${hw}.`;
  } else {
    caption =
      `No open transaction: the last stable offset equals the high watermark (${hw}), so a read_committed consumer ` +
      `reads what a read_uncommitted one does, except records of aborted transactions, which it skips.`;
  }
  return { partition, logStartOffset: info.logStartOffset, lastStableOffset: lso, highWatermark: hw, cells, caption };
}

/** "1 min", "60 s", "1.5 s", "250 ms". */
export function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${ms} ms`;
}

/** The broker clock's time of day, as a person reads it ("14:03:12"). */
function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19) + ' UTC';
}

/** "00 00 00 00 03 02 0a …" (at most `max` bytes). */
function hexPreview(b: Buffer, max: number): string {
  const shown = [...b.subarray(0, max)].map((x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${shown} …` : shown;
}

/** `{{i}}` -> the copy number (1-based). */
export function substitute(template: string, i: number): string {
  return template.split('{{i}}').join(String(i));
}

function keyText(k: ProduceRecord['key']): string | null {
  if (k === null || k === undefined) return null;
  // a key typed in the form is text; bytes here are a key schema mode encoded
  return Buffer.isBuffer(k) ? `(encoded with its schema: ${hexPreview(k, 8)}, ${k.length} bytes)` : k;
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
