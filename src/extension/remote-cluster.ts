/**
 * RemoteClusterSnapshot: the views' ClusterReader for a broker this window does not own — the broker of the
 * window that holds the data-directory lock — read over the Kafka protocol. It is a ClusterSnapshot
 * (clusters/snapshot.ts: one consistent snapshot per refresh, lag by computeGroupLag, "unknown" for size on disk
 * and newest record time) over a plaintext WireCluster with short timeouts and one retry, so a dead owner fails
 * fast. kafkajs logs nothing.
 *
 * vscode-free (unit-tested against a real broker); used by BrokerHost in the 'external' state.
 */
import { ClusterSnapshot } from './clusters/snapshot';
import { WireCluster } from './clusters/wire';

export interface RemoteClusterOptions {
  /** Per-request timeout (ms); default 3000. */
  requestTimeoutMs?: number;
  /** Connection timeout (ms); default 1500. */
  connectionTimeoutMs?: number;
}

export class RemoteClusterSnapshot extends ClusterSnapshot {
  constructor(
    readonly host: string,
    readonly port: number,
    opts: RemoteClusterOptions = {},
  ) {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    super(
      new WireCluster({
        name: address,
        brokers: [address],
        clientId: 'kafka-lite-views',
        connectionTimeoutMs: opts.connectionTimeoutMs ?? 1500,
        requestTimeoutMs: opts.requestTimeoutMs ?? 3000,
        retries: 1,
      }),
    );
  }

  get address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }
}
