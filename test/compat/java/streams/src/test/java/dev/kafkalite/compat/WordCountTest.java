package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Kafka Streams' word count (flatMapValues → groupBy → count → to) against Kafka Lite, at_least_once: the
 * application creates its repartition and changelog topics with Streams' configs, emits the right counts, and a
 * second instance with the same application.id and no local state resumes from the committed offsets (nothing
 * re-counted) and restores the counts from the changelog.
 */
class WordCountTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

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
    appId = "wordcount-" + id;
    input = "wc-lines-" + id;
    output = "wc-counts-" + id;
    stateDir = Files.createTempDirectory("kl-streams-");
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

  private Topology topology() {
    StreamsBuilder b = new StreamsBuilder();
    b.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.toLowerCase().split("\\W+")))
        .filter((k, word) -> !word.isEmpty())
        .groupBy((k, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    return b.build();
  }

  private KafkaStreams start(AtomicLong restored) throws InterruptedException {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0); // every count update reaches the output
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    KafkaStreams s = new KafkaStreams(topology(), p);
    s.setGlobalStateRestoreListener(new StateRestoreListener() {
      @Override
      public void onRestoreStart(TopicPartition tp, String store, long start, long end) {}

      @Override
      public void onBatchRestored(TopicPartition tp, String store, long batchEnd, long n) {
        restored.addAndGet(n);
      }

      @Override
      public void onRestoreEnd(TopicPartition tp, String store, long total) {}
    });
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

  private Map<TopicPartition, Long> endOffsets(String topic, int partitions) throws Exception {
    Map<TopicPartition, OffsetSpec> q = new HashMap<>();
    for (int i = 0; i < partitions; i++) q.put(new TopicPartition(topic, i), OffsetSpec.latest());
    return admin.listOffsets(q).all().get().entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
  }

  /**
   * Reads the output topic from the given offsets until the latest count of each word equals {@code expected},
   * and returns every (word, count) update read, in order per partition.
   */
  private List<Map.Entry<String, Long>> readCounts(Map<TopicPartition, Long> from, Map<String, Long> expected) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    List<Map.Entry<String, Long>> updates = new ArrayList<>();
    Map<String, Long> latest = new HashMap<>();
    try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(p, new StringDeserializer(), new LongDeserializer())) {
      c.assign(from.keySet());
      from.forEach(c::seek);
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!latest.equals(expected)) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("counts did not reach " + expected + " within " + WAIT + "; read " + updates);
        }
        for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) {
          updates.add(Map.entry(r.key(), r.value()));
          latest.put(r.key(), r.value());
        }
      }
      // Anything further (a re-counted line would show here) within a short grace period.
      long grace = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (System.nanoTime() < grace) {
        for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) updates.add(Map.entry(r.key(), r.value()));
      }
    }
    return updates;
  }

  @Test
  void wordCountCreatesItsInternalTopicsCountsAndRestoresFromTheChangelogAfterARestart() throws Exception {
    AtomicLong restoredFirst = new AtomicLong();
    streams = start(restoredFirst);
    Map<TopicPartition, Long> outStart = endOffsets(output, 2);
    produce("the quick fox", "the lazy dog", "The fox");
    List<Map.Entry<String, Long>> first =
        readCounts(outStart, Map.of("the", 3L, "quick", 1L, "fox", 2L, "lazy", 1L, "dog", 1L));
    assertEquals(8, first.size(), () -> "one update per word without a cache: " + first);

    // The internal topics, named <application.id>-<name>-repartition / -changelog, with Streams' configs.
    String repartition = appId + "-words-repartition";
    String changelog = appId + "-counts-changelog";
    Set<String> names = admin.listTopics().names().get();
    assertTrue(names.contains(repartition), () -> "no repartition topic in " + names);
    assertTrue(names.contains(changelog), () -> "no changelog topic in " + names);
    Map<String, TopicDescription> d = admin.describeTopics(List.of(repartition, changelog)).allTopicNames().get();
    assertEquals(2, d.get(repartition).partitions().size(), "repartition topic: as many partitions as the input");
    assertEquals(2, d.get(changelog).partitions().size(), "changelog: one partition per task");
    ConfigResource rc = new ConfigResource(ConfigResource.Type.TOPIC, repartition);
    ConfigResource cc = new ConfigResource(ConfigResource.Type.TOPIC, changelog);
    Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(rc, cc)).all().get();
    assertEquals("compact", configs.get(cc).get("cleanup.policy").value(), "changelog cleanup.policy");
    assertEquals("delete", configs.get(rc).get("cleanup.policy").value(), "repartition cleanup.policy");
    assertEquals("-1", configs.get(rc).get("retention.ms").value(), "repartition retention.ms (kept until purged)");

    // Leave the group on close (Streams stays a member until its session times out otherwise), so the next
    // instance's rebalance need not wait 45 s for it.
    assertTrue(streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
        .withTimeout(Duration.ofSeconds(20))), "Kafka Streams closed within 20 s");
    streams = null;

    // Its committed offsets cover every input line.
    Map<TopicPartition, OffsetAndMetadata> committed =
        admin.listConsumerGroupOffsets(appId).partitionsToOffsetAndMetadata().get();
    Map<TopicPartition, Long> inputEnds = endOffsets(input, 2);
    for (Map.Entry<TopicPartition, Long> e : inputEnds.entrySet()) {
      if (e.getValue() == 0) continue;
      OffsetAndMetadata o = committed.get(e.getKey());
      assertTrue(o != null && o.offset() == e.getValue(), () -> "committed " + committed + ", ends " + inputEnds);
    }

    // No local state: the new instance must rebuild the counts from the changelog.
    deleteTree(stateDir);
    Files.createDirectories(stateDir);
    Map<TopicPartition, Long> outRestart = endOffsets(output, 2);
    AtomicLong restored = new AtomicLong();
    streams = start(restored);
    produce("the end of the fox");
    List<Map.Entry<String, Long>> second =
        readCounts(outRestart, Map.of("the", 5L, "end", 1L, "of", 1L, "fox", 3L));
    assertEquals(List.of(Map.entry("the", 4L), Map.entry("the", 5L)),
        second.stream().filter(e -> e.getKey().equals("the")).toList(),
        () -> "counts must continue from the restored state, each input line counted once: " + second);
    assertEquals(Set.of("the", "end", "of", "fox"),
        second.stream().map(Map.Entry::getKey).collect(Collectors.toSet()),
        () -> "no earlier line may be re-counted after the restart: " + second);
    assertEquals(5, second.size(), () -> "one update per word of the new line: " + second);
    assertTrue(restored.get() > 0, "the restarted instance restored its store from the changelog");
  }

  private static void deleteTree(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
    }
  }
}
