/**
 * FindCoordinator (key 10), v0-2. This broker coordinates every group (and would every transaction): the answer
 * is always our own node id, advertised host and port.
 */
import { f } from '../codec/schema';
import { defineApi } from './api';

interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export const findCoordinator = defineApi<{ key: string; keyType: number }, FindCoordinatorResponse>({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 3,
  request: [f('key', 'string', '0-3'), f('keyType', 'int8', '1+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16', '0-3'),
    f('errorMessage', 'string', '1-3', { nullable: true }),
    f('nodeId', 'int32', '0-3'),
    f('host', 'string', '0-3'),
    f('port', 'int32', '0-3'),
  ],
  handle(ctx) {
    const { cluster } = ctx;
    return {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      nodeId: cluster.nodeId,
      host: cluster.host,
      port: cluster.port,
    };
  },
});
