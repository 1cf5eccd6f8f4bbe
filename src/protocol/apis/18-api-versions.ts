/**
 * ApiVersions (key 18), v0-5. Lists exactly the APIs and version ranges the registry implements. The response
 * header is always header v0 (no tagged-field byte, even for v3+); the server special-cases that, and answers an
 * unsupported ApiVersions version with a v0-format body carrying error 35 and the full list.
 * v3+ also carry features (tagged fields): this broker supports and has finalized one, metadata.version, at
 * level 25 (4.0-IV3, the metadata version of Kafka 4.0, whose protocol floors this broker follows), finalized
 * features epoch 0; the level is fixed (UpdateFeatures is not implemented), so it is advertised as the only
 * supported level. Nothing here is kept in a metadata log: the level only tells the tools and the Admin client
 * which Kafka this behaves like (`kafka-features.sh describe`). v4 is v3 with a minimum of 0 allowed in
 * SupportedFeatures (no feature here has one). v5 lets a
 * client name the cluster and node it believes it is talking to (the Java client does once it has metadata):
 * when either differs from this broker's (e.g. a different data directory now serves the same port), the answer
 * is REBOOTSTRAP_REQUIRED (129) and the client fetches fresh metadata from its bootstrap servers.
 */
import { arr, f } from '../codec/schema';
import { defineApi } from './api';

export interface ApiVersionsResponse {
  errorCode: number;
  apiKeys: { apiKey: number; minVersion: number; maxVersion: number }[];
  throttleTimeMs: number;
  supportedFeatures?: { name: string; minVersion: number; maxVersion: number }[];
  finalizedFeaturesEpoch?: number;
  finalizedFeatures?: { name: string; maxVersionLevel: number; minVersionLevel: number }[];
}

/** metadata.version 4.0-IV3 (Kafka's MetadataVersion feature level 25). */
export const METADATA_VERSION_LEVEL = 25;

// transaction.version is deliberately NOT advertised here: a finalized transaction.version 2 makes the 4.x
// producer use the KIP-890 v2 transaction protocol, and whether this broker offers it is the transactions work's
// decision. group.version, share.version and streams.version are not advertised either: their group protocols
// (ConsumerGroupHeartbeat, ShareGroupHeartbeat, StreamsGroupHeartbeat) are not implemented.
const FEATURES: Pick<ApiVersionsResponse, 'supportedFeatures' | 'finalizedFeaturesEpoch' | 'finalizedFeatures'> = {
  supportedFeatures: [
    { name: 'metadata.version', minVersion: METADATA_VERSION_LEVEL, maxVersion: METADATA_VERSION_LEVEL },
  ],
  // -1 would mean "no finalized features" (the Java client then ignores them); the features never change: 0
  finalizedFeaturesEpoch: 0,
  finalizedFeatures: [
    { name: 'metadata.version', maxVersionLevel: METADATA_VERSION_LEVEL, minVersionLevel: METADATA_VERSION_LEVEL },
  ],
};

/** Filled in by the registry (avoids an import cycle). */
export const advertised: { apiKey: number; minVersion: number; maxVersion: number }[] = [];

const REBOOTSTRAP_REQUIRED = 129;

export const apiVersions = defineApi<
  { clientSoftwareName: string; clientSoftwareVersion: string; clusterId: string | null; nodeId: number },
  ApiVersionsResponse
>({
  apiKey: 18,
  name: 'ApiVersions',
  minVersion: 0,
  maxVersion: 5,
  flexibleFrom: 3,
  request: [
    f('clientSoftwareName', 'string', '3+'),
    f('clientSoftwareVersion', 'string', '3+'),
    f('clusterId', 'string', '5+', { nullable: true }),
    f('nodeId', 'int32', '5+', { def: -1 }),
  ],
  response: [
    f('errorCode', 'int16'),
    arr('apiKeys', [f('apiKey', 'int16'), f('minVersion', 'int16'), f('maxVersion', 'int16')]),
    f('throttleTimeMs', 'int32', '1+'),
    arr('supportedFeatures', [f('name', 'string'), f('minVersion', 'int16'), f('maxVersion', 'int16')], '3+', {
      tag: 0,
    }),
    f('finalizedFeaturesEpoch', 'int64', '3+', { tag: 1, def: -1 }),
    arr(
      'finalizedFeatures',
      [f('name', 'string'), f('maxVersionLevel', 'int16'), f('minVersionLevel', 'int16')],
      '3+',
      { tag: 2 },
    ),
    f('zkMigrationReady', 'bool', '3+', { tag: 3, def: false }),
  ],
  handle(ctx, req) {
    const { cluster } = ctx;
    const otherCluster = req.clusterId !== null && req.clusterId !== cluster.clusterId;
    const otherNode = req.nodeId >= 0 && req.nodeId !== cluster.nodeId;
    if (otherCluster || otherNode) {
      ctx.log(
        'info',
        `client ${ctx.clientId}: expected cluster ${req.clusterId ?? '?'} node ${req.nodeId}, but this is cluster ` +
          `${cluster.clusterId} node ${cluster.nodeId}; answering REBOOTSTRAP_REQUIRED so it refreshes its metadata`,
      );
      return { errorCode: REBOOTSTRAP_REQUIRED, apiKeys: advertised, throttleTimeMs: 0, ...FEATURES };
    }
    return { errorCode: 0, apiKeys: advertised, throttleTimeMs: 0, ...FEATURES };
  },
});
