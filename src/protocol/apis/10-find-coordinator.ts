/**
 * FindCoordinator (key 10), v0-6. This broker coordinates every group and every transaction: the answer
 * is always our own node id, advertised host and port. v0-3 ask for one key; v4+ ask for a batch of keys
 * (coordinatorKeys) and get one coordinator entry per key; v5 and v6 have v4's fields (v5 only adds an error code
 * for transactions, v6 the share-group key type). Key type 0 is a group, 1 a transactional id; 2 (share group,
 * v6+) is answered INVALID_REQUEST per key, as Kafka Lite has no share groups; any other type likewise.
 */
import { ErrorCode } from '../../broker/errors';
import { arr, f } from '../codec/schema';
import type { ClusterIdentity } from './api';
import { defineApi } from './api';

interface Coordinator {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

interface FindCoordinatorResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
  coordinators: Coordinator[];
}

const GROUP = 0;
const TRANSACTION = 1;

function coordinatorFor(cluster: ClusterIdentity, key: string, keyType: number): Coordinator {
  if (keyType !== GROUP && keyType !== TRANSACTION) {
    return {
      key,
      nodeId: -1,
      host: '',
      port: -1,
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `coordinator key type ${keyType} is not supported (0 group, 1 transaction; Kafka Lite has no share groups)`,
    };
  }
  return { key, nodeId: cluster.nodeId, host: cluster.host, port: cluster.port, errorCode: 0, errorMessage: null };
}

export const findCoordinator = defineApi<
  { key: string; keyType: number; coordinatorKeys: string[] },
  FindCoordinatorResponse
>({
  apiKey: 10,
  name: 'FindCoordinator',
  minVersion: 0,
  maxVersion: 6,
  flexibleFrom: 3,
  request: [f('key', 'string', '0-3'), f('keyType', 'int8', '1+'), arr('coordinatorKeys', 'string', '4+')],
  response: [
    f('throttleTimeMs', 'int32', '1+'),
    f('errorCode', 'int16', '0-3'),
    f('errorMessage', 'string', '1-3', { nullable: true }),
    f('nodeId', 'int32', '0-3'),
    f('host', 'string', '0-3'),
    f('port', 'int32', '0-3'),
    arr(
      'coordinators',
      [
        f('key', 'string'),
        f('nodeId', 'int32'),
        f('host', 'string'),
        f('port', 'int32'),
        f('errorCode', 'int16'),
        f('errorMessage', 'string', '4+', { nullable: true }),
      ],
      '4+',
    ),
  ],
  handle(ctx, req) {
    const { cluster } = ctx;
    if (ctx.apiVersion >= 4) {
      return {
        throttleTimeMs: 0,
        errorCode: 0,
        errorMessage: null,
        nodeId: -1,
        host: '',
        port: -1,
        coordinators: req.coordinatorKeys.map((k) => coordinatorFor(cluster, k, req.keyType)),
      };
    }
    const one = coordinatorFor(cluster, req.key, req.keyType);
    return {
      throttleTimeMs: 0,
      errorCode: one.errorCode,
      errorMessage: one.errorMessage,
      nodeId: one.nodeId,
      host: one.host,
      port: one.port,
      coordinators: [],
    };
  },
});
