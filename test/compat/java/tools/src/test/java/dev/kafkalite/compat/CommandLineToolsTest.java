package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Kafka's own command-line tools against Kafka Lite, each started as its bin/*.sh script starts it, with what
 * they PRINT checked (not only their exit codes): kafka-topics, kafka-console-producer, kafka-console-consumer,
 * kafka-consumer-groups, kafka-configs, kafka-get-offsets, kafka-log-dirs and kafka-features.
 */
class CommandLineToolsTest {
  private static final String B = Tool.bootstrap();

  private static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Tool.Result ok(String mainClass, String stdin, String... args) throws Exception {
    Tool.Result r = Tool.run(mainClass, stdin, args);
    assertEquals(0, r.exit(), () -> mainClass + " " + String.join(" ", args) + " failed: " + r);
    return r;
  }

  private static void createTopic(String topic, int partitions) throws Exception {
    Tool.Result r = ok(Tool.TOPICS, null, "--bootstrap-server", B, "--create", "--topic", topic, "--partitions",
        String.valueOf(partitions), "--replication-factor", "1");
    assertTrue(r.out().contains("Created topic " + topic + "."), r::toString);
  }

  private static void produce(String topic, String lines) throws Exception {
    ok(Tool.CONSOLE_PRODUCER, lines, "--bootstrap-server", B, "--topic", topic, "--reader-property",
        "parse.key=true", "--reader-property", "key.separator=:");
  }

  /** topic:partition:offset lines of kafka-get-offsets, as a map partition → offset. */
  private static Map<Integer, Long> getOffsets(String topic, String... extra) throws Exception {
    List<String> args = new ArrayList<>(List.of("--bootstrap-server", B, "--topic", topic));
    args.addAll(List.of(extra));
    Tool.Result r = ok(Tool.GET_OFFSETS, null, args.toArray(String[]::new));
    Map<Integer, Long> m = new HashMap<>();
    Pattern line = Pattern.compile(Pattern.quote(topic) + ":(\\d+):(\\d+)");
    for (String l : r.lines()) {
      Matcher x = line.matcher(l);
      assertTrue(x.matches(), () -> "kafka-get-offsets printed a line that is not topic:partition:offset: " + l);
      m.put(Integer.parseInt(x.group(1)), Long.parseLong(x.group(2)));
    }
    return m;
  }

  /** The rows of kafka-consumer-groups --describe for a topic: partition → [CURRENT-OFFSET, LOG-END-OFFSET, LAG]. */
  private static Map<Integer, String[]> describeGroup(String group, String topic) throws Exception {
    Map<Integer, String[]> rows = new HashMap<>();
    describeRows(group, topic).forEach((p, c) -> rows.put(p, new String[] {c[3], c[4], c[5]}));
    return rows;
  }

