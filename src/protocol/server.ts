/**
 * The Kafka wire-protocol TCP server: the only module in the project that imports 'net'. It owns connections,
 * framing (int32 size prefix; a frame above maxRequestBytes is refused from its 4-byte prefix, before anything is
 * allocated for it), request headers v1/v2, dispatch to the API modules of registry.ts, and per-connection
 * response ordering: every request takes a slot in a queue when it arrives and responses leave strictly in
 * request order, even while a Fetch long-polls or a JoinGroup waits for a rebalance. Work per event-loop turn is
 * bounded (TURN_BUDGET_BYTES of requests over all connections; the rest waits for a setImmediate, with the socket
 * paused when much is queued), so a burst of large produces does not hold the host's event loop for long.
 *
 * Memory and connections under abuse (options below, each with Kafka's name; defaults in docs/ARCHITECTURE.md,
 * "Limits"): a request is refused from its 4-byte size prefix when above maxRequestBytes, before anything is
 * allocated. Bytes of requests in flight (announced size, from the prefix until the request is answered) are
 * counted over all connections; a connection that would take the total above queuedMaxRequestBytes stops being
 * read (socket.pause) until memory is released, in arrival order (a lone request always fits, so nothing can
 * deadlock). A connection whose unsent responses (socket.writableLength) exceed maxQueuedResponseBytes is neither
 * read nor served until the socket drains: a client that never reads its responses holds one bound's worth of
 * memory, not one response per request. A connection with nothing in flight and no traffic for
 * connectionsMaxIdleMs is closed (a parked long poll is in flight, so it is not idle). A closed connection
 * releases everything it held at once.
 *
 * Bad input never reaches the engine: an unknown API key, an unsupported version (other than ApiVersions, which
 * gets Kafka's v0-format error 35 answer), a truncated or garbled body, or an oversized frame closes that one
 * connection with one log line naming the client, API, version and problem. Other connections are untouched.
 * Called by src/cli.ts and the extension; talks only to the Broker facade.
 */
import { createHash } from 'crypto';
import { EventEmitter } from 'events';
import * as net from 'net';
import type { Broker } from '../broker/broker';
import { giveBackReadBuffer, isReadBuffer } from '../broker/storage/read-buffers';
import type { ApiModule, LogLevel, RequestContext, ClusterIdentity } from './apis/api';
import { Reader } from './codec/reader';
import { decodeStruct, encodeStruct } from './codec/schema';
import { Writer } from './codec/writer';
import { FramePool } from './frame-pool';
import { advertised, API_BY_KEY, API_VERSIONS_KEY, PRODUCE_KEY } from './registry';

export interface KafkaServerOptions {
  broker: Broker;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 9092; 0 picks a free port. */
  port?: number;
  /** Largest request accepted, checked from its size prefix (Kafka: socket.request.max.bytes); default 100 MiB. */
  maxRequestBytes?: number;
  /** Old name of maxRequestBytes. */
  maxFrameBytes?: number;
  /**
   * Request bytes held in memory over all connections (Kafka: queued.max.request.bytes); past it connections
   * are not read until requests are answered. Default 128 MiB.
   */
  queuedMaxRequestBytes?: number;
  /**
   * Unsent response bytes per connection above which its requests are not read or handled until the socket
   * drains (Kafka sends one response per connection at a time, which bounds the same thing). Default 4 MiB; a
   * value below the socket's write high-water mark (16 KiB) acts as that mark.
   */
  maxQueuedResponseBytes?: number;
  /** Close a connection with nothing in flight after this long without traffic (Kafka: connections.max.idle.ms); default 10 minutes; 0 never. */
  connectionsMaxIdleMs?: number;
  logger?: (level: LogLevel, message: string) => void;
  /** Host advertised in Metadata/FindCoordinator; default the listening IPv4 literal (127.0.0.1 for wildcards). */
  advertisedHost?: string;
  /** Port advertised in Metadata/FindCoordinator; default the listening port (tests put a proxy in front). */
  advertisedPort?: number;
  /** Broker node id advertised to clients; default 1. */
  nodeId?: number;
}

export interface ConnectionEvent {
  id: number;
  remote: string;
  clientId?: string;
}

