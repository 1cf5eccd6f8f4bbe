/**
 * A raw Kafka client for the reference tier: it sends exactly the request it is given (API key, version, body)
 * and decodes the answer with Kafka Lite's own API schemas (src/protocol/apis via the registry), so both brokers
 * are asked the very same bytes and compared field by field. Requests are pipelined on one connection per
 * client and matched by correlation id; header v2 / response header v1 for flexible versions (ApiVersions always
 * answers with header v0). A response that does not decode under the schema rejects, naming the API and version.
 */
import * as net from 'net';
import { Reader } from '../../src/protocol/codec/reader';
import { decodeStruct, encodeStruct } from '../../src/protocol/codec/schema';
import { Writer } from '../../src/protocol/codec/writer';
import { API_BY_KEY } from '../../src/protocol/registry';

export const API = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  TxnOffsetCommit: 28,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  CreatePartitions: 37,
  DeleteGroups: 42,
  IncrementalAlterConfigs: 44,
  OffsetDelete: 47,
  DescribeTopicPartitions: 75,
} as const;

// A decoded message: field names as in the API module's schema.
export type Msg = Record<string, any>;

interface Pending {
  apiKey: number;
  version: number;
  resolve(m: Msg): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

export class WireClient {
  private buf: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error(`connection closed while waiting for api ${p.apiKey} v${p.version}`));
      }
      this.pending.clear();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, clientId = 'reference-test'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new WireClient(s, clientId)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
      const n = this.buf.readInt32BE(0);
      const frame = this.buf.subarray(4, 4 + n);
      this.buf = this.buf.subarray(4 + n);
      const id = frame.readInt32BE(0);
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      clearTimeout(p.timer);
      try {
        p.resolve(decodeResponse(p.apiKey, p.version, frame));
      } catch (e) {
        p.reject(new Error(`api ${p.apiKey} v${p.version}: the response does not decode: ${(e as Error).message}`));
      }
    }
  }

  /** Send one request; resolves with the decoded response (or undefined after `noResponse` requests, e.g. acks=0). */
  request(apiKey: number, version: number, body: Msg, opts: { timeoutMs?: number } = {}): Promise<Msg> {
    const id = this.nextId++;
    const bytes = encodeRequest(apiKey, version, id, this.clientId, body);
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection is closed'));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`api ${apiKey} v${version}: no response within ${opts.timeoutMs ?? 15000} ms`));
      }, opts.timeoutMs ?? 15000);
      this.pending.set(id, { apiKey, version, resolve, reject, timer });
      this.socket.write(bytes);
    });
  }

  /** Send raw bytes (a request frame built by hand) and resolve with the raw response frame for `correlationId`. */
  sendRaw(frame: Buffer): void {
    this.socket.write(frame);
  }

  /** Resolves when the broker closes the connection (or rejects after timeoutMs). */
  waitClosed(timeoutMs = 5000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connection still open')), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function moduleOf(apiKey: number) {
  const m = API_BY_KEY.get(apiKey);
  if (!m) throw new Error(`no API module for key ${apiKey}`);
  return m;
}

export function encodeRequest(apiKey: number, version: number, id: number, clientId: string, body: Msg): Buffer {
  const m = moduleOf(apiKey);
  const flexible = version >= m.flexibleFrom;
  const w = new Writer();
  w.int32(0).int16(apiKey).int16(version).int32(id).nullableString(clientId);
  if (flexible) w.emptyTaggedFields();
  encodeStruct(w, m.request, version, flexible, body);
  w.patchInt32(0, w.length - 4);
  return w.toBuffer();
}

function decodeResponse(apiKey: number, version: number, frame: Buffer): Msg {
  const m = moduleOf(apiKey);
  const flexible = version >= m.flexibleFrom;
  const r = new Reader(frame);
  r.int32(); // correlation id
  if (flexible && apiKey !== API.ApiVersions) r.skipTaggedFields();
  return decodeStruct(r, m.response, version, flexible);
}
