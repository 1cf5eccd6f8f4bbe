// Sample kafkajs app for the demo workspace: creates topic "orders" (3 partitions), produces 20 keyed records,
// then consumes them with group "demo" and commits. Usage: node app.js [--brokers host:port] [--count N]
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const { Kafka, logLevel } = require('kafkajs');

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
};
const brokers = opt('--brokers', process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const count = Number(opt('--count', '20'));
const topic = 'orders';

async function main() {
  const kafka = new Kafka({ clientId: 'kafka-lite-demo', brokers, logLevel: logLevel.WARN });

  const admin = kafka.admin();
  await admin.connect();
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }] });
    console.log(`created topic ${topic}`);
  }
  await admin.disconnect();

  const producer = kafka.producer();
  await producer.connect();
  const messages = Array.from({ length: count }, (_, i) => ({
    key: `customer-${i % 5}`,
    value: JSON.stringify({
      orderId: i + 1,
      amount: Math.round(Math.random() * 10000) / 100,
      at: new Date().toISOString(),
    }),
    headers: { source: 'demo-app' },
  }));
  await producer.send({ topic, messages });
  console.log(`produced ${count} records to ${topic}`);
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'demo' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(), 15000);
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          seen++;
          console.log(`  p${partition} @${message.offset} ${message.key} ${message.value}`);
          if (seen >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  console.log(`consumed ${seen} records as group "demo" (offsets committed)`);
}

main().catch((e) => {
  console.error(`demo app failed: ${e.message}`);
  process.exit(1);
});
