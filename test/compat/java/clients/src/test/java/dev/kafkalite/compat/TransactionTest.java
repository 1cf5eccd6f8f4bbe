package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.*;
import org.junit.jupiter.api.Test;

/**
 * The Java client's transactional API: commit and abort, a read_committed consumer (that stops at the last stable
 * offset of an open transaction), consume-transform-produce with sendOffsetsToTransaction and the consumer's
 * ConsumerGroupMetadata, fencing by a second producer with the same transactional.id, and the coordinator
 * aborting a transaction that outlives transaction.timeout.ms.
 */
class TransactionTest {
  static void createTopics(String... names) throws Exception {
    try (Admin a = Admin.create(Env.base())) {
      List<NewTopic> ts = new ArrayList<>();
      for (String n : names) ts.add(new NewTopic(n, 1, (short) 1));
      a.createTopics(ts).all().get();
    }
  }

  static KafkaProducer<String, String> txProducer(String txnId, int timeoutMs) {
    Properties p = Env.base();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30000);
    return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
  }

  static KafkaProducer<String, String> plainProducer() {
    return new KafkaProducer<>(Env.base(), new StringSerializer(), new StringSerializer());
  }

  static KafkaConsumer<String, String> consumer(String isolation, String group) {
    Properties c = Env.base();
    c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    if (group != null) c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    return new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
  }

  /** "offset:value" of every record of partition 0 up to the end offset this isolation level reports. */
  static List<String> readToEnd(String topic, String isolation) {
    TopicPartition tp = new TopicPartition(topic, 0);
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = consumer(isolation, null)) {
      c.assign(List.of(tp));
      c.seekToBeginning(List.of(tp));
      long end = c.endOffsets(List.of(tp)).get(tp);
      long deadline = System.currentTimeMillis() + 20_000;
      while (c.position(tp) < end) {
        if (System.currentTimeMillis() > deadline) fail(isolation + " did not reach " + end + "; read " + out);
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.offset() + ":" + r.value());
      }
      // Nothing past the end this isolation level reports.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) out.add(r.offset() + ":" + r.value());
    }
    return out;
  }

  static long endOffset(String topic, String isolation) {
    TopicPartition tp = new TopicPartition(topic, 0);
    try (KafkaConsumer<String, String> c = consumer(isolation, null)) {
      return c.endOffsets(List.of(tp)).get(tp);
    }
  }

  static boolean isFencing(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException) return true;
    }
    return false;
  }

  @Test
  void committedRecordsAreReadByReadCommittedAndAbortedOnesOnlyByReadUncommitted() throws Exception {
    String t = Env.name("txn-ca");
    createTopics(t);
    try (KafkaProducer<String, String> p = txProducer(Env.name("tx-ca"), 60000)) {
      p.initTransactions();
      p.beginTransaction();
      p.send(new ProducerRecord<>(t, "k", "a"));
      p.send(new ProducerRecord<>(t, "k", "b"));
      p.commitTransaction();
      p.beginTransaction();
      p.send(new ProducerRecord<>(t, "k", "x"));
      p.flush();
      p.abortTransaction();
      p.beginTransaction();
      p.send(new ProducerRecord<>(t, "k", "c"));
      p.commitTransaction();
    }
    // a 0, b 1, COMMIT 2, x 3, ABORT 4, c 5, COMMIT 6
    assertEquals(List.of("0:a", "1:b", "5:c"), readToEnd(t, "read_committed"));
    assertEquals(List.of("0:a", "1:b", "3:x", "5:c"), readToEnd(t, "read_uncommitted"));
    assertEquals(7, endOffset(t, "read_committed"), "the last stable offset is the log end once all is decided");
  }

  @Test
  void aReadCommittedConsumerStopsAtTheLastStableOffsetOfAnOpenTransaction() throws Exception {
    String t = Env.name("txn-open");
    createTopics(t);
    try (KafkaProducer<String, String> plain = plainProducer();
        KafkaProducer<String, String> p = txProducer(Env.name("tx-open"), 60000)) {
      plain.send(new ProducerRecord<>(t, "before")).get();
      p.initTransactions();
      p.beginTransaction();
      p.send(new ProducerRecord<>(t, "pending")).get();
      plain.send(new ProducerRecord<>(t, "after")).get();
      assertEquals(1, endOffset(t, "read_committed"), "the LSO is the open transaction's first offset");
      assertEquals(3, endOffset(t, "read_uncommitted"), "the high watermark");
      assertEquals(List.of("0:before"), readToEnd(t, "read_committed"));
      p.commitTransaction();
    }
    assertEquals(4, endOffset(t, "read_committed"), "after the commit the LSO is the log end (marker at 3)");
    assertEquals(List.of("0:before", "1:pending", "2:after"), readToEnd(t, "read_committed"));
  }

  @Test
  void sendOffsetsToTransactionCommitsTheGroupsOffsetsOnlyWhenTheTransactionCommits() throws Exception {
    String in = Env.name("ctp-in");
    String out = Env.name("ctp-out");
    String group = Env.name("ctp-group");
    createTopics(in, out);
    try (KafkaProducer<String, String> plain = plainProducer()) {
      for (String v : List.of("one", "two", "three")) plain.send(new ProducerRecord<>(in, v)).get();
    }
    TopicPartition inTp = new TopicPartition(in, 0);
    try (KafkaConsumer<String, String> c = consumer("read_committed", group);
        KafkaProducer<String, String> p = txProducer(Env.name("tx-ctp"), 60000);
        Admin admin = Admin.create(Env.base())) {
      c.subscribe(List.of(in));
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30_000;
      while (got.size() < 3) {
        if (System.currentTimeMillis() > deadline) fail("input not consumed; got " + got);
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) got.add(r);
      }
      p.initTransactions();
      Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(inTp, new OffsetAndMetadata(3));

      // A first attempt that is rolled back: its output is aborted and its offsets never become the group's.
      p.beginTransaction();
      for (ConsumerRecord<String, String> r : got) p.send(new ProducerRecord<>(out, "rolled-back-" + r.value()));
      p.sendOffsetsToTransaction(offsets, c.groupMetadata());
      p.flush(); // the output reaches the broker first (an abort drops batches still unsent), then it is aborted
      p.abortTransaction();
      assertNull(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(inTp),
          "an aborted transaction commits no offset");

      p.beginTransaction();
      for (ConsumerRecord<String, String> r : got) p.send(new ProducerRecord<>(out, r.value().toUpperCase()));
      p.sendOffsetsToTransaction(offsets, c.groupMetadata());
      p.commitTransaction();

      OffsetAndMetadata committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().get(inTp);
      assertNotNull(committed, "the transaction committed the group's offset");
      assertEquals(3, committed.offset());
      assertEquals(3, c.committed(Set.of(inTp)).get(inTp).offset(), "the consumer reads back the same offset");
    }
    List<String> outCommitted = readToEnd(out, "read_committed");
    assertEquals(List.of("ONE", "TWO", "THREE"), outCommitted.stream().map(s -> s.substring(s.indexOf(':') + 1)).toList());
    assertEquals(6, readToEnd(out, "read_uncommitted").size(), "both attempts are in the log");
  }

  @Test
  void aSecondProducerWithTheSameTransactionalIdFencesTheFirst() throws Exception {
    String t = Env.name("txn-fence");
    String txnId = Env.name("tx-fence");
    createTopics(t);
    try (KafkaProducer<String, String> first = txProducer(txnId, 60000)) {
      first.initTransactions();
      first.beginTransaction();
      first.send(new ProducerRecord<>(t, "zombie")).get();
      try (KafkaProducer<String, String> second = txProducer(txnId, 60000)) {
        second.initTransactions(); // bumps the epoch and aborts the first producer's open transaction
        second.beginTransaction();
        second.send(new ProducerRecord<>(t, "winner")).get();
        second.commitTransaction();
      }
      Throwable e = assertThrows(Exception.class, () -> {
        first.send(new ProducerRecord<>(t, "zombie-2")).get();
        first.commitTransaction();
      });
      assertTrue(isFencing(e), () -> "expected ProducerFencedException or InvalidProducerEpochException, got " + e);
    }
    assertEquals(List.of("winner"), readToEnd(t, "read_committed").stream().map(s -> s.substring(s.indexOf(':') + 1)).toList());
    assertEquals(List.of("0:zombie"), readToEnd(t, "read_uncommitted").subList(0, 1));
  }

  @Test
  void aTransactionThatOutlivesItsTimeoutIsAbortedByTheCoordinator() throws Exception {
    String t = Env.name("txn-timeout");
    createTopics(t);
    try (KafkaProducer<String, String> p = txProducer(Env.name("tx-timeout"), 2000)) {
      p.initTransactions();
      p.beginTransaction();
      p.send(new ProducerRecord<>(t, "abandoned")).get();
      assertEquals(0, endOffset(t, "read_committed"), "open: the LSO is held at the transaction's first offset");
      long deadline = System.currentTimeMillis() + 40_000;
      while (endOffset(t, "read_committed") == 0) {
        if (System.currentTimeMillis() > deadline) fail("the timed-out transaction was not aborted within 40 s");
        Thread.sleep(250);
      }
      assertEquals(endOffset(t, "read_uncommitted"), endOffset(t, "read_committed"), "nothing is left undecided");
      assertEquals(List.of(), readToEnd(t, "read_committed"), "the abandoned record was aborted");
      assertThrows(KafkaException.class, p::commitTransaction, "the producer cannot commit an aborted transaction");
    }
  }
}
