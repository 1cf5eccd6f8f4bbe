package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A broker restart under a producer with the Java defaults that matter here (idempotence on, acks=all, retries,
 * five requests in flight). This test starts its own Kafka Lite (`node dist/cli.js serve`, given by
 * -Dkafkalite.node and -Dkafkalite.cli) on a data directory and port of its own, so stopping it leaves the
 * tier's shared broker alone; the restarted broker serves the same data directory on the same port.
 */
class BrokerRestartTest {
  private Process broker;
  private Path dataDir;
  private int port;

  private static String required(String property) {
    String v = System.getProperty(property);
    if (v == null || v.isEmpty())
      throw new IllegalStateException("-D" + property + " is required (scripts/java-tier.mjs passes it)");
    return v;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts `kafka-lite serve` and waits for its "listening on" line. */
  private void startBroker() throws Exception {
    ProcessBuilder pb = new ProcessBuilder(required("kafkalite.node"), required("kafkalite.cli"), "serve",
        "--data-dir", dataDir.toString(), "--port", String.valueOf(port), "--no-schema-registry");
    pb.redirectError(ProcessBuilder.Redirect.INHERIT);
    broker = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(broker.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) if (line.contains("listening on")) return line;
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String line = listening.get(30, TimeUnit.SECONDS);
    assertNotNull(line, "kafka-lite serve exited before listening (exit " + (broker.isAlive() ? "?" : broker.exitValue()) + ")");
    // keep draining its stdout so it never blocks on a full pipe
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {}
      } catch (IOException ignored) {
        // the broker stopped
      }
    });
    drain.setDaemon(true);
    drain.start();
  }

  /**
   * SIGTERM: the broker closes its connections and its logs as it does when a developer stops it; SIGKILL: the
   * process ends at once, between any two requests (or inside one), as when VS Code's extension host is killed.
   */
  private void stopBroker(boolean kill) throws Exception {
    if (kill) broker.destroyForcibly();
    else broker.destroy();
    assertTrue(broker.waitFor(30, TimeUnit.SECONDS), "the broker did not stop within 30 s");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (broker != null && broker.isAlive()) {
      broker.destroyForcibly();
      broker.waitFor(10, TimeUnit.SECONDS);
    }
    if (dataDir != null) {
      try (var files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @ParameterizedTest(name = "stopped with {0}: producer retries after a broker restart keep exactly-once per partition")
  @ValueSource(strings = {"SIGTERM", "SIGKILL"})
  void producerRetriesAfterABrokerRestartKeepExactlyOncePerPartition(String signal) throws Exception {
    dataDir = Files.createTempDirectory("kl-java-restart-");
    port = freePort();
    startBroker();
    String bootstrap = "127.0.0.1:" + port;
    String topic = Env.name("restart");
    int partitions = 3;
    Properties base = new Properties();
    base.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    try (Admin a = Admin.create(base)) {
      a.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    Properties p = new Properties();
    p.putAll(base);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);
    p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, 2048); // many small batches: several in flight when the broker stops
    p.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 100);
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);

    int perPartition = 4000;
    int total = perPartition * partitions;
    AtomicInteger acked = new AtomicInteger();
    AtomicInteger ackedBeforeRestart = new AtomicInteger(-1);
    List<Future<RecordMetadata>> futures = new ArrayList<>();
    ExecutorService restarter = Executors.newSingleThreadExecutor();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      // warm up: the producer id is assigned and the first batches are stored before the restart
      producer.send(new ProducerRecord<>(topic, 0, "warm", "warm")).get(30, TimeUnit.SECONDS);
      Future<?> restart = null;
      for (int i = 0; i < perPartition; i++) {
        for (int part = 0; part < partitions; part++) {
          String v = part + "-" + i;
          futures.add(producer.send(new ProducerRecord<>(topic, part, v, v), (m, e) -> {
            if (e == null) acked.incrementAndGet();
          }));
        }
        if (i == perPartition / 4) {
          // stop the broker while sends keep arriving, and start it again on the same directory and port
          restart = restarter.submit(() -> {
            ackedBeforeRestart.set(acked.get());
            stopBroker(signal.equals("SIGKILL"));
            Thread.sleep(500);
            startBroker();
            return null;
          });
        }
        if (i % 200 == 0) Thread.sleep(5); // spread the sends over the restart
      }
      restart.get(60, TimeUnit.SECONDS);
      producer.flush();
      for (Future<RecordMetadata> f : futures) f.get(120, TimeUnit.SECONDS); // every send succeeded
    } finally {
      restarter.shutdownNow();
    }
    assertTrue(ackedBeforeRestart.get() >= 0 && ackedBeforeRestart.get() < total,
        "the broker was restarted while records were still being sent (" + ackedBeforeRestart.get() + " of " + total
            + " acknowledged before)");
    assertEquals(total, acked.get(), "every record was acknowledged");

    Properties c = new Properties();
    c.putAll(base);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<Integer, List<String>> stored = new TreeMap<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(c)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int part = 0; part < partitions; part++) tps.add(new TopicPartition(topic, part));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline
          && tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500)))
          stored.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.value());
      }
    }
    for (int part = 0; part < partitions; part++) {
      List<String> expected = new ArrayList<>();
      if (part == 0) expected.add("warm");
      for (int i = 0; i < perPartition; i++) expected.add(part + "-" + i);
      List<String> got = stored.getOrDefault(part, List.of());
      if (!got.equals(expected)) {
        Set<String> seen = new HashSet<>();
        List<String> dups = got.stream().filter(v -> !seen.add(v)).limit(5).toList();
        Set<String> missing = new LinkedHashSet<>(expected);
        missing.removeAll(new HashSet<>(got));
        fail("partition " + part + ": " + got.size() + " records stored for " + expected.size() + " sent; duplicates "
            + dups + ", missing " + missing.stream().limit(5).toList() + " (every record once, in send order)");
      }
    }
  }
}
