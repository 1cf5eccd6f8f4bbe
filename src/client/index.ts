/**
 * The Kafka client used by the panels: a producer (optionally idempotent) on the in-process Broker or, through a
 * ProducerTransport, on any cluster; and a group consumer talking to the Broker facade directly (no sockets).
 */
export { Producer } from './producer';
export type { ProducerOptions, SendResult } from './producer';
export { GroupConsumer } from './consumer';
export type { AssignorName, ConsumerState, GroupConsumerOptions, TopicPartition } from './consumer';
export { BrokerTransport } from './producer-transport';
export type {
  BatchProducer,
  PartitionOffsets,
  ProducedBatch,
  ProducerIdentity,
  ProducerTransport,
} from './producer-transport';
