package dev.kafkalite.compat;

import static org.junit.jupiter.api.Assertions.*;

import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Admin client: what kafka-topics, kafka-configs and every Spring app's KafkaAdmin do through it. */
class AdminTest {
  static Admin admin;

  @BeforeAll
  static void open() {
    admin = Admin.create(Env.base());
  }

  @AfterAll
  static void close() {
    admin.close();
  }

  static Throwable cause(KafkaFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, f::get);
    return e.getCause();
  }

  @Test
  void describeClusterNamesOneBrokerOnLoopbackAsController() throws Exception {
    DescribeClusterResult r = admin.describeCluster();
    Collection<org.apache.kafka.common.Node> nodes = r.nodes().get();
    assertEquals(1, nodes.size());
    org.apache.kafka.common.Node n = nodes.iterator().next();
    assertEquals(Env.bootstrap(), n.host() + ":" + n.port());
    assertNotNull(r.clusterId().get());
    assertEquals(n.id(), r.controller().get().id());
  }

  @Test
  void topicIdsAreAnsweredAtCreationDescribedAndDeleteByIdAndARecreatedTopicGetsANewOne() throws Exception {
    String t = Env.name("admin-ids");
    CreateTopicsResult created = admin.createTopics(List.of(new NewTopic(t, 2, (short) 1)));
    Uuid id = created.topicId(t).get();
    assertNotEquals(Uuid.ZERO_UUID, id);
    assertEquals(id, admin.describeTopics(List.of(t)).allTopicNames().get().get(t).topicId());
    // by id (Metadata v12 / DescribeTopicPartitions by name on the 4.x client)
    TopicDescription byId =
        admin.describeTopics(TopicCollection.ofTopicIds(List.of(id))).allTopicIds().get().get(id);
    assertEquals(t, byId.name());
    assertEquals(2, byId.partitions().size());
    admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get();
    assertFalse(admin.listTopics().names().get().contains(t));
    Uuid again = admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).topicId(t).get();
    assertNotEquals(id, again, "a topic created again under the same name has a new id");
    // the old id names no topic: deleting by it fails and leaves the new topic alone
    Throwable gone = cause(admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all());
    assertInstanceOf(UnknownTopicIdException.class, gone);
    assertTrue(admin.listTopics().names().get().contains(t));
    admin.deleteTopics(List.of(t)).all().get();
  }

  @Test
  void describeFeaturesFinalizesMetadataVersion25AndNoTransactionVersion() throws Exception {
    FeatureMetadata f = admin.describeFeatures().featureMetadata().get();
    assertEquals(Set.of("metadata.version"), f.finalizedFeatures().keySet());
    FinalizedVersionRange mv = f.finalizedFeatures().get("metadata.version");
    assertEquals(25, mv.maxVersionLevel(), "4.0-IV3");
    assertEquals(25, mv.minVersionLevel());
    assertEquals(Optional.of(0L), f.finalizedFeaturesEpoch());
    assertEquals(Set.of("metadata.version"), f.supportedFeatures().keySet());
    assertFalse(f.finalizedFeatures().containsKey("transaction.version"));
  }

  @Test
  void createTopicsWithConfigsAndBrokerDefaultReplicationThenListDescribeAndDelete() throws Exception {
    String a = Env.name("admin-a");
    String b = Env.name("admin-b");
    admin
        .createTopics(
            List.of(
                new NewTopic(a, 3, (short) 1).configs(Map.of("retention.ms", "3600000", "cleanup.policy", "delete")),
                new NewTopic(b, Optional.empty(), Optional.empty())))
        .all()
        .get();
    Set<String> names = admin.listTopics().names().get();
    assertTrue(names.contains(a) && names.contains(b), names.toString());
    Map<String, TopicDescription> d = admin.describeTopics(List.of(a, b)).allTopicNames().get();
    assertEquals(3, d.get(a).partitions().size());
    assertEquals(1, d.get(b).partitions().size(), "broker default partitions (1)");
    assertEquals(1, d.get(a).partitions().get(0).replicas().size());
    assertFalse(d.get(a).isInternal());

    assertInstanceOf(
        TopicExistsException.class, cause(admin.createTopics(List.of(new NewTopic(a, 1, (short) 1))).all()));
    assertInstanceOf(
        InvalidConfigurationException.class,
        cause(
            admin
                .createTopics(List.of(new NewTopic(Env.name("bad"), 1, (short) 1).configs(Map.of("no.such", "1"))))
                .all()));

    admin.deleteTopics(List.of(a, b)).all().get();
    assertFalse(admin.listTopics().names().get().contains(a));
    assertInstanceOf(UnknownTopicOrPartitionException.class, cause(admin.deleteTopics(List.of(a)).all()));
  }

  @Test
  void describeConfigsAndIncrementalAlterConfigsRoundTrip() throws Exception {
    String t = Env.name("cfg");
    admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get();
    ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, t);
    Config before = admin.describeConfigs(List.of(res)).all().get().get(res);
    ConfigEntry retention = before.get("retention.ms");
    assertNotNull(retention, "retention.ms is described");
    assertTrue(retention.isDefault());
    admin
        .incrementalAlterConfigs(
            Map.of(
                res,
                List.of(new AlterConfigOp(new ConfigEntry("retention.ms", "120000"), AlterConfigOp.OpType.SET))))
        .all()
        .get();
    ConfigEntry after = admin.describeConfigs(List.of(res)).all().get().get(res).get("retention.ms");
    assertEquals("120000", after.value());
    assertFalse(after.isDefault());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, after.source());
  }

  @Test
  void createPartitionsDeleteRecordsAndListOffsets() throws Exception {
    String t = Env.name("offs");
    admin.createTopics(List.of(new NewTopic(t, 1, (short) 1))).all().get();
    admin.createPartitions(Map.of(t, NewPartitions.increaseTo(2))).all().get();
    assertEquals(2, admin.describeTopics(List.of(t)).allTopicNames().get().get(t).partitions().size());

    TopicPartition tp = new TopicPartition(t, 0);
    long t0 = System.currentTimeMillis() - 60_000;
    Properties p = Env.base();
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(t, 0, t0 + i * 1000L, "k" + i, "v" + i)).get();
    }
    Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> latest =
        admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get();
    assertEquals(10, latest.get(tp).offset());
    assertEquals(
        5, admin.listOffsets(Map.of(tp, OffsetSpec.forTimestamp(t0 + 5000))).all().get().get(tp).offset());
    ListOffsetsResult.ListOffsetsResultInfo max =
        admin.listOffsets(Map.of(tp, OffsetSpec.maxTimestamp())).all().get().get(tp);
    assertEquals(9, max.offset());
    assertEquals(t0 + 9000, max.timestamp());

    admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).all().get();
    assertEquals(4, admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset());
  }

  @Test
  void consumerGroupOffsetsAlterListDeleteAndDeleteGroup() throws Exception {
    String t = Env.name("grp");
    String g = Env.name("g");
    admin.createTopics(List.of(new NewTopic(t, 2, (short) 1))).all().get();
    TopicPartition p0 = new TopicPartition(t, 0);
    TopicPartition p1 = new TopicPartition(t, 1);
    admin
        .alterConsumerGroupOffsets(
            g, Map.of(p0, new OffsetAndMetadata(50, Optional.of(2), "meta"), p1, new OffsetAndMetadata(0)))
        .all()
        .get();
    Map<TopicPartition, OffsetAndMetadata> got = admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get();
    assertEquals(50, got.get(p0).offset());
    assertEquals("meta", got.get(p0).metadata());
    assertEquals(Optional.of(2), got.get(p0).leaderEpoch(), "the committed leader epoch round-trips");
    assertEquals(Optional.empty(), got.get(p1).leaderEpoch(), "no epoch was committed for p1");
    // listConsumerGroups/ConsumerGroupState are deprecated in 4.x (for listGroups/GroupState, which 3.9 lacks):
    // the one API both client lines have.
    Optional<ConsumerGroupListing> listed =
        admin.listConsumerGroups().all().get().stream().filter(l -> l.groupId().equals(g)).findFirst();
    assertTrue(listed.isPresent(), "group is listed");
    assertEquals(Optional.of(ConsumerGroupState.EMPTY), listed.get().state(), "a group with only offsets is Empty");
    ConsumerGroupDescription desc = admin.describeConsumerGroups(List.of(g)).all().get().get(g);
    assertEquals(0, desc.members().size());
    assertEquals(ConsumerGroupState.EMPTY, desc.state());

    admin.deleteConsumerGroupOffsets(g, Set.of(p1)).all().get();
    got = admin.listConsumerGroupOffsets(g).partitionsToOffsetAndMetadata().get();
    assertFalse(got.containsKey(p1), "p1's offset is deleted: " + got);
    admin.deleteConsumerGroups(List.of(g)).all().get();
    assertFalse(admin.listConsumerGroups().all().get().stream().anyMatch(l -> l.groupId().equals(g)));
  }
}
