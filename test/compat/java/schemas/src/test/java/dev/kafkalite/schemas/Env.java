package dev.kafkalite.schemas;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Where the broker and its Schema Registry are (-Dkafka.bootstrap, -Dschema.registry.url), unique names so tests
 * never share a topic or a subject, the kafka-clients plumbing that carries the converter's bytes, and a plain
 * HTTP call for the registry endpoints the Spring client has no method for (compatibility config, version list).
 */
final class Env {
  private Env() {}

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static String bootstrap() {
    return required("kafka.bootstrap", "host:port");
  }

  static String registryUrl() {
    return required("schema.registry.url", "http://127.0.0.1:<port>");
  }

  private static String required(String property, String form) {
    String v = System.getProperty(property);
    if (v == null || v.isEmpty()) throw new IllegalStateException("-D" + property + "=" + form + " is required");
    return v;
  }

  /** A unique Avro record name: letters and digits only, since the converter's content type allows no more. */
  static String recordName(String prefix) {
    return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
  }

  static Properties base() {
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15000);
    p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return p;
  }

  static void createTopic(String topic) throws Exception {
    try (Admin a = Admin.create(base())) {
      a.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    }
  }

  static KafkaProducer<byte[], byte[]> producer() {
    Properties p = base();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  /** Every record of partition 0 from the start, until `expected` are in or 30 s have passed. */
  static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
    Properties c = base();
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = List.of(new TopicPartition(topic, 0));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.currentTimeMillis() + 30_000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) out.add(r);
      }
    }
    return out;
  }

  record Answer(int status, String body) {}

  /** One request to the registry (path under its URL, JSON body or null), answered as status and text. */
  static Answer registry(String method, String path, String jsonBody) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(registryUrl() + path))
            .timeout(Duration.ofSeconds(15))
            .header("Accept", "application/vnd.schemaregistry.v1+json");
    if (jsonBody == null) b.method(method, HttpRequest.BodyPublishers.noBody());
    else
      b.header("Content-Type", "application/vnd.schemaregistry.v1+json")
          .method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }
}
