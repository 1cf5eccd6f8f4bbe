/**
 * DescribeCluster (key 60), v0-2 (flexible in every version), what the Java Admin's describeCluster() asks once
 * the broker offers it. One broker (our node id, advertised host and port, no rack, never fenced), the cluster
 * id, and this node as the controller. EndpointType (v1+): Kafka Lite is broker and controller on one listener,
 * so both brokers (1) and controllers (2) are answered with this node; any other type is UNSUPPORTED_ENDPOINT_TYPE.
 * IncludeFencedBrokers (v2) changes nothing: no broker is ever fenced. Cluster authorized operations, when asked,
 * are every operation the cluster supports, as Kafka answers without an authorizer.
 */
import { arr, f } from '../codec/schema';
import { CLUSTER_OPERATIONS, OPS_NOT_REQUESTED } from './03-metadata';
import { defineApi } from './api';

const ENDPOINT_BROKERS = 1;
const ENDPOINT_CONTROLLERS = 2;
const UNSUPPORTED_ENDPOINT_TYPE = 115;

interface DescribeClusterRequest {
  includeClusterAuthorizedOperations: boolean;
  endpointType: number;
  includeFencedBrokers: boolean;
}

interface DescribeClusterResponse {
  throttleTimeMs: number;
  errorCode: number;
  errorMessage: string | null;
  endpointType: number;
  clusterId: string;
  controllerId: number;
  brokers: { brokerId: number; host: string; port: number; rack: string | null; isFenced: boolean }[];
  clusterAuthorizedOperations: number;
}

export const describeCluster = defineApi<DescribeClusterRequest, DescribeClusterResponse>({
  apiKey: 60,
  name: 'DescribeCluster',
  minVersion: 0,
  maxVersion: 2,
  flexibleFrom: 0,
  request: [
    f('includeClusterAuthorizedOperations', 'bool'),
    f('endpointType', 'int8', '1+', { def: ENDPOINT_BROKERS }),
    f('includeFencedBrokers', 'bool', '2+'),
  ],
  response: [
    f('throttleTimeMs', 'int32'),
    f('errorCode', 'int16'),
    f('errorMessage', 'string', '0+', { nullable: true }),
    f('endpointType', 'int8', '1+', { def: ENDPOINT_BROKERS }),
    f('clusterId', 'string'),
    f('controllerId', 'int32', '0+', { def: -1 }),
    arr('brokers', [
      f('brokerId', 'int32'),
      f('host', 'string'),
      f('port', 'int32'),
      f('rack', 'string', '0+', { nullable: true }),
      f('isFenced', 'bool', '2+'),
    ]),
    f('clusterAuthorizedOperations', 'int32', '0+', { def: OPS_NOT_REQUESTED }),
  ],
  handle(ctx, req) {
    const { cluster } = ctx;
    const base: DescribeClusterResponse = {
      throttleTimeMs: 0,
      errorCode: 0,
      errorMessage: null,
      endpointType: req.endpointType,
      clusterId: cluster.clusterId,
      controllerId: cluster.nodeId,
      brokers: [],
      clusterAuthorizedOperations: OPS_NOT_REQUESTED,
    };
    if (req.endpointType !== ENDPOINT_BROKERS && req.endpointType !== ENDPOINT_CONTROLLERS) {
      return {
        ...base,
        errorCode: UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `endpoint type ${req.endpointType} is not supported (1 = brokers, 2 = controllers)`,
      };
    }
    return {
      ...base,
      brokers: [{ brokerId: cluster.nodeId, host: cluster.host, port: cluster.port, rack: null, isFenced: false }],
      clusterAuthorizedOperations: req.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : OPS_NOT_REQUESTED,
    };
  },
});
