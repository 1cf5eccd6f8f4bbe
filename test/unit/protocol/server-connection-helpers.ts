/**
 * Helpers for the connection tests of the protocol server (server-connection.test.ts): the server-side socket of
 * each accepted connection (found as the server turns Nagle off on it), a broker whose DescribeGroups answer can
 * be made slow (to spend an event-loop turn's time budget) or large (to fill a socket), and request frames of an
 * exact size. Nothing here changes what the server does: the tests use the server-side socket only to make the
 * network behave as it would under load (cork it: the kernel takes no more bytes; emit 'timeout': the idle timer
 * ran out) and to see whether the server reads it (isPaused).
 */
import * as net from 'net';
import type { GroupDescription } from '../../../src/broker/types';
import type { Writer } from '../../../src/protocol/codec/writer';
import { FakeBroker, frame } from './helpers';

/** Every socket on which setNoDelay was called while installed, with the value asked for. */
export class AcceptedSockets {
  readonly seen: { socket: net.Socket; noDelay: boolean }[] = [];
  private readonly original = net.Socket.prototype.setNoDelay;

  install(): void {
    const seen = this.seen;
    const original = this.original;
    net.Socket.prototype.setNoDelay = function (this: net.Socket, noDelay?: boolean) {
      seen.push({ socket: this, noDelay: noDelay !== false });
      return original.call(this, noDelay);
    };
  }

  restore(): void {
    net.Socket.prototype.setNoDelay = this.original;
    this.seen.length = 0;
  }

  /** The server's end of the connection whose client end is `client` (waits until the server accepted it). */
  async serverEndOf(client: net.Socket, serverPort: number): Promise<{ socket: net.Socket; noDelay: boolean }> {
    const localPort = client.localPort;
    for (let i = 0; i < 500; i++) {
      const found = this.seen.find((s) => s.socket.localPort === serverPort && s.socket.remotePort === localPort);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`the server never accepted the connection from port ${localPort}`);
  }
}

/** A FakeBroker whose groups answer DescribeGroups after `spinMs` of busy work, with `metadataBytes` of metadata. */
export class GroupsBroker extends FakeBroker {
  readonly groups = new Map<string, { spinMs: number; metadataBytes: number }>();

  /** Every partition is empty (offsets 0..0), so a Fetch from offset 0 parks until its MaxWaitMs. */
  partitionInfo(): { logStartOffset: number; logEndOffset: number; lastStableOffset: number } {
    return { logStartOffset: 0, logEndOffset: 0, lastStableOffset: 0 };
  }

  /** Append subscriptions currently held (a parked Fetch holds one per broker). */
  appendListeners(): number {
    return this.events.listenerCount('append');
  }

  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId) ?? { spinMs: 0, metadataBytes: 0 };
    const until = performance.now() + g.spinMs;
    while (performance.now() < until) {
      // busy: a handler that costs this much event-loop time
    }
    return {
      groupId,
      state: 'Stable',
      protocolType: 'consumer',
      protocol: 'range',
      generationId: 1,
      leader: 'member-1',
      members: [
        {
          memberId: 'member-1',
          groupInstanceId: null,
          clientId: 'app',
          clientHost: '/127.0.0.1',
          metadata: Buffer.alloc(g.metadataBytes, 7),
          assignment: Buffer.alloc(0),
          assignedPartitions: [],
        },
      ],
    };
  }
}

/** DescribeGroups v0 of one group. */
export function describeGroupFrame(correlationId: number, groupId: string): Buffer {
  return frame(15, 0, correlationId, (w) => w.int32(1).string(groupId));
}

/** ApiVersions v0 (a request answered at once, without the broker). */
export function apiVersionsFrame(correlationId: number): Buffer {
  return frame(18, 0, correlationId, () => {});
}

/** An ApiVersions v0 request of exactly `total` bytes after its size prefix (the padding is never read). */
export function paddedApiVersions(total: number, correlationId: number): Buffer {
  const base = apiVersionsFrame(correlationId);
  const out = Buffer.alloc(4 + total, 0x55);
  base.copy(out);
  out.writeInt32BE(total, 0);
  return out;
}

/** A size prefix announcing `size` bytes, with nothing after it: the request is never completed. */
export function prefixOnly(size: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(size);
  return b;
}

/** Produce v7 with acks=0 (no response) of one record batch of `size` bytes filled with `fill` (only its header is real). */
export function produceAcks0Frame(correlationId: number, topic: string, fill: number, size = 70): Buffer {
  const batch = Buffer.alloc(size, fill);
  batch.writeInt32BE(batch.length - 12, 8);
  batch[16] = 2;
  return frame(0, 7, correlationId, (w: Writer) => {
    w.nullableString(null).int16(0).int32(1000).int32(1).string(topic).int32(1).int32(0).bytes(batch);
  });
}

/** Fetch v4 of partition 0 of `topic` from offset 0: MaxWaitMs `maxWaitMs`, MinBytes 1. */
export function fetchFrame(correlationId: number, topic: string, maxWaitMs: number): Buffer {
  return frame(1, 4, correlationId, (w) => {
    w.int32(-1)
      .int32(maxWaitMs)
      .int32(1)
      .int32(1024 * 1024)
      .int8(0);
    w.int32(1)
      .string(topic)
      .int32(1)
      .int32(0)
      .int64(0)
      .int32(1024 * 1024);
  });
}

/** Resolves after `n` turns of the event loop (setImmediate), so that deferred work had its chance to run. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}
