package dev.kafkalite.txn;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.TopicBuilder;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.transaction.annotation.Transactional;

/**
 * A Spring Boot application that uses Kafka transactions (run with spring.kafka.producer.transaction-id-prefix
 * set, so Spring Boot makes the KafkaTemplate transactional and gives the listener container a
 * KafkaTransactionManager): a @Transactional @KafkaListener reads app.in and writes each value upper-cased to
 * app.out in the transaction that also commits its input offset. A value starting with "fail" throws after its
 * send on the first attempt, so that transaction rolls back and the record is processed again. In its own
 * package (not under dev.kafkalite.compat) so that the OrdersApplication's component scan never sees it.
 */
@SpringBootApplication
public class TransfersApplication {
  public static void main(String[] args) {
    SpringApplication.run(TransfersApplication.class, args);
  }

  @Bean
  NewTopic transfersIn(@Value("${app.in}") String topic) {
    return TopicBuilder.name(topic).partitions(1).replicas(1).build();
  }

  @Bean
  NewTopic transfersOut(@Value("${app.out}") String topic) {
    return TopicBuilder.name(topic).partitions(1).replicas(1).build();
  }

  @Bean
  TransferListener transferListener(KafkaTemplate<String, String> template, @Value("${app.out}") String out) {
    return new TransferListener(template, out);
  }

  /** Consume → produce in one transaction; the first attempt of a "fail..." value rolls back. */
  public static class TransferListener {
    private final KafkaTemplate<String, String> template;
    private final String out;
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    private final List<String> attempts = new CopyOnWriteArrayList<>();

    TransferListener(KafkaTemplate<String, String> template, String out) {
      this.template = template;
      this.out = out;
    }

    /**
     * Every attempt the listener made, in order ("value" or "value (rolled back)"). A method, not a field: the
     * bean is a @Transactional proxy, whose own fields are empty.
     */
    public List<String> attempts() {
      return List.copyOf(attempts);
    }

    @KafkaListener(topics = "${app.in}", groupId = "${app.group}")
    @Transactional
    public void onTransfer(ConsumerRecord<String, String> record) {
      template.send(out, record.key(), record.value().toUpperCase());
      if (record.value().startsWith("fail") && failedOnce.add(record.value())) {
        template.flush(); // the output reaches the broker before the rollback, which then aborts it there
        attempts.add(record.value() + " (rolled back)");
        throw new IllegalStateException("first attempt of " + record.value() + " fails after its send");
      }
      attempts.add(record.value());
    }
  }
}
