/**
 * The Kafka client used by the panels: a producer (optionally idempotent) and a group consumer. The producer talks
 * to a ProducerTransport: the Broker (BrokerTransport) or any Kafka cluster over the wire
 * (src/extension/clusters/wire-producer.ts); the group consumer to a ConsumerTransport: the Broker
 * (BrokerConsumerTransport) or any Kafka cluster over the wire (src/extension/clusters/wire-member.ts).
 */
export { Producer } from './producer';
export type { ProducerOptions, SendResult } from './producer';
export { GroupConsumer } from './consumer';
export type { AssignorName, ConsumerState, GroupConsumerOptions, TopicPartition } from './consumer';
export { BrokerTransport } from './producer-transport';
export type { BatchProducer, ProducedBatch, ProducerIdentity, ProducerTransport } from './producer-transport';
export { BrokerConsumerTransport } from './consumer-transport';
export type {
  CommitEntry,
  ConsumerIsolation,
  ConsumerTransport,
  JoinRequest,
  PartitionOffsets,
  SyncRequest,
} from './consumer-transport';
