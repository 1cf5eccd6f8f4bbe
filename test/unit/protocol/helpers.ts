/**
 * Test helpers for the protocol tier: a stand-in Broker (only what the tested APIs call, with hooks to park
 * requests) and a raw TCP client that sends hand-built frames and collects the response frames.
 */
import { EventEmitter } from 'events';
import * as net from 'net';
import type { Broker } from '../../../src/broker/broker';
import type { AppendResult, JoinGroupRequest, JoinGroupResult, TopicInfo } from '../../../src/broker/types';
import { Writer } from '../../../src/protocol/codec/writer';

export class FakeBroker {
  readonly events = new EventEmitter();
  readonly dataDir = '/tmp/kafka-lite-fake';
  readonly autoCreateTopics = true;
  readonly defaultPartitions = 1;
  isClosed = false;
  topics = new Map<string, TopicInfo>();
  appends: { topic: string; partition: number; bytes: Buffer }[] = [];
  flushes = 0;
  pendingJoins: { req: JoinGroupRequest; resolve: (r: JoinGroupResult) => void }[] = [];

  on(event: string, listener: (p: unknown) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }
  getTopic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }
  listTopics(): TopicInfo[] {
    return [...this.topics.values()];
  }
  async ensureTopic(name: string): Promise<TopicInfo | undefined> {
    if (!this.topics.has(name)) this.topics.set(name, { name, topicId: '', partitions: 1, configs: {}, createdAt: 0 });
    return this.topics.get(name);
  }
  appendRecordSet(topic: string, partition: number, bytes: Buffer): AppendResult {
    this.appends.push({ topic, partition, bytes: Buffer.from(bytes) });
    return {
      baseOffset: this.appends.length - 1,
      lastOffset: this.appends.length - 1,
      logAppendTime: -1,
      logStartOffset: 0,
      duplicate: false,
    };
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
  joinGroup(req: JoinGroupRequest): Promise<JoinGroupResult> {
    const parked = new Promise<JoinGroupResult>((resolve) => this.pendingJoins.push({ req, resolve }));
    this.events.emit('joinParked');
    return parked;
  }
  /** Resolves once `count` JoinGroups have reached the broker (no polling, no fixed wait). */
  whenJoinsParked(count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.pendingJoins.length < count) return;
        this.events.off('joinParked', check);
        resolve();
      };
      this.events.on('joinParked', check);
      check();
    });
  }
  asBroker(): Broker {
    return this as unknown as Broker;
  }
}

/** A request frame: size, api key, version, correlation id, client id (header v1), optional tagged byte (v2), body. */
export function frame(
  apiKey: number,
  version: number,
  correlationId: number,
  body: (w: Writer) => void,
  opts: { clientId?: string; headerV2?: boolean } = {},
): Buffer {
  const w = new Writer();
  w.int32(0)
    .int16(apiKey)
    .int16(version)
    .int32(correlationId)
    .nullableString(opts.clientId ?? 'test-client');
  if (opts.headerV2) w.emptyTaggedFields();
  body(w);
  w.patchInt32(0, w.length - 4);
  return w.toBuffer();
}

export class RawClient {
  readonly socket: net.Socket;
  private buf = Buffer.alloc(0);
  readonly frames: Buffer[] = [];
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0);
        this.frames.push(this.buf.subarray(4, 4 + n));
        this.buf = this.buf.subarray(4 + n);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves when `count` response frames have arrived (or rejects on close/timeout). */
  async waitFrames(count: number, timeoutMs = 3000): Promise<Buffer[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < count) {
      if (this.closed) throw new Error(`connection closed after ${this.frames.length} of ${count} frames`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out with ${this.frames.length} of ${count} frames`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.slice(0, count);
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(b: Buffer): void {
    this.socket.write(b);
  }

  end(): void {
    this.socket.destroy();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every 2 ms until it holds, or fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/** JoinGroup v2 of a new member of `group`, range protocol (the FakeBroker parks it until the test resolves it). */
export function joinGroupFrame(
  correlationId: number,
  group: string,
  opts: { clientId?: string; metadata?: Buffer } = {},
): Buffer {
  return frame(
    11,
    2,
    correlationId,
    (w) => {
      w.string(group)
        .int32(6000)
        .int32(3000)
        .string('')
        .string('consumer')
        .int32(1)
        .string('range')
        .bytes(opts.metadata ?? Buffer.from([0, 1]));
    },
    { clientId: opts.clientId },
  );
}
