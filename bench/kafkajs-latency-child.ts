/**
 * Child process of bench/wire.ts: kafkajs produce->consume latency against the broker at argv[2], at ~1,000
 * records/s for 5 s (acks=1, one partition, a consumer group with kafkajs's default commit after every batch).
 * Sends {p50, p99, n} (milliseconds) over IPC and exits.
 */
import { Kafka, logLevel } from 'kafkajs';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export async function kafkajsLatency(bootstrap: string): Promise<{ p50: number; p99: number; n: number }> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'latency', numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  const consumer = kafka.consumer({
    groupId: 'latency-g',
    maxWaitTimeInMs: 500,
    sessionTimeout: 6000,
    heartbeatInterval: 500,
  });
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic: 'latency', fromBeginning: false });
  const lat: number[] = [];
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  await consumer.run({
    eachMessage: async ({ message }) => {
      const sent = Number(message.value!.toString());
      lat.push(performance.now() + performance.timeOrigin - sent);
    },
  });
  while (!joined) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 500));
  const sends: Promise<unknown>[] = [];
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    const tick = Date.now();
    sends.push(
      producer.send({
        topic: 'latency',
        acks: 1,
        messages: [{ value: String(performance.now() + performance.timeOrigin) }],
      }),
    );
    const wait = 1 - (Date.now() - tick);
    await new Promise((r) => setTimeout(r, Math.max(0, wait)));
  }
  await Promise.all(sends);
  await new Promise((r) => setTimeout(r, 1000));
  await consumer.disconnect();
  await producer.disconnect();
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length };
}

kafkajsLatency(process.argv[2]).then(
  (r) => process.send!(r, () => process.exit(0)),
  (e: Error) => {
    console.error(e.stack ?? e);
    process.exit(1);
  },
);
