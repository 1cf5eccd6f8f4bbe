/**
 * The in-process Kafka client used by the panels: a producer (optionally idempotent) and a group consumer, both
 * talking to the Broker facade directly (no sockets).
 */
export { Producer } from './producer';
export type { ProducerOptions, SendResult } from './producer';
export { GroupConsumer } from './consumer';
export type { AssignorName, ConsumerState, GroupConsumerOptions, TopicPartition } from './consumer';
