package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;
import org.junit.jupiter.api.Test;

/** Consumers in a group: assignors, rebalance callbacks, commits, seeks, pause/resume, static membership. */
class ConsumerGroupTest {
  static void createTopic(String t, int partitions) throws Exception {
    try (Admin a = Admin.create(Env.base())) {
      a.createTopics(List.of(new NewTopic(t, partitions, (short) 1))).all().get();
    }
  }

  static void produce(String t, int partitions, int perPartition, long baseTs) throws Exception {
    Properties p = Env.base();
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int part = 0; part < partitions; part++)
        for (int i = 0; i < perPartition; i++)
          producer.send(new ProducerRecord<>(t, part, baseTs + i * 1000L, "k" + i, part + ":" + i));
      producer.flush();
    }
  }

  static Properties consumerProps(String group, String assignor) {
    Properties c = Env.base();
    c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
    c.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10000);
    c.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 20000);
    return c;
  }

  /** Polls every consumer in turn until the condition holds (consumers are not thread-safe: one thread polls all). */
  static void pollUntil(String what, List<KafkaConsumer<String, String>> cs, BooleanSupplier done,
      Map<KafkaConsumer<String, String>, List<ConsumerRecord<String, String>>> sink) {
    long deadline = System.currentTimeMillis() + 45_000;
    while (!done.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) fail("timed out waiting for: " + what);
      for (KafkaConsumer<String, String> c : cs) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(100))) {
          if (sink != null) sink.computeIfAbsent(c, k -> new ArrayList<>()).add(r);
        }
      }
    }
  }

  @Test
  void rangeAssignorSplitsPartitionsAndTheListenerSeesEveryAssignment() throws Exception {
    String t = Env.name("range");
    String g = Env.name("g-range");
    createTopic(t, 4);
    produce(t, 4, 5, System.currentTimeMillis());
    List<Set<TopicPartition>> owned = List.of(ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
    List<KafkaConsumer<String, String>> cs = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(g, RangeAssignor.class.getName()));
      final Set<TopicPartition> mine = owned.get(i);
      c.subscribe(List.of(t), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> ps) { mine.removeAll(ps); }
        public void onPartitionsAssigned(Collection<TopicPartition> ps) { mine.addAll(ps); }
      });
      cs.add(c);
    }
    Map<KafkaConsumer<String, String>, List<ConsumerRecord<String, String>>> got = new HashMap<>();
    try {
      pollUntil("both members own two partitions and have read them to the end", cs,
          () -> owned.get(0).size() == 2 && owned.get(1).size() == 2
              && caughtUp(cs.get(0), owned.get(0), 5) && caughtUp(cs.get(1), owned.get(1), 5), got);
      Set<TopicPartition> all = new HashSet<>(owned.get(0));
      all.addAll(owned.get(1));
      assertEquals(4, all.size(), "the two members own disjoint halves: " + owned);
      for (KafkaConsumer<String, String> c : cs) c.commitSync();
      try (Admin a = Admin.create(Env.base())) {
        Map<TopicPartition, OffsetAndMetadata> committed = a.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get();
        for (int p = 0; p < 4; p++) assertEquals(5, committed.get(new TopicPartition(t, p)).offset());
        assertEquals(2, a.describeConsumerGroups(List.of(g)).all().get().get(g).members().size());
        Collection<ConsumerGroupListing> stable =
            a.listConsumerGroups(new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.STABLE)))
                .all()
                .get();
        Optional<ConsumerGroupListing> mine = stable.stream().filter(l -> l.groupId().equals(g)).findFirst();
        assertTrue(mine.isPresent(), "the group is listed among the Stable groups: " + stable);
        assertEquals(Optional.of(ConsumerGroupState.STABLE), mine.get().state());
        assertTrue(
            a.listConsumerGroups(new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.EMPTY)))
                .all()
                .get()
                .stream()
                .noneMatch(l -> l.groupId().equals(g)),
            "a Stable group is not listed among the Empty ones");
      }
    } finally {
      for (KafkaConsumer<String, String> c : cs) c.close();
    }
  }

  static boolean caughtUp(KafkaConsumer<String, String> c, Set<TopicPartition> owned, long end) {
    for (TopicPartition tp : owned) {
      if (!c.assignment().contains(tp) || c.position(tp) < end) return false;
    }
    return true;
  }

  @Test
  void cooperativeStickyJoinDoesNotRevokeTheFirstMembersKeptPartitions() throws Exception {
    String t = Env.name("coop");
    String g = Env.name("g-coop");
    createTopic(t, 4);
    List<TopicPartition> revokedFromFirst = Collections.synchronizedList(new ArrayList<>());
    Set<TopicPartition> first = ConcurrentHashMap.newKeySet();
    Set<TopicPartition> second = ConcurrentHashMap.newKeySet();
    KafkaConsumer<String, String> a = new KafkaConsumer<>(consumerProps(g, CooperativeStickyAssignor.class.getName()));
    KafkaConsumer<String, String> b = new KafkaConsumer<>(consumerProps(g, CooperativeStickyAssignor.class.getName()));
    try {
      a.subscribe(List.of(t), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> ps) { revokedFromFirst.addAll(ps); first.removeAll(ps); }
        public void onPartitionsAssigned(Collection<TopicPartition> ps) { first.addAll(ps); }
      });
      pollUntil("the first member owns all four partitions", List.of(a), () -> first.size() == 4, null);
      Set<TopicPartition> before = new HashSet<>(first);
      b.subscribe(List.of(t), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> ps) { second.removeAll(ps); }
        public void onPartitionsAssigned(Collection<TopicPartition> ps) { second.addAll(ps); }
      });
      pollUntil("two partitions each", List.of(a, b), () -> first.size() == 2 && second.size() == 2, null);
      assertEquals(2, revokedFromFirst.size(), "only the two partitions that moved are revoked: " + revokedFromFirst);
      for (TopicPartition kept : first) assertTrue(before.contains(kept));
      for (TopicPartition moved : revokedFromFirst) assertTrue(second.contains(moved));
    } finally {
      b.close();
      a.close();
    }
  }

  @Test
  void aConsumerThatDiesWithoutCommittingHasItsRecordsReadAgainFromTheLastCommit() throws Exception {
    String t = Env.name("crash");
    String g = Env.name("g-crash");
    createTopic(t, 1);
    produce(t, 1, 10, System.currentTimeMillis());
    Properties props = consumerProps(g, RangeAssignor.class.getName());
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 4);
    KafkaConsumer<String, String> dying = new KafkaConsumer<>(props);
    dying.subscribe(List.of(t));
    List<ConsumerRecord<String, String>> firstRead = new ArrayList<>();
    Map<KafkaConsumer<String, String>, List<ConsumerRecord<String, String>>> sink = new HashMap<>();
    pollUntil("four records read", List.of(dying), () -> sink.getOrDefault(dying, List.of()).size() >= 4, sink);
    firstRead.addAll(sink.get(dying));
    TopicPartition tp = new TopicPartition(t, 0);
    dying.commitSync(Map.of(tp, new OffsetAndMetadata(2)));
    // A crash: no leave-group, no commit. Closing with a zero timeout still sends LeaveGroup, so the JVM
    // equivalent of a crash is simply to stop polling and let the session time out while another member joins.
    KafkaConsumer<String, String> survivor = new KafkaConsumer<>(props);
    survivor.subscribe(List.of(t));
    Map<KafkaConsumer<String, String>, List<ConsumerRecord<String, String>>> again = new HashMap<>();
    try {
      pollUntil("the survivor reads from the last commit", List.of(survivor),
          () -> again.getOrDefault(survivor, List.of()).size() >= 8, again);
      assertEquals(2, again.get(survivor).get(0).offset(), "redelivery starts at the committed offset 2");
    } finally {
      survivor.close();
      dying.close(Duration.ZERO);
    }
  }

  @Test
  void seekOffsetsForTimesPauseResumeAndCommitAsync() throws Exception {
    String t = Env.name("seek");
    String g = Env.name("g-seek");
    createTopic(t, 2);
    long base = System.currentTimeMillis() - 100_000;
    produce(t, 2, 10, base);
    TopicPartition p0 = new TopicPartition(t, 0);
    TopicPartition p1 = new TopicPartition(t, 1);
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(g, RangeAssignor.class.getName()))) {
      c.assign(List.of(p0, p1));
      Map<TopicPartition, OffsetAndTimestamp> at = c.offsetsForTimes(Map.of(p0, base + 6500, p1, base + 99_999));
      assertEquals(7, at.get(p0).offset());
      assertEquals(base + 7000, at.get(p0).timestamp());
      assertNull(at.get(p1), "no record at or after that time");
      c.seek(p0, 7);
      c.seek(p1, 0);
      c.pause(List.of(p1));
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 20_000;
      while (got.size() < 3 && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      assertEquals(3, got.size());
      for (ConsumerRecord<String, String> r : got) assertEquals(0, r.partition(), "a paused partition returns nothing");
      assertEquals(7, got.get(0).offset());
      c.resume(List.of(p1));
      deadline = System.currentTimeMillis() + 20_000;
      while (got.size() < 13 && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(200)).forEach(got::add);
      assertEquals(13, got.size());
      CompletableFuture<Map<TopicPartition, OffsetAndMetadata>> done = new CompletableFuture<>();
      c.commitAsync(Map.of(p0, new OffsetAndMetadata(10), p1, new OffsetAndMetadata(10)), (offs, e) -> {
        if (e != null) done.completeExceptionally(e); else done.complete(offs);
      });
      deadline = System.currentTimeMillis() + 20_000;
      while (!done.isDone() && System.currentTimeMillis() < deadline) c.poll(Duration.ofMillis(100));
      assertEquals(2, done.get().size());
      assertEquals(10, c.committed(Set.of(p0)).get(p0).offset());
    }
  }

  @Test
  void aStaticMemberThatRestartsWithinTheSessionTimeoutCausesNoRebalance() throws Exception {
    String t = Env.name("static");
    String g = Env.name("g-static");
    createTopic(t, 2);
    Properties pa = consumerProps(g, RangeAssignor.class.getName());
    pa.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-a");
    pa.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30000);
    Properties pb = (Properties) pa.clone();
    pb.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, "instance-b");
    Set<TopicPartition> ownedA = ConcurrentHashMap.newKeySet();
    Set<TopicPartition> ownedB = ConcurrentHashMap.newKeySet();
    List<String> calls = Collections.synchronizedList(new ArrayList<>());
    KafkaConsumer<String, String> a = new KafkaConsumer<>(pa);
    KafkaConsumer<String, String> b = new KafkaConsumer<>(pb);
    a.subscribe(List.of(t), tracking(ownedA, null));
    b.subscribe(List.of(t), tracking(ownedB, calls));
    try {
      pollUntil("one partition each", List.of(a, b), () -> ownedA.size() == 1 && ownedB.size() == 1, null);
      TopicPartition aHad = ownedA.iterator().next();
      // let the group settle (both members polled once more after the assignment)
      for (int i = 0; i < 3; i++) for (KafkaConsumer<String, String> c : List.of(a, b)) c.poll(Duration.ofMillis(100));
      calls.clear();
      a.close(); // a static member's close does not send LeaveGroup
      a = new KafkaConsumer<>(pa);
      Set<TopicPartition> ownedAgain = ConcurrentHashMap.newKeySet();
      a.subscribe(List.of(t), tracking(ownedAgain, null));
      pollUntil("the restarted instance owns its old partition", List.of(a, b), () -> ownedAgain.size() == 1, null);
      for (int i = 0; i < 10; i++) for (KafkaConsumer<String, String> c : List.of(a, b)) c.poll(Duration.ofMillis(100));
      assertEquals(Set.of(aHad), ownedAgain, "the same partition comes back");
      assertEquals(List.of(), calls, "the other member saw no revocation and no new assignment");
      try (Admin admin = Admin.create(Env.base())) {
        var members = admin.describeConsumerGroups(List.of(g)).all().get().get(g).members();
        assertEquals(2, members.size(), "still two members: " + members);
        Set<String> ids = new HashSet<>();
        for (var m : members) ids.add(m.groupInstanceId().orElse("?"));
        assertEquals(Set.of("instance-a", "instance-b"), ids);
      }
    } finally {
      a.close();
      b.close();
    }
  }

  static ConsumerRebalanceListener tracking(Set<TopicPartition> owned, List<String> calls) {
    return new ConsumerRebalanceListener() {
      public void onPartitionsRevoked(Collection<TopicPartition> ps) {
        owned.removeAll(ps);
        if (calls != null) calls.add("revoked " + ps);
      }

      public void onPartitionsAssigned(Collection<TopicPartition> ps) {
        owned.addAll(ps);
        if (calls != null) calls.add("assigned " + ps);
      }
    };
  }
}
