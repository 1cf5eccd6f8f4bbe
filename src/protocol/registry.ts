/**
 * The API registry: every implemented API module, by key. ApiVersions advertises exactly this list, and the
 * server accepts every version inside each module's [minVersion, maxVersion].
 */
import type { ApiModule } from './apis/api';
import { produce } from './apis/00-produce';
import { fetch } from './apis/01-fetch';
import { listOffsets } from './apis/02-list-offsets';
import { metadata } from './apis/03-metadata';
import { offsetCommit } from './apis/08-offset-commit';
import { offsetFetch } from './apis/09-offset-fetch';
import { findCoordinator } from './apis/10-find-coordinator';
import { joinGroup } from './apis/11-join-group';
import { heartbeat } from './apis/12-heartbeat';
import { leaveGroup } from './apis/13-leave-group';
import { syncGroup } from './apis/14-sync-group';
import { describeGroups } from './apis/15-describe-groups';
import { listGroups } from './apis/16-list-groups';
import { advertised, apiVersions } from './apis/18-api-versions';
import { createTopics } from './apis/19-create-topics';
import { deleteTopics } from './apis/20-delete-topics';
import { deleteRecords } from './apis/21-delete-records';
import { initProducerId } from './apis/22-init-producer-id';
import { addPartitionsToTxn } from './apis/24-add-partitions-to-txn';
import { addOffsetsToTxn } from './apis/25-add-offsets-to-txn';
import { endTxn } from './apis/26-end-txn';
import { writeTxnMarkers } from './apis/27-write-txn-markers';
import { txnOffsetCommit } from './apis/28-txn-offset-commit';
import { describeConfigs } from './apis/32-describe-configs';
import { alterConfigs } from './apis/33-alter-configs';
import { describeLogDirs } from './apis/35-describe-log-dirs';
import { createPartitions } from './apis/37-create-partitions';
import { deleteGroups } from './apis/42-delete-groups';
import { incrementalAlterConfigs } from './apis/44-incremental-alter-configs';
import { offsetDelete } from './apis/47-offset-delete';
import { describeCluster } from './apis/60-describe-cluster';
import { describeProducers } from './apis/61-describe-producers';
import { describeTransactions } from './apis/65-describe-transactions';
import { listTransactions } from './apis/66-list-transactions';
import { describeTopicPartitions } from './apis/75-describe-topic-partitions';

export const API_MODULES: ApiModule[] = [
  produce,
  fetch,
  listOffsets,
  metadata,
  offsetCommit,
  offsetFetch,
  findCoordinator,
  joinGroup,
  heartbeat,
  leaveGroup,
  syncGroup,
  describeGroups,
  listGroups,
  apiVersions,
  createTopics,
  deleteTopics,
  deleteRecords,
  initProducerId,
  addPartitionsToTxn,
  addOffsetsToTxn,
  endTxn,
  writeTxnMarkers,
  txnOffsetCommit,
  describeConfigs,
  alterConfigs,
  describeLogDirs,
  createPartitions,
  deleteGroups,
  incrementalAlterConfigs,
  offsetDelete,
  describeCluster,
  describeProducers,
  describeTransactions,
  listTransactions,
  describeTopicPartitions,
];

export const API_BY_KEY = new Map<number, ApiModule>(API_MODULES.map((m) => [m.apiKey, m]));

advertised.length = 0;
for (const m of API_MODULES) advertised.push({ apiKey: m.apiKey, minVersion: m.minVersion, maxVersion: m.maxVersion });
advertised.sort((a, b) => a.apiKey - b.apiKey);

export const API_VERSIONS_KEY = apiVersions.apiKey;
export const PRODUCE_KEY = produce.apiKey;
export { advertised };
