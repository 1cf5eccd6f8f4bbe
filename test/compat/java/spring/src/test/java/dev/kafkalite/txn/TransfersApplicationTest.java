package dev.kafkalite.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@link TransfersApplication} against Kafka Lite: a KafkaTemplate with a transaction-id-prefix commits what
 * executeInTransaction sends and aborts it when the callback throws; the @Transactional listener's output and
 * input offsets are committed together, and a failing attempt is rolled back (its output aborted, the record
 * delivered again), so a read_committed reader sees each transformed value exactly once.
 */
@SpringBootTest
class TransfersApplicationTest {
  private static final String ID = UUID.randomUUID().toString().substring(0, 8);
  private static final String IN = "transfers-in-" + ID;
  private static final String OUT = "transfers-out-" + ID;
  private static final String GROUP = "transfers-app-" + ID;

  @DynamicPropertySource
  static void names(DynamicPropertyRegistry r) {
    r.add("app.in", () -> IN);
    r.add("app.out", () -> OUT);
    r.add("app.group", () -> GROUP);
    r.add("spring.kafka.producer.transaction-id-prefix", () -> "transfers-" + ID + "-");
    r.add("spring.kafka.consumer.isolation-level", () -> "read-committed");
  }

  @Autowired KafkaAdmin kafkaAdmin;
  @Autowired KafkaTemplate<String, String> template;
  @Autowired TransfersApplication.TransferListener listener;

  private List<String> readToEnd(String topic, String isolation) {
    Properties p = new Properties();
    p.putAll(kafkaAdmin.getConfigurationProperties());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    TopicPartition tp = new TopicPartition(topic, 0);
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (c.position(tp) < end && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
      }
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) out.add(r.value());
    }
    return out;
  }

  @Test
  void aTransactionalTemplateCommitsWhatExecuteInTransactionSendsAndAbortsItWhenTheCallbackThrows() throws Exception {
    String topic = "transfers-template-" + ID;
    template.executeInTransaction(t -> {
      t.send(topic, "k", "kept-1");
      t.send(topic, "k", "kept-2");
      return null;
    });
    assertThrows(IllegalStateException.class, () -> template.executeInTransaction(t -> {
      t.send(topic, "k", "aborted");
      t.flush();
      throw new IllegalStateException("roll this back");
    }));
    template.executeInTransaction(t -> t.send(topic, "k", "kept-3"));
    assertEquals(List.of("kept-1", "kept-2", "kept-3"), readToEnd(topic, "read_committed"));
    assertEquals(List.of("kept-1", "kept-2", "aborted", "kept-3"), readToEnd(topic, "read_uncommitted"));
  }

  @Test
  void theTransactionalListenerProducesAndCommitsInOneTransactionAndAFailureRollsBack() throws Exception {
    template.executeInTransaction(t -> {
      t.send(IN, "t-1", "alpha");
      t.send(IN, "t-2", "fail-beta");
      t.send(IN, "t-3", "gamma");
      return null;
    });
    TopicPartition in = new TopicPartition(IN, 0);
    OffsetAndMetadata committed = null;
    try (AdminClient admin = AdminClient.create(kafkaAdmin.getConfigurationProperties())) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        Map<TopicPartition, OffsetAndMetadata> o =
            admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        committed = o.get(in);
        if (committed != null && committed.offset() >= 3) break;
        Thread.sleep(200);
      }
    }
    assertNotNull(committed, "the listener's transactions committed no offset; attempts " + listener.attempts());
    assertEquals(3, committed.offset(), "the input offset after gamma, committed by the listener's transaction");
    assertEquals(List.of("alpha", "fail-beta (rolled back)", "fail-beta", "gamma"), listener.attempts());
    assertEquals(List.of("ALPHA", "FAIL-BETA", "GAMMA"), readToEnd(OUT, "read_committed"),
        "each value once: the rolled-back attempt's output was aborted");
    assertEquals(List.of("ALPHA", "FAIL-BETA", "FAIL-BETA", "GAMMA"), readToEnd(OUT, "read_uncommitted"),
        "the aborted attempt is still in the log");
  }
}
