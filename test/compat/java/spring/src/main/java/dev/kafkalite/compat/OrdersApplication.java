package dev.kafkalite.compat;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * A minimal Spring Boot application on Spring for Apache Kafka: two NewTopic beans (orders and its dead-letter
 * topic) that KafkaAdmin creates at start, a @KafkaListener that keeps every order it accepts and throws on a
 * "poison" one, and a DefaultErrorHandler that retries once and then publishes the failed record to
 * {@code <topic>-dlt} (same partition) through a DeadLetterPublishingRecoverer. Topic and group names come from
 * the properties app.topic and app.group.
 */
@SpringBootApplication
public class OrdersApplication {
  public static void main(String[] args) {
    SpringApplication.run(OrdersApplication.class, args);
  }

  /** The orders the listener accepted, in the order it saw them. */
  @Bean
  BlockingQueue<ConsumerRecord<String, String>> accepted() {
    return new LinkedBlockingQueue<>();
  }

  @Bean
  NewTopic orders(@Value("${app.topic}") String topic) {
    return TopicBuilder.name(topic).partitions(3).replicas(1).config("retention.ms", "3600000").build();
  }

  @Bean
  NewTopic ordersDeadLetters(@Value("${app.topic}") String topic) {
    return TopicBuilder.name(topic + "-dlt").partitions(3).replicas(1).build();
  }

  @Bean
  DefaultErrorHandler errorHandler(KafkaTemplate<Object, Object> template) {
    DeadLetterPublishingRecoverer recoverer = new DeadLetterPublishingRecoverer(template,
        (record, e) -> new TopicPartition(record.topic() + "-dlt", record.partition()));
    return new DefaultErrorHandler(recoverer, new FixedBackOff(100L, 1L));
  }

  @Bean
  OrderListener orderListener(BlockingQueue<ConsumerRecord<String, String>> accepted) {
    return new OrderListener(accepted);
  }

  /** Accepts an order, or refuses one whose value starts with "poison". */
  public static class OrderListener {
    private final BlockingQueue<ConsumerRecord<String, String>> accepted;

    OrderListener(BlockingQueue<ConsumerRecord<String, String>> accepted) {
      this.accepted = accepted;
    }

    @KafkaListener(topics = "${app.topic}", groupId = "${app.group}")
    public void onOrder(ConsumerRecord<String, String> record) {
      if (record.value().startsWith("poison")) {
        throw new IllegalArgumentException("order " + record.key() + " cannot be processed: " + record.value());
      }
      accepted.add(record);
    }
  }
}