/** What the limits hold back right now (for tests and diagnostics). */
export interface ServerPressure {
  /** Request bytes in memory (announced sizes of requests read, being read or in flight), all connections. */
  heldRequestBytes: number;
  /** Connections not read until request memory is released. */
  waitingForMemory: number;
  /** Connections not read or served until their socket drains (unsent responses above the bound). */
  waitingForDrain: number;
  /** Unsent response bytes, all connections (sum of socket.writableLength). */
  queuedResponseBytes: number;
}

export interface KafkaServer extends EventEmitter {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
  connectionCount(): number;
  pressure(): ServerPressure;
  on(event: 'connection' | 'disconnect', listener: (e: ConnectionEvent) => void): this;
}

const DEFAULT_MAX_REQUEST = 100 * 1024 * 1024;
const DEFAULT_QUEUED_MAX_REQUEST = 128 * 1024 * 1024;
const DEFAULT_MAX_QUEUED_RESPONSE = 4 * 1024 * 1024;
const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 10 * 60 * 1000;
/**
 * Request work done per event-loop iteration, all connections together: at most this many bytes of frames and
 * this many milliseconds. A produce costs time in proportion to its size (CRC-32C, write); past the budget the
 * remaining frames wait, so timers and other I/O of the host (the VS Code extension host) run in between. The
 * first frame of an iteration is always handled. The budget is renewed from a timer, i.e. in the timers phase at
 * the start of the next iteration (a setImmediate would renew it within the same iteration's check phase, before
 * the deferred frames run, and let one iteration do several budgets' worth of work).
 */
const TURN_BUDGET_BYTES = 1024 * 1024;
const TURN_BUDGET_MS = 4;
/** Frames queued past the budget above this many bytes pause the socket (TCP backpressure) until handled. */
const PAUSE_QUEUED_BYTES = 4 * 1024 * 1024;
const UNSUPPORTED_VERSION = 35;
/** Produce frames at least this large that span socket reads are assembled in pooled buffers (frame-pool.ts). */
const POOLED_FRAME_MIN = 64 * 1024;

/** A stable cluster id per data directory: 16 bytes of its path's hash, base64url (22 chars, like Kafka's). */
export function clusterIdFor(dataDir: string): string {
  return createHash('sha256').update(`kafka-lite:${dataDir}`).digest().subarray(0, 16).toString('base64url');
}

interface Slot {
  done: boolean;
  out: Buffer[] | null;
}

class Connection {
  readonly remote: string;
  readonly remoteHost: string;
  clientId: string | undefined;
  /** The 4-byte size prefix when it arrives split across chunks. */
  private readonly head = Buffer.alloc(4);
  private headFilled = 0;
  /** A frame being assembled from several chunks, and the pooled buffer it lives in (null: not pooled). */
  private partial: Buffer | null = null;
  private partialParent: Buffer | null = null;
  private partialFilled = 0;
  private queue: Slot[] = [];
  /** Complete frames waiting for a later turn (the budget was spent); handled strictly in arrival order. */
  private deferred: { frame: Buffer; parent: Buffer | null }[] = [];
  private deferredBytes = 0;
  private deferredScheduled = false;
  private paused = false;
  /** Waiting for request memory: the announced size of the next frame, and the unread rest of the input. */
  waitingSize = 0;
  private stash: Buffer[] = [];
  /** Unsent responses are above the bound: nothing is read or handled until 'drain'. */
  writeBlocked = false;
  /** Request bytes this connection holds in the server's account (released as requests are answered). */
  private held = 0;
  private closed = false;
  private closeCallbacks = new Set<() => void>();

