/**
 * The in-process Kafka client used by the panels: a producer (optionally idempotent) and a group consumer, both
 * talking to the Broker facade directly (no sockets). The group consumer talks to a ConsumerTransport: the Broker
 * (BrokerConsumerTransport) or any Kafka cluster over the wire (src/extension/clusters/wire-member.ts).
 */
export { Producer } from './producer';
export type { ProducerOptions, SendResult } from './producer';
export { GroupConsumer } from './consumer';
export type { AssignorName, ConsumerState, GroupConsumerOptions, TopicPartition } from './consumer';
export { BrokerConsumerTransport } from './consumer-transport';
export type {
  CommitEntry,
  ConsumerIsolation,
  ConsumerTransport,
  JoinRequest,
  PartitionOffsets,
  SyncRequest,
} from './consumer-transport';
