/**
 * Where a panel works: this window's embedded broker, or a configured cluster reached over the Kafka protocol.
 * The panels follow the Topics and Consumer Groups views: a panel opened (from a tree row or the palette) while
 * the views show a remote cluster works on that cluster until it is opened again while they show another one.
 * vscode-free, so the controllers' unit tests build a RemoteSource around a WireCluster on loopback.
 *
 * Rules every panel keeps on a remote source:
 *  - it reads through `cluster` (the Cluster contract, cluster.ts) or a client built on `connect()` connections;
 *  - nothing is written unless the person asked for it, and each write first awaits `confirmWrite(what)` (a
 *    cluster marked production asks once per session, naming itself; false = the person declined: write nothing);
 *  - clients a remote cluster's other users can see (group members, producers) use a client id starting
 *    `kafka-lite-` (`kafka-lite-stepper-…`, `kafka-lite-producer-…`);
 *  - what the embedded broker can tell and the wire cannot (size on disk, newest record time, open
 *    transactions of other producers) is shown as "unknown", never guessed.
 */
import type { WireCluster } from '../clusters/wire';

export interface EmbeddedSource {
  kind: 'embedded';
}

export interface RemoteSource {
  kind: 'remote';
  /** The cluster's name as the Clusters view shows it. */
  name: string;
  production: boolean;
  /** The shared connection the views use too (reads, produce without producer ids). */
  cluster: WireCluster;
  /**
   * A new connection set to the same cluster (same servers, TLS and SASL secrets) under `clientId`: one per
   * group member (a member's JoinGroup blocks its connection) or per idempotent/transactional producer. The
   * caller closes it.
   */
  connect(clientId: string): WireCluster;
  /** Before a write the person asked for; resolves false when they declined (then nothing is written). */
  confirmWrite(what: string): Promise<boolean>;
  /**
   * librdkafka properties (`name=value`) a copied kcat command needs to reach this cluster (definitions.ts
   * kcatProperties); the password appears only as `$KAFKA_PASSWORD`.
   */
  kcatProperties?: readonly string[];
}

export type PanelSource = EmbeddedSource | RemoteSource;

export const EMBEDDED_SOURCE: EmbeddedSource = { kind: 'embedded' };

/** Same place? (Two remote sources are the same when they name the same cluster over the same connection.) */
export function sameSource(a: PanelSource, b: PanelSource): boolean {
  if (a.kind === 'embedded' || b.kind === 'embedded') return a.kind === b.kind;
  return a.name === b.name && a.cluster === b.cluster;
}

/** What a panel's header says about where it works. */
export function sourceLabel(s: PanelSource): string {
  return s.kind === 'embedded' ? 'Kafka Lite (this window)' : `${s.name}${s.production ? ' (production)' : ''}`;
}