  constructor(
    readonly id: number,
    readonly socket: net.Socket,
    private readonly server: Server,
  ) {
    this.remoteHost = socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'unknown';
    this.remote = `${this.remoteHost}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => this.shutdown());
    socket.on('close', () => this.shutdown());
    socket.on('drain', () => this.onDrain());
    if (server.connectionsMaxIdleMs > 0) {
      socket.setTimeout(server.connectionsMaxIdleMs);
      socket.on('timeout', () => this.onIdle());
    }
  }

  /** No traffic for connectionsMaxIdleMs: close, unless a request is in flight (e.g. a parked long poll). */
  private onIdle(): void {
    if (this.closed) return;
    if (this.queue.length > 0 || this.deferred.length > 0 || this.waitingSize > 0 || this.socket.writableLength > 0) {
      this.socket.setTimeout(this.server.connectionsMaxIdleMs); // busy, not idle: look again later
      return;
    }
    this.server.log(
      'info',
      `${this.who}: idle for ${this.server.connectionsMaxIdleMs} ms (connections.max.idle.ms); closing the connection`,
    );
    this.socket.destroy();
    this.shutdown();
  }

  /** Pause or resume reading the socket: paused while any limit holds this connection back. */
  private updateReading(): void {
    if (this.closed) return;
    const hold = this.waitingSize > 0 || this.writeBlocked || this.deferredBytes >= PAUSE_QUEUED_BYTES;
    if (hold && !this.paused) {
      this.paused = true;
      this.socket.pause();
    } else if (!hold && this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onDrain(): void {
    if (this.closed || !this.writeBlocked) return;
    this.writeBlocked = false;
    this.server.drained(this);
    this.updateReading();
    if (this.deferred.length > 0) this.scheduleDeferred();
  }

  /** Account `bytes` more request memory to this connection (the server checked they fit). */
  hold(bytes: number): void {
    this.held += bytes;
  }

  private releaseHeld(bytes: number): void {
    const n = Math.min(bytes, this.held);
    this.held -= n;
    this.server.releaseRequestBytes(n);
  }

  /** The server found memory for the frame this connection waits to read: carry on with the unread input. */
  memoryGranted(): void {
    if (this.closed) return;
    const size = this.waitingSize;
    this.waitingSize = 0;
    // the stash starts with the input that follows the size prefix: the frame's first bytes
    const rest = this.stash.shift()!;
    this.beginFrame(size, rest, 0);
    if (this.closed) return;
    // a frame begun but not complete is filled by framing the same input; a complete one was admitted
    if (this.partial !== null) this.stash.unshift(rest);
    else if (rest.length > size) this.stash.unshift(rest.subarray(size));
    this.updateReading();
    this.consumeStash();
  }

  /** Feed stashed chunks (read before the socket paused) through framing, stopping again if held back. */
  private consumeStash(): void {
    while (this.stash.length > 0 && this.waitingSize === 0 && !this.closed) {
      const chunk = this.stash.shift()!;
      this.consume(chunk);
    }
  }

  get who(): string {
    return `client ${JSON.stringify(this.clientId ?? '?')} (${this.remote}, connection ${this.id})`;
  }

  onClose(cb: () => void): () => void {
    if (this.closed) {
      cb();
      return () => {};
    }
    this.closeCallbacks.add(cb);
    return () => this.closeCallbacks.delete(cb);
  }

  /** Close this connection after a protocol violation, with one log line. */
  reject(message: string): void {
    if (this.closed) return;
    this.server.log('warn', `${this.who}: ${message}; closing the connection`);
    this.socket.destroy();
    this.shutdown();
  }

  shutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.partial = null;
    this.partialParent = null;
    this.queue = [];
    this.deferred = [];
    this.deferredBytes = 0;
    this.stash = [];
    // everything this connection held is released at once (requests still running release nothing twice)
    this.server.forgetWaiter(this);
    this.waitingSize = 0;
    this.releaseHeld(this.held);
    if (this.writeBlocked) {
      this.writeBlocked = false;
      this.server.drained(this);
    }
    for (const cb of [...this.closeCallbacks]) {
      try {
        cb();
      } catch {
        // a long poll's cleanup must not break the others
      }
    }
    this.closeCallbacks.clear();
    if (!this.socket.destroyed) this.socket.destroy();
    this.server.connectionClosed(this);
  }

  /**
   * Framing without re-buffering: a frame wholly inside the chunk that brought it is handled as a view (no
   * copy); a frame spread over chunks gets one buffer of its announced size (after the limit check) that the
   * following chunks are copied into as they arrive, so a large produce never costs one big burst of copying.
   */
  private onData(chunk: Buffer): void {
    if (this.waitingSize > 0 || this.stash.length > 0) {
      // read before the pause took effect, or while waiting for memory: kept in order for later
      this.stash.push(chunk);
      return;
    }
    this.consume(chunk);
  }

  private consume(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.closed) {
      if (this.partial) {
        const n = Math.min(this.partial.length - this.partialFilled, chunk.length - pos);
        chunk.copy(this.partial, this.partialFilled, pos, pos + n);
        this.partialFilled += n;
        pos += n;
        if (this.partialFilled === this.partial.length) {
          const frame = this.partial;
          const parent = this.partialParent;
          this.partial = null;
          this.partialParent = null;
          this.admit(frame, parent);
        }
        continue;
      }
      if (this.headFilled > 0 || chunk.length - pos < 4) {
        const n = Math.min(4 - this.headFilled, chunk.length - pos);
        chunk.copy(this.head, this.headFilled, pos, pos + n);
        this.headFilled += n;
        pos += n;
        if (this.headFilled < 4) return;
        this.headFilled = 0;
        if (!this.startFrame(this.head.readInt32BE(0), chunk, pos)) return;
        if (this.partial === null && !this.closed) pos += this.lastFrameSize;
        continue;
      }
      const size = chunk.readInt32BE(pos);
      pos += 4;
      if (!this.startFrame(size, chunk, pos)) return;
      if (this.partial === null && !this.closed) pos += this.lastFrameSize;
    }
  }

  private lastFrameSize = 0;

  /**
   * A size prefix was read: check it, take request memory for it, then handle the frame at chunk[pos..] now if it
   * is all there, else start assembling it. False when the connection closed or must wait for memory (the rest of
   * the chunk is then stashed and reading paused; memoryGranted() carries on).
   */
  private startFrame(size: number, chunk: Buffer, pos: number): boolean {
    const limit = this.server.maxRequestBytes;
    if (size < 8 || size > limit) {
      this.reject(
        size > limit
          ? `request of ${size} bytes exceeds the ${limit}-byte limit (socket.request.max.bytes)`
          : `invalid request frame size ${size} (not a Kafka client?)`,
      );
      return false;
    }
    if (!this.server.reserveRequestBytes(this, size)) {
      this.waitingSize = size;
      this.stash.unshift(chunk.subarray(pos));
      this.updateReading();
      return false;
    }
    this.beginFrame(size, chunk, pos);
    return !this.closed;
  }

  /** The frame's memory is accounted: handle it now if it is all in chunk[pos..], else start assembling it. */
  private beginFrame(size: number, chunk: Buffer, pos: number): void {
    this.lastFrameSize = 0;
    if (chunk.length - pos >= size) {
      this.lastFrameSize = size;
      this.admit(chunk.subarray(pos, pos + size), null);
      return;
    }
    if (size >= POOLED_FRAME_MIN && chunk.length - pos >= 2 && chunk.readInt16BE(pos) === PRODUCE_KEY) {
      const { view, parent } = this.server.framePool.take(size);
      this.partial = view;
      this.partialParent = parent;
    } else {
      this.partial = Buffer.allocUnsafe(size);
      this.partialParent = null;
    }
    this.partialFilled = 0;
  }

  /** A complete frame: handle it now when the turn's budget allows and nothing is waiting, else queue it. */
  private admit(frame: Buffer, parent: Buffer | null): void {
    if (this.deferred.length === 0 && !this.writeBlocked && this.server.mayWork(frame.length)) {
      this.server.spend(frame.length);
      this.handleFrame(frame, parent);
      return;
    }
    this.deferred.push({ frame, parent });
    this.deferredBytes += frame.length;
    this.updateReading();
    if (!this.writeBlocked) this.scheduleDeferred();
  }

  private scheduleDeferred(): void {
    if (this.deferredScheduled) return;
    this.deferredScheduled = true;
    setImmediate(() => this.runDeferred());
  }

  private runDeferred(): void {
    this.deferredScheduled = false;
    while (
      !this.closed &&
      !this.writeBlocked &&
      this.deferred.length > 0 &&
      this.server.mayWork(this.deferred[0].frame.length)
    ) {
      const { frame, parent } = this.deferred.shift()!;
      this.deferredBytes -= frame.length;
      this.server.spend(frame.length);
      this.handleFrame(frame, parent);
    }
    if (this.closed) return;
    if (this.deferred.length > 0 && !this.writeBlocked) this.scheduleDeferred();
    this.updateReading();
  }

  /** `parent`: the pooled buffer holding the frame, given back once the request has been answered. */
  private handleFrame(body: Buffer, parent: Buffer | null): void {
    let pooled = parent;
    let accounted = body.length;
    const release = () => {
      if (pooled) this.server.framePool.give(pooled);
      pooled = null;
      this.releaseHeld(accounted);
      accounted = 0;
    };
    const r = new Reader(body);
    let apiKey = -1;
    let version = -1;
    let correlationId = -1;
    let api: ApiModule | undefined;
    let req: Record<string, unknown>;
    let flexible = false;
    try {
      apiKey = r.int16();
      version = r.int16();
      correlationId = r.int32();
      api = API_BY_KEY.get(apiKey);
      const clientId = r.nullableString() ?? '';
      if (this.clientId === undefined) this.server.identified(this, clientId);
      this.clientId = clientId;
      if (!api) {
        release();
        this.reject(`unknown API key ${apiKey} (version ${version}, correlation id ${correlationId})`);
        return;
      }
      if (version < api.minVersion || version > api.maxVersion) {
        release();
        if (apiKey === API_VERSIONS_KEY) {
          this.answerUnsupportedApiVersions(correlationId, version);
          return;
        }
        this.reject(`${api.name} version ${version} is not supported (supported: ${api.minVersion}-${api.maxVersion})`);
        return;
      }
      flexible = version >= api.flexibleFrom;
      if (flexible) r.skipTaggedFields();
      req = decodeStruct(r, api.request, version, flexible);
    } catch (e) {
      release();
      const what = api ? `${api.name} v${version}` : `API key ${apiKey} v${version}`;
      this.reject(`malformed ${what} request (correlation id ${correlationId}): ${(e as Error).message}`);
      return;
    }
    const slot: Slot = { done: false, out: null };
    this.queue.push(slot);
    const ctx: RequestContext = {
      broker: this.server.broker,
      cluster: this.server.cluster,
      apiVersion: version,
      clientId: this.clientId ?? '',
      clientHost: this.remoteHost,
      connectionId: this.id,
      log: (level, message) => this.server.log(level, message),
      onClose: (cb) => this.onClose(cb),
    };
    const module = api;
    const fail = (e: unknown) => {
      release();
      this.server.log('error', `${this.who}: ${module.name} v${version} failed: ${(e as Error)?.stack ?? String(e)}`);
      this.reject(`${module.name} v${version} could not be answered`);
    };
    const respond = (resp: unknown) => {
      release();
      if (this.closed) return;
      try {
        slot.out =
          resp === null ? null : this.encode(module, version, flexible, correlationId, resp as Record<string, unknown>);
      } catch (e) {
        fail(e);
        return;
      }
      slot.done = true;
      this.drain();
    };
    try {
      const result = module.handle(ctx, req);
      if (result instanceof Promise) result.then(respond, fail);
      else respond(result);
    } catch (e) {
      fail(e);
    }
  }

  private encode(
    api: ApiModule,
    version: number,
    flexible: boolean,
    correlationId: number,
    resp: Record<string, unknown>,
  ): Buffer[] {
    const w = new Writer();
    w.int32(0); // size, patched below
    w.int32(correlationId);
    // response header v1 (tagged fields) for flexible versions, except ApiVersions: always header v0
    if (flexible && api.apiKey !== API_VERSIONS_KEY) w.emptyTaggedFields();
    encodeStruct(w, api.response, version, flexible, resp);
    const size = w.length - 4;
    w.patchInt32(0, size);
    return w.finish();
  }

  private answerUnsupportedApiVersions(correlationId: number, version: number): void {
    this.server.log(
      'info',
      `${this.who}: ApiVersions v${version} is not supported; answering with error 35 and the supported list`,
    );
    const w = new Writer();
    w.int32(0).int32(correlationId).int16(UNSUPPORTED_VERSION);
    w.arrayLength(advertised.length);
    for (const a of advertised) w.int16(a.apiKey).int16(a.minVersion).int16(a.maxVersion);
    w.patchInt32(0, w.length - 4);
    this.queue.push({ done: true, out: w.finish() });
    this.drain();
  }

  private drain(): void {
    if (this.closed) return;
    let corked = false;
    while (this.queue.length > 0 && this.queue[0].done) {
      const slot = this.queue.shift()!;
      if (!slot.out) continue;
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      // Read slabs in a Fetch response go back to the storage's free list once the socket has taken them.
      let slabs: Buffer[] | null = null;
      for (const chunk of slot.out) if (isReadBuffer(chunk)) (slabs ??= []).push(chunk);
      const last = slot.out.length - 1;
      for (let i = 0; i < last; i++) this.socket.write(slot.out[i]);
      if (slabs) {
        const given = slabs;
        this.socket.write(slot.out[last], () => {
          for (const b of given) giveBackReadBuffer(b);
        });
      } else if (last >= 0) this.socket.write(slot.out[last]);
    }
    if (corked) this.socket.uncork();
    // A socket says it drained ('drain') only after a write it refused (its queue reached writableHighWaterMark,
    // 16 KiB): below that the connection must not wait for it, or it waits forever.
    const blocked = this.socket.writableLength > this.server.maxQueuedResponseBytes && this.socket.writableNeedDrain;
    if (!this.writeBlocked && blocked) {
      // the client is not reading: stop taking its requests until the socket drains ('drain' -> onDrain)
      this.writeBlocked = true;
      this.server.writeBlockedOn(this);
      this.updateReading();
    }
  }

  get unsentBytes(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }
}

class Server extends EventEmitter implements KafkaServer {
  host = '';
  port = 0;
  readonly maxRequestBytes: number;
  readonly queuedMaxRequestBytes: number;
  readonly maxQueuedResponseBytes: number;
  readonly connectionsMaxIdleMs: number;
  readonly broker: Broker;
  readonly framePool = new FramePool();
  cluster!: ClusterIdentity;
  private readonly connections = new Map<number, Connection>();
  /** Request bytes handled in this event-loop iteration and when it started (renewed by a timer). */
  private turnBytes = 0;
  private turnResetScheduled = false;
  private turnStart = 0;
  private nextId = 1;
  /** Request memory accounted over all connections, and the connections waiting for some, in arrival order. */
  private heldRequestBytes = 0;
  private readonly memoryWaiters = new Set<Connection>();
  private readonly drainWaiters = new Set<Connection>();
  private granting = false;
  private readonly netServer: net.Server;
  private readonly logger: (level: LogLevel, message: string) => void;

  constructor(private readonly opts: KafkaServerOptions) {
    super();
    this.broker = opts.broker;
    this.maxRequestBytes = opts.maxRequestBytes ?? opts.maxFrameBytes ?? DEFAULT_MAX_REQUEST;
    this.queuedMaxRequestBytes = opts.queuedMaxRequestBytes ?? DEFAULT_QUEUED_MAX_REQUEST;
    this.maxQueuedResponseBytes = opts.maxQueuedResponseBytes ?? DEFAULT_MAX_QUEUED_RESPONSE;
    this.connectionsMaxIdleMs = opts.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS;
    this.logger = opts.logger ?? (() => {});
    this.netServer = net.createServer((socket) => this.accept(socket));
  }

  log(level: LogLevel, message: string): void {
    this.logger(level, message);
  }

  /**
   * Take `bytes` of request memory for `conn`, or refuse (the connection then waits, in arrival order). A
   * request always fits when nothing else is held, so a single request up to maxRequestBytes never waits forever.
   */
  reserveRequestBytes(conn: Connection, bytes: number): boolean {
    const fits =
      (this.memoryWaiters.size === 0 || this.granting) &&
      (this.heldRequestBytes === 0 || this.heldRequestBytes + bytes <= this.queuedMaxRequestBytes);
    if (!fits) {
      this.memoryWaiters.add(conn);
      return false;
    }
    this.heldRequestBytes += bytes;
    conn.hold(bytes);
    return true;
  }

  releaseRequestBytes(bytes: number): void {
    if (bytes <= 0) return;
    this.heldRequestBytes -= bytes;
    this.grantWaiters();
  }

  /** Hand released memory to waiting connections, first come first served, while it fits. */
  private grantWaiters(): void {
    if (this.granting) return;
    this.granting = true;
    try {
      for (const conn of this.memoryWaiters) {
        const size = conn.waitingSize;
        if (this.heldRequestBytes > 0 && this.heldRequestBytes + size > this.queuedMaxRequestBytes) break;
        this.memoryWaiters.delete(conn);
        this.heldRequestBytes += size;
        conn.hold(size);
        conn.memoryGranted();
      }
    } finally {
      this.granting = false;
    }
  }

  forgetWaiter(conn: Connection): void {
    if (this.memoryWaiters.delete(conn)) this.grantWaiters();
  }

  writeBlockedOn(conn: Connection): void {
    this.drainWaiters.add(conn);
  }

  drained(conn: Connection): void {
    this.drainWaiters.delete(conn);
  }

  pressure(): ServerPressure {
    let queuedResponseBytes = 0;
    for (const c of this.connections.values()) queuedResponseBytes += c.unsentBytes;
    return {
      heldRequestBytes: this.heldRequestBytes,
      waitingForMemory: this.memoryWaiters.size,
      waitingForDrain: this.drainWaiters.size,
      queuedResponseBytes,
    };
  }

  /** May a frame of `bytes` be handled in this iteration? The first one always may. */
  mayWork(bytes: number): boolean {
    if (this.turnBytes === 0) return true;
    return this.turnBytes + bytes <= TURN_BUDGET_BYTES && performance.now() - this.turnStart < TURN_BUDGET_MS;
  }

  spend(bytes: number): void {
    if (this.turnBytes === 0) this.turnStart = performance.now();
    this.turnBytes += bytes;
    if (this.turnResetScheduled) return;
    this.turnResetScheduled = true;
    setTimeout(() => {
      this.turnBytes = 0;
      this.turnResetScheduled = false;
    }, 0);
  }

  async listen(): Promise<void> {
    const host = this.opts.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.netServer.once('error', onError);
      this.netServer.listen(this.opts.port ?? 9092, host, () => {
        this.netServer.off('error', onError);
        resolve();
      });
    });
    this.netServer.on('error', (e) => this.log('error', `listener error: ${e.message}`));
    const addr = this.netServer.address() as net.AddressInfo;
    this.port = addr.port;
    this.host = addr.address;
    const advertisedHost =
      this.opts.advertisedHost ?? (net.isIPv4(addr.address) && addr.address !== '0.0.0.0' ? addr.address : '127.0.0.1');
    this.cluster = {
      nodeId: this.opts.nodeId ?? 1,
      host: advertisedHost,
      port: this.opts.advertisedPort ?? this.port,
      clusterId: clusterIdFor(this.broker.dataDir),
    };
  }

  private accept(socket: net.Socket): void {
    const conn = new Connection(this.nextId++, socket, this);
    this.connections.set(conn.id, conn);
    this.emit('connection', { id: conn.id, remote: conn.remote } satisfies ConnectionEvent);
  }

  identified(conn: Connection, clientId: string): void {
    this.log('info', `connection ${conn.id} from ${conn.remote}: client id ${JSON.stringify(clientId)}`);
  }

  connectionClosed(conn: Connection): void {
    if (!this.connections.delete(conn.id)) return;
    if (conn.clientId !== undefined)
      this.log('info', `connection ${conn.id} (client ${JSON.stringify(conn.clientId)}) closed`);
    this.emit('disconnect', { id: conn.id, remote: conn.remote, clientId: conn.clientId } satisfies ConnectionEvent);
  }

  connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.netServer.close(() => resolve()));
    for (const c of [...this.connections.values()]) c.shutdown();
    await closed;
  }
}

export async function startKafkaServer(opts: KafkaServerOptions): Promise<KafkaServer> {
  const server = new Server(opts);
  await server.listen();
  return server;
}
