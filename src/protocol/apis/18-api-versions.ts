/**
 * ApiVersions (key 18), v0-5. Lists exactly the APIs and version ranges the registry implements. The response
 * header is always header v0 (no tagged-field byte, even for v3+); the server special-cases that, and answers an
 * unsupported ApiVersions version with a v0-format body carrying error 35 and the full list.
 * v4 is v3 again (it only lifted a limit on feature versions; this broker advertises no features). v5 lets a
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
}

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
      return { errorCode: REBOOTSTRAP_REQUIRED, apiKeys: advertised, throttleTimeMs: 0 };
    }
    return { errorCode: 0, apiKeys: advertised, throttleTimeMs: 0 };
  },
});
