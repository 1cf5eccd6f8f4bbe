package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.*;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The producer with the Java client's defaults: idempotence on, acks=all, five requests in flight. */
class ProducerTest {
  static Properties producerProps() {
    Properties p = Env.base();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  static KafkaConsumer<String, byte[]> reader() {
    Properties c = Env.base();
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return new KafkaConsumer<>(c);
  }

  static List<ConsumerRecord<String, byte[]>> readAll(String topic, int partitions, int expected) {
    List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> c = reader()) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
      c.assign(tps);
      c.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) out.add(r);
      }
    }
    return out;
  }

  static void createTopic(String t, int partitions) throws Exception {
    try (Admin a = Admin.create(Env.base())) {
      a.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get();
    }
  }

  @ParameterizedTest(name = "compression {0}: every record stored once, in order, with its headers")
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void defaultsProduceEveryRecordOnceWithCallbacksAndHeaders(String compression) throws Exception {
    String t = Env.name("prod-" + compression);
    createTopic(t, 3);
    Properties p = producerProps();
    p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    int n = 3000;
    Map<Integer, RecordMetadata> meta = new ConcurrentHashMap<>();
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        final int idx = i;
        ProducerRecord<String, byte[]> r =
            new ProducerRecord<>(t, "key-" + (i % 17), ("value-" + i).getBytes(StandardCharsets.UTF_8));
        r.headers().add(new RecordHeader("i", Integer.toString(i).getBytes(StandardCharsets.UTF_8)));
        futures.add(producer.send(r, (m, e) -> { if (e == null) meta.put(idx, m); }));
      }
      producer.flush();
      for (Future<RecordMetadata> f : futures) f.get();
    }
    assertEquals(n, meta.size(), "a callback with metadata for every record");
    List<ConsumerRecord<String, byte[]>> got = readAll(t, 3, n);
    assertEquals(n, got.size());
    Set<String> seen = new HashSet<>();
    for (ConsumerRecord<String, byte[]> r : got) {
      String v = new String(r.value(), StandardCharsets.UTF_8);
      assertTrue(seen.add(v), "duplicate " + v);
      int i = Integer.parseInt(v.substring("value-".length()));
      assertEquals("key-" + (i % 17), r.key());
      assertEquals(Integer.toString(i), new String(r.headers().lastHeader("i").value(), StandardCharsets.UTF_8));
      RecordMetadata m = meta.get(i);
      assertEquals(m.partition(), r.partition());
      assertEquals(m.offset(), r.offset(), "the callback's offset is where the record is");
    }
  }

  @Test
  void largeBatchesOfOneMegabyteRecordsRoundTrip() throws Exception {
    String t = Env.name("large");
    createTopic(t, 1);
    Properties p = producerProps();
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1_000_000);
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_048_000);
    byte[] big = new byte[900_000];
    new Random(7).nextBytes(big);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(t, "k" + i, big)).get();
    }
    List<ConsumerRecord<String, byte[]>> got = readAll(t, 1, 5);
    assertEquals(5, got.size());
    for (ConsumerRecord<String, byte[]> r : got) assertArrayEquals(big, r.value());
  }
}
