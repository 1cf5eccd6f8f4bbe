package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.kafka.support.SendResult;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The Spring Boot application of {@link OrdersApplication} against Kafka Lite: its NewTopic beans exist with
 * their partitions and configs once the context is up, KafkaTemplate sends, the @KafkaListener receives, and a
 * record the listener throws on lands in the dead-letter topic with Spring's exception headers.
 */
@SpringBootTest
class OrdersApplicationTest {
  private static final String ID = UUID.randomUUID().toString().substring(0, 8);
  private static final String TOPIC = "orders-" + ID;
  private static final String DLT = TOPIC + "-dlt";

  @DynamicPropertySource
  static void names(DynamicPropertyRegistry r) {
    r.add("app.topic", () -> TOPIC);
    r.add("app.group", () -> "orders-app-" + ID);
  }

  @Autowired KafkaAdmin kafkaAdmin;
  @Autowired KafkaTemplate<String, String> template;
  @Autowired ConsumerFactory<String, String> consumerFactory;
  @Autowired BlockingQueue<ConsumerRecord<String, String>> accepted;

  @Test
  void kafkaAdminCreatedTheNewTopicBeansWithTheirPartitionsAndConfigs() throws Exception {
    try (AdminClient admin = AdminClient.create(kafkaAdmin.getConfigurationProperties())) {
      Map<String, TopicDescription> d = admin.describeTopics(List.of(TOPIC, DLT)).allTopicNames().get(10, TimeUnit.SECONDS);
      assertEquals(3, d.get(TOPIC).partitions().size());
      assertEquals(3, d.get(DLT).partitions().size());
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
      Config c = admin.describeConfigs(List.of(res)).all().get(10, TimeUnit.SECONDS).get(res);
      assertEquals("3600000", c.get("retention.ms").value(), "the NewTopic bean's retention.ms");
    }
  }

  @Test
  void theTemplateSendsTheListenerReceivesAndAFailingRecordGoesToTheDeadLetterTopic() throws Exception {
    SendResult<String, String> first = template.send(TOPIC, "o-1", "order one").get(10, TimeUnit.SECONDS);
    assertEquals(TOPIC, first.getRecordMetadata().topic());
    assertTrue(first.getRecordMetadata().offset() >= 0);
    SendResult<String, String> poison = template.send(TOPIC, "o-2", "poison pill").get(10, TimeUnit.SECONDS);
    template.send(TOPIC, "o-3", "order three").get(10, TimeUnit.SECONDS);

    List<String> received = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (received.size() < 2 && System.nanoTime() < deadline) {
      ConsumerRecord<String, String> r = accepted.poll(500, TimeUnit.MILLISECONDS);
      if (r != null) received.add(r.key() + "=" + r.value());
    }
    assertEquals(Set.of("o-1=order one", "o-3=order three"), Set.copyOf(received), "the listener's records");

    try (Consumer<String, String> c = consumerFactory.createConsumer("dlt-reader-" + ID, "dlt-test")) {
      TopicPartition tp = new TopicPartition(DLT, poison.getRecordMetadata().partition());
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      ConsumerRecord<String, String> dead = null;
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (dead == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) dead = r;
      }
      assertNotNull(dead, "no record in " + tp);
      assertEquals("o-2", dead.key());
      assertEquals("poison pill", dead.value());
      assertEquals(TOPIC, header(dead, KafkaHeaders.DLT_ORIGINAL_TOPIC));
      assertEquals(poison.getRecordMetadata().partition(), headerInt(dead, KafkaHeaders.DLT_ORIGINAL_PARTITION));
      assertEquals(poison.getRecordMetadata().offset(), headerLong(dead, KafkaHeaders.DLT_ORIGINAL_OFFSET));
      assertEquals("org.springframework.kafka.listener.ListenerExecutionFailedException",
          header(dead, KafkaHeaders.DLT_EXCEPTION_FQCN));
      assertEquals(IllegalArgumentException.class.getName(), header(dead, KafkaHeaders.DLT_EXCEPTION_CAUSE_FQCN));
      String message = header(dead, KafkaHeaders.DLT_EXCEPTION_MESSAGE);
      assertTrue(message.contains("order o-2 cannot be processed: poison pill"), message);
      assertTrue(header(dead, KafkaHeaders.DLT_EXCEPTION_STACKTRACE).contains("OrderListener.onOrder"));
    }
  }

  private static Header last(ConsumerRecord<?, ?> r, String name) {
    Header h = r.headers().lastHeader(name);
    assertNotNull(h, "no header " + name + " in " + r.headers());
    return h;
  }

  private static String header(ConsumerRecord<?, ?> r, String name) {
    return new String(last(r, name).value(), StandardCharsets.UTF_8);
  }

  private static int headerInt(ConsumerRecord<?, ?> r, String name) {
    return ByteBuffer.wrap(last(r, name).value()).getInt();
  }

  private static long headerLong(ConsumerRecord<?, ?> r, String name) {
    return ByteBuffer.wrap(last(r, name).value()).getLong();
  }
}
