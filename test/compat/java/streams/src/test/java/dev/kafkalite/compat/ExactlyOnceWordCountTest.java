package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams' word count with processing.guarantee=exactly_once_v2 against Kafka Lite: every task commits
 * its output, its changelog writes and its input offsets in one transaction, and a read_committed reader of the
 * output sees each count update exactly once, also across a clean restart of the broker in the middle of the run
 * and a crash (SIGKILL) after it (scripts/java-tier.mjs restarts it on the same port and data directory when
 * asked at kafka.restart.url).
 */
class ExactlyOnceWordCountTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private String bootstrap;
  private String appId;
  private String input;
  private String output;
  private Path stateDir;
  private Admin admin;
  private KafkaStreams streams;

  @BeforeEach
  void setUp() throws Exception {
    bootstrap = System.getProperty("kafka.bootstrap");
    if (bootstrap == null || bootstrap.isEmpty()) throw new IllegalStateException("-Dkafka.bootstrap is required");
    String id = UUID.randomUUID().toString().substring(0, 8);
    appId = "wordcount-eos-" + id;
    input = "eos-lines-" + id;
    output = "eos-counts-" + id;
    stateDir = Files.createTempDirectory("kl-streams-eos-");
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    admin = Admin.create(p);
    admin.createTopics(List.of(new NewTopic(input, 2, (short) 1), new NewTopic(output, 2, (short) 1))).all().get();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (streams != null) streams.close(Duration.ofSeconds(20));
    if (admin != null) admin.close();
    deleteTree(stateDir);
  }

  private KafkaStreams start() throws InterruptedException {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
        .filter((k, word) -> !word.isEmpty())
        .groupBy((k, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every count update reaches the output
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaStreams s = new KafkaStreams(b.build(), p);
    s.start();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (s.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline || s.state() == KafkaStreams.State.ERROR) {
        throw new AssertionError("Kafka Streams did not reach RUNNING within " + WAIT + ": " + s.state());
      }
      Thread.sleep(50);
    }
    return s;
  }

  private void produce(String... lines) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (KafkaProducer<String, String> pr = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      int i = 0;
      for (String l : lines) pr.send(new ProducerRecord<>(input, "line-" + i++, l)).get();
    }
  }

  /** Restart the broker: SIGTERM (a clean shutdown) or, when crash, SIGKILL (recovery on the next open). */
  private void restartBroker(boolean crash) throws Exception {
    String url = System.getProperty("kafka.restart.url");
    if (url == null || url.isEmpty() || url.startsWith("${")) {
      throw new IllegalStateException("-Dkafka.restart.url is required (scripts/java-tier.mjs sets it)");
    }
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(crash ? url + "?crash=1" : url)).POST(HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), () -> "broker restart: " + r.body());
  }

  /** A read_committed reader of the whole output topic, kept open across the restart. */
  private final class Reader implements AutoCloseable {
    final KafkaConsumer<String, Long> c;
    final List<Map.Entry<String, Long>> updates = new ArrayList<>();
    final Map<String, Long> latest = new HashMap<>();

    Reader() {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      c = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer());
      List<TopicPartition> tps = List.of(new TopicPartition(output, 0), new TopicPartition(output, 1));
      c.assign(tps);
      c.seekToBeginning(tps);
    }

    void until(Map<String, Long> expected) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!latest.entrySet().containsAll(expected.entrySet())) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("counts did not reach " + expected + " within " + WAIT + "; read " + updates);
        }
        poll();
      }
      long grace = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < grace) poll();
    }

    void poll() {
      for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
        updates.add(Map.entry(r.key(), r.value()));
        latest.put(r.key(), r.value());
      }
    }

    @Override
    public void close() {
      c.close();
    }
  }

  @Test
  void exactlyOnceV2CountsEveryWordOnceAcrossABrokerRestartAndACrash() throws Exception {
    streams = start();
    try (Reader out = new Reader()) {
      produce("the quick fox", "the lazy dog", "The fox");
      out.until(Map.of("the", 3L, "quick", 1L, "fox", 2L, "lazy", 1L, "dog", 1L));
      assertEquals(8, out.updates.size(), () -> "one committed update per word: " + out.updates);

      restartBroker(false);
      produce("the end of the fox", "a dog");
      out.until(Map.of("the", 5L, "end", 1L, "of", 1L, "fox", 3L, "a", 1L, "dog", 2L));
      assertTrue(streams.state().isRunningOrRebalancing(), () -> "Kafka Streams is still alive: " + streams.state());

      restartBroker(true);
      produce("quick dog");
      out.until(Map.of("quick", 2L, "dog", 3L));
      assertTrue(streams.state().isRunningOrRebalancing(), () -> "Kafka Streams survived the crash: " + streams.state());

      // Exactly once: each word's updates read committed are 1, 2, ..., n with no repeat and no gap.
      Map<String, List<Long>> perWord = new HashMap<>();
      for (Map.Entry<String, Long> e : out.updates) perWord.computeIfAbsent(e.getKey(), w -> new ArrayList<>()).add(e.getValue());
      for (Map.Entry<String, List<Long>> e : perWord.entrySet()) {
        List<Long> want = new ArrayList<>();
        for (long i = 1; i <= e.getValue().size(); i++) want.add(i);
        assertEquals(want, e.getValue(), () -> "updates of \"" + e.getKey() + "\" (all: " + out.updates + ")");
      }
      assertEquals(17, out.updates.size(), () -> "one committed update per word of the six lines: " + out.updates);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }
}