  /** The rows of kafka-consumer-groups --describe for a topic, every column: partition → row. */
  private static Map<Integer, String[]> describeRows(String group, String topic) throws Exception {
    Tool.Result r = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--describe", "--group", group);
    List<String> lines = r.lines();
    int header = -1;
    for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("GROUP ")) header = i;
    assertTrue(header >= 0, () -> "no table header in kafka-consumer-groups --describe: " + r);
    List<String> cols = List.of(lines.get(header).trim().split("\\s+"));
    assertEquals(List.of("GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID",
        "HOST", "CLIENT-ID"), cols);
    Map<Integer, String[]> rows = new HashMap<>();
    for (String l : lines.subList(header + 1, lines.size())) {
      String[] c = l.trim().split("\\s+");
      assertEquals(group, c[0], () -> "row of another group: " + l);
      assertEquals(topic, c[1], () -> "row of another topic: " + l);
      assertEquals(9, c.length, () -> "a row of 9 columns: " + l);
      rows.put(Integer.parseInt(c[2]), c);
    }
    return rows;
  }

  @Test
  void kafkaTopicsCreatesDescribesWithItsPartitionCountAndListsTheTopic() throws Exception {
    String topic = name("cli-topics");
    createTopic(topic, 3);

    Tool.Result d = ok(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic", topic);
    List<String> lines = d.lines();
    assertTrue(lines.get(0).startsWith("Topic: " + topic + "\t"), d::toString);
    assertTrue(lines.get(0).contains("PartitionCount: 3"), d::toString);
    assertTrue(lines.get(0).contains("ReplicationFactor: 1"), d::toString);
    String id = topicId(d);
    Set<String> partitions = new TreeSet<>();
    for (String l : lines.subList(1, lines.size())) {
      // Elr and LastKnownElr columns: the 4.x tool describes through DescribeTopicPartitions (API 75)
      Matcher m = Pattern.compile("\\s*Topic: " + Pattern.quote(topic)
          + "\\s+Partition: (\\d+)\\s+Leader: 1\\s+Replicas: 1\\s+Isr: 1\\s+Elr:\\s+LastKnownElr:\\s*").matcher(l);
      assertTrue(m.matches(), () -> "unexpected describe line: " + l);
      partitions.add(m.group(1));
    }
    assertEquals(Set.of("0", "1", "2"), partitions);

    // the topic id stays with the topic, and a topic deleted and created again under its name gets a new one
    assertEquals(id, topicId(ok(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic", topic)));
    // --topic-id describes through Metadata v12, which looks the topic up by its id
    Tool.Result byId = ok(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic-id", id);
    assertTrue(byId.lines().get(0).startsWith("Topic: " + topic + "\tTopicId: " + id + "\t"), byId::toString);
    assertTrue(byId.lines().get(0).contains("PartitionCount: 3"), byId::toString);
    Tool.Result unknownId = Tool.run(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic-id",
        "AAAAAAAAAAAAAAAAAAAAAQ");
    assertTrue((unknownId.out() + unknownId.err()).contains("TopicId 'AAAAAAAAAAAAAAAAAAAAAQ' does not exist"),
        unknownId::toString);
    String recycled = name("cli-recycled");
    createTopic(recycled, 1);
    String firstId = topicId(ok(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic", recycled));
    ok(Tool.TOPICS, null, "--bootstrap-server", B, "--delete", "--topic", recycled);
    createTopic(recycled, 1);
    String secondId = topicId(ok(Tool.TOPICS, null, "--bootstrap-server", B, "--describe", "--topic", recycled));
    assertFalse(firstId.equals(secondId), () -> "a re-created topic has a new id, not " + firstId);

    Tool.Result list = ok(Tool.TOPICS, null, "--bootstrap-server", B, "--list");
    assertTrue(list.lines().contains(topic), list::toString);

    Tool.Result again = Tool.run(Tool.TOPICS, null, "--bootstrap-server", B, "--create", "--topic", topic,
        "--partitions", "1", "--replication-factor", "1");
    assertTrue(again.exit() != 0, () -> "creating an existing topic must fail: " + again);
    assertTrue((again.out() + again.err()).contains("already exists"), again::toString);
  }

  @Test
  void consoleProducerWithParsedKeysIsReadBackByTheConsoleConsumerFromTheBeginning() throws Exception {
    String topic = name("cli-console");
    createTopic(topic, 2);
    produce(topic, "alpha:one\nbeta:two\nalpha:three\ngamma:four\n");

    Tool.Result c = ok(Tool.CONSOLE_CONSUMER, null, "--bootstrap-server", B, "--topic", topic,
        "--from-beginning", "--group", name("cli-console-g"), "--max-messages", "4", "--timeout-ms", "30000",
        "--formatter-property", "print.key=true", "--formatter-property", "key.separator=:");
    List<String> records = new ArrayList<>(c.lines());
    assertEquals(Set.of("alpha:one", "beta:two", "alpha:three", "gamma:four"), new TreeSet<>(records), c::toString);
    assertEquals(4, records.size(), c::toString);
    // One key's records stay in one partition, in the order produced.
    assertTrue(records.indexOf("alpha:one") < records.indexOf("alpha:three"), c::toString);
    assertTrue(c.err().contains("Processed a total of 4 messages"), c::toString);
  }

  @Test
  void consumerGroupsDescribesOffsetsAndLagResetsToEarliestAndDeletesTheGroup() throws Exception {
    String topic = name("cli-groups");
    String group = name("cli-groups-g");
    createTopic(topic, 2);
    produce(topic, "a:1\nb:2\nc:3\nd:4\ne:5\nf:6\n");
    ok(Tool.CONSOLE_CONSUMER, null, "--bootstrap-server", B, "--topic", topic, "--from-beginning", "--group",
        group, "--max-messages", "6", "--timeout-ms", "30000");
    Map<Integer, Long> ends = getOffsets(topic);
    assertEquals(6L, ends.values().stream().mapToLong(Long::longValue).sum(), ends::toString);

    Tool.Result list = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--list");
    assertTrue(list.lines().contains(group), list::toString);

    Map<Integer, String[]> rows = describeGroup(group, topic);
    assertEquals(Set.of(0, 1), rows.keySet());
    for (int p : rows.keySet()) {
      String end = String.valueOf(ends.get(p));
      assertEquals(List.of(end, end, "0"), List.of(rows.get(p)), "partition " + p + " after consuming all");
    }

    produce(topic, "g:7\nh:8\n");
    Map<Integer, Long> ends2 = getOffsets(topic);
    rows = describeGroup(group, topic);
    long lag = 0;
    for (int p : rows.keySet()) {
      assertEquals(String.valueOf(ends.get(p)), rows.get(p)[0], "committed offset of partition " + p);
      assertEquals(String.valueOf(ends2.get(p)), rows.get(p)[1], "log-end offset of partition " + p);
      lag += Long.parseLong(rows.get(p)[2]);
    }
    assertEquals(2, lag, "two records produced after the group's commit");

    Tool.Result reset = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--reset-offsets",
        "--to-earliest", "--execute", "--group", group, "--topic", topic);
    Set<String> resetRows = new TreeSet<>();
    for (String l : reset.lines()) if (l.startsWith(group)) resetRows.add(String.join(" ", l.trim().split("\\s+")));
    assertEquals(Set.of(group + " " + topic + " 0 0", group + " " + topic + " 1 0"), resetRows, reset::toString);
    rows = describeGroup(group, topic);
    for (int p : rows.keySet()) {
      String end = String.valueOf(ends2.get(p));
      assertEquals(List.of("0", end, end), List.of(rows.get(p)), "partition " + p + " after the reset");
    }

    Tool.Result del = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--delete", "--group", group);
    assertTrue(del.out().contains("Deletion of requested consumer groups ('" + group + "') was successful."),
        del::toString);
    Tool.Result after = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--list");
    assertFalse(after.lines().contains(group), after::toString);
  }

  @Test
  void consumerGroupsShowsALiveConsoleConsumerAsAStableMemberAndRefusesToResetItsOffsets() throws Exception {
    String topic = name("cli-live");
    String group = name("cli-live-g");
    createTopic(topic, 2);
    produce(topic, "a:1\nb:2\nc:3\nd:4\n");
    Map<Integer, Long> ends = getOffsets(topic);
    Process consumer = Tool.start(Tool.CONSOLE_CONSUMER, "--bootstrap-server", B, "--topic", topic,
        "--from-beginning", "--group", group);
    try {
      Map<Integer, String[]> rows = Map.of();
      long deadline = System.nanoTime() + 45_000_000_000L;
      while (System.nanoTime() < deadline) {
        Tool.Result r = Tool.run(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--describe", "--group", group);
        if (r.exit() == 0 && r.out().contains("CONSUMER-ID")) {
          rows = describeRows(group, topic);
          boolean caughtUp = rows.size() == 2;
          for (Map.Entry<Integer, String[]> e : rows.entrySet()) {
            caughtUp &= e.getValue()[3].equals(String.valueOf(ends.get(e.getKey()))) && !e.getValue()[6].equals("-");
          }
          if (caughtUp) break;
        }
        Thread.sleep(500);
      }
      assertEquals(Set.of(0, 1), rows.keySet(), "rows of the live group");
      for (String[] c : rows.values()) {
        String row = String.join(" ", c);
        assertEquals("0", c[5], () -> "lag once the console consumer has read everything: " + row);
        assertTrue(c[6].startsWith("console-consumer-"), () -> "CONSUMER-ID: " + row);
        assertEquals("/127.0.0.1", c[7], () -> "HOST: " + row);
        assertEquals("console-consumer", c[8], () -> "CLIENT-ID: " + row);
      }

      Tool.Result state = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--describe", "--group", group,
          "--state");
      String stateRow = state.lines().stream().filter(l -> l.startsWith(group)).findFirst().orElseThrow();
      List<String> cells = List.of(stateRow.trim().split("\\s+"));
      assertEquals(List.of("range", "Stable", "1"), cells.subList(cells.size() - 3, cells.size()), state::toString);

      Tool.Result reset = Tool.run(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--reset-offsets",
          "--to-earliest", "--execute", "--group", group, "--topic", topic);
      assertTrue(reset.out().contains("Error: Assignments can only be reset if the group '" + group
          + "' is inactive, but the current state is Stable."), reset::toString);
      for (Map.Entry<Integer, String[]> e : describeGroup(group, topic).entrySet()) {
        assertEquals(String.valueOf(ends.get(e.getKey())), e.getValue()[0], "offsets kept while the group is live");
      }
    } finally {
      consumer.destroy(); // SIGTERM: the console consumer closes and leaves its group
      consumer.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    Tool.Result after = ok(Tool.CONSUMER_GROUPS, null, "--bootstrap-server", B, "--describe", "--group", group);
    assertTrue((after.out() + after.err()).contains("Consumer group '" + group + "' has no active members."), after::toString);
  }

  @Test
  void kafkaConfigsAddsRetentionMsAndDescribesItAsADynamicTopicConfig() throws Exception {
    String topic = name("cli-configs");
    createTopic(topic, 1);
    Tool.Result alter = ok(Tool.CONFIGS, null, "--bootstrap-server", B, "--alter", "--entity-type", "topics",
        "--entity-name", topic, "--add-config", "retention.ms=86400000,cleanup.policy=compact");
    assertTrue(alter.out().contains("Completed updating config for topic " + topic + "."), alter::toString);

    Tool.Result d = ok(Tool.CONFIGS, null, "--bootstrap-server", B, "--describe", "--entity-type", "topics",
        "--entity-name", topic);
    assertTrue(d.out().contains("Dynamic configs for topic " + topic + " are:"), d::toString);
    assertTrue(d.out().contains("retention.ms=86400000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=86400000"),
        d::toString);
    assertTrue(d.out().contains("cleanup.policy=compact sensitive=false"), d::toString);

    ok(Tool.CONFIGS, null, "--bootstrap-server", B, "--alter", "--entity-type", "topics", "--entity-name", topic,
        "--delete-config", "retention.ms");
    Tool.Result d2 = ok(Tool.CONFIGS, null, "--bootstrap-server", B, "--describe", "--entity-type", "topics",
        "--entity-name", topic);
    assertFalse(d2.out().contains("retention.ms="), d2::toString);
    assertTrue(d2.out().contains("cleanup.policy=compact"), d2::toString);
  }

  /** The TopicId kafka-topics --describe prints: 22 URL-safe base64 characters, never the zero id. */
  private static String topicId(Tool.Result describe) {
    Matcher m = Pattern.compile("\tTopicId: ([A-Za-z0-9_-]{22})\t").matcher(describe.lines().get(0));
    assertTrue(m.find(), () -> "no TopicId in: " + describe);
    assertFalse(m.group(1).equals("AAAAAAAAAAAAAAAAAAAAAA"), () -> "the zero topic id: " + describe);
    return m.group(1);
  }

  @Test
  void logDirsDescribesTheDataDirectoryWithEachPartitionsSizeAndNoLag() throws Exception {
    String topic = name("cli-logdirs");
    createTopic(topic, 2);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 20; i++) lines.append("k").append(i).append(":v").append(i).append('\n'); // keys on both
    produce(topic, lines.toString());
    Tool.Result r = ok(Tool.LOG_DIRS, null, "--bootstrap-server", B, "--describe", "--topic-list", topic);
    assertTrue(r.out().contains("Received log directory information from brokers 1"), r::toString);
    String json = r.lines().get(r.lines().size() - 1);
    Matcher dir = Pattern.compile("\"error\":null,\"logDir\":\"([^\"]+)\"").matcher(json);
    assertTrue(dir.find(), () -> "no log directory without error in: " + json);
    assertTrue(dir.group(1).endsWith("/topics"), () -> "the data directory's topics folder: " + dir.group(1));
    Matcher p = Pattern.compile("\\{\"partition\":\"" + Pattern.quote(topic)
        + "-(\\d+)\",\"size\":(\\d+),\"offsetLag\":(\\d+),\"isFuture\":false\\}").matcher(json);
    Map<Integer, Long> sizes = new HashMap<>();
    while (p.find()) {
      assertEquals("0", p.group(3), () -> "offset lag 0: " + json);
      sizes.put(Integer.parseInt(p.group(1)), Long.parseLong(p.group(2)));
    }
    assertEquals(Set.of(0, 1), sizes.keySet(), json);
    assertTrue(sizes.values().stream().allMatch(s -> s > 0), () -> "both partitions hold records: " + json);
  }

  @Test
  void featuresDescribeShowsTheFinalizedMetadataVersionAndNoTransactionVersion() throws Exception {
    Tool.Result r = ok(Tool.FEATURES, null, "--bootstrap-server", B, "describe");
    List<String> features = r.lines().stream().filter(l -> l.startsWith("Feature: ")).toList();
    assertEquals(1, features.size(), r::toString);
    assertEquals(List.of("Feature:", "metadata.version", "SupportedMinVersion:", "4.0-IV3", "SupportedMaxVersion:",
        "4.0-IV3", "FinalizedVersionLevel:", "4.0-IV3", "Epoch:", "0"), List.of(features.get(0).split("\\s+")));
  }

  @Test
  void getOffsetsPrintsTheLatestAndEarliestOffsetOfEachPartition() throws Exception {
    String topic = name("cli-offsets");
    createTopic(topic, 3);
    assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), getOffsets(topic));
    produce(topic, "k1:a\nk2:b\nk3:c\nk4:d\nk5:e\nk1:f\nk2:g\n");
    Map<Integer, Long> latest = getOffsets(topic, "--time", "-1");
    assertEquals(Set.of(0, 1, 2), latest.keySet());
    assertEquals(7L, latest.values().stream().mapToLong(Long::longValue).sum(), latest::toString);
    assertEquals(Map.of(0, 0L, 1, 0L, 2, 0L), getOffsets(topic, "--time", "-2"));
    // One partition only, with --partitions.
    Map<Integer, Long> p1 = getOffsets(topic, "--partitions", "1");
    assertEquals(Map.of(1, latest.get(1)), p1);
  }
}
