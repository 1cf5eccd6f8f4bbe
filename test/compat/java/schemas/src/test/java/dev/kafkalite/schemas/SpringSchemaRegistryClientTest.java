package dev.kafkalite.schemas;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cloud.stream.schema.registry.SchemaNotFoundException;
import org.springframework.cloud.stream.schema.registry.SchemaReference;
import org.springframework.cloud.stream.schema.registry.SchemaRegistrationResponse;
import org.springframework.cloud.stream.schema.registry.avro.AvroSchemaRegistryClientMessageConverter;
import org.springframework.cloud.stream.schema.registry.avro.AvroSchemaServiceManagerImpl;
import org.springframework.cloud.stream.schema.registry.avro.DefaultSubjectNamingStrategy;
import org.springframework.cloud.stream.schema.registry.client.ConfluentSchemaRegistryClient;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.messaging.Message;
import org.springframework.messaging.MessageHeaders;
import org.springframework.messaging.support.MessageBuilder;
import org.springframework.web.client.HttpStatusCodeException;

/**
 * Spring Cloud Stream's schema registry client against Kafka Lite's embedded Schema Registry, through Confluent's
 * REST API: ConfluentSchemaRegistryClient registers and fetches Avro schemas (POST /subjects/{s}/versions, GET
 * /subjects/{s}/versions, GET /schemas/ids/{id}, GET /subjects/{s}/versions/{v}), and its Avro message converter
 * (dynamic schema generation off) registers a record's schema, writes the Avro bytes and names the subject and
 * version in a content type (`application/vnd.<subject>.v<version>+avro`). Those bytes and that content type go
 * through Kafka Lite with kafka-clients (the content type as the record's `contentType` header, as Spring Cloud
 * Stream's Kafka binder carries it) and a second converter, with caches of its own, reads them back, fetching the
 * writer schema from the registry.
 */
class SpringSchemaRegistryClientTest {
  /** The client, counting the schema fetches by subject and version (the converter's read path). */
  static final class CountingClient extends ConfluentSchemaRegistryClient {
    final List<SchemaReference> fetched = Collections.synchronizedList(new ArrayList<>());

    CountingClient() {
      setEndpoint(Env.registryUrl());
    }

    @Override
    public String fetch(SchemaReference reference) {
      fetched.add(reference);
      return super.fetch(reference);
    }
  }

  static AvroSchemaRegistryClientMessageConverter converter(ConfluentSchemaRegistryClient client, Schema reader) {
    AvroSchemaRegistryClientMessageConverter c =
        new AvroSchemaRegistryClientMessageConverter(
            client, new ConcurrentMapCacheManager(), new AvroSchemaServiceManagerImpl());
    c.setDynamicSchemaGenerationEnabled(false);
    c.setSubjectNamingStrategy(new DefaultSubjectNamingStrategy());
    if (reader != null) c.setReaderSchema(new ByteArrayResource(reader.toString().getBytes(StandardCharsets.UTF_8)));
    c.afterPropertiesSet();
    return c;
  }

  /** A payment record: id, amount (long), currency, plus `extraField` when not null. */
  static Schema payment(String name, String extraField) {
    return new Schema.Parser()
        .parse(
            "{\"type\":\"record\",\"name\":\""
                + name
                + "\",\"namespace\":\"dev.kafkalite.schemas\",\"fields\":["
                + "{\"name\":\"id\",\"type\":\"string\"},"
                + "{\"name\":\"amount\",\"type\":\"long\"},"
                + "{\"name\":\"currency\",\"type\":\"string\"}"
                + (extraField == null ? "" : "," + extraField)
                + "]}");
  }

  static GenericRecord paymentRecord(Schema schema, int i) {
    GenericRecord r = new GenericData.Record(schema);
    r.put("id", "p-" + i);
    r.put("amount", 1000L * i + 7);
    r.put("currency", i % 2 == 0 ? "EUR" : "USD");
    return r;
  }

  /** The converter's output: its Avro bytes and the content type it put on the message. */
  record Written(byte[] bytes, String contentType) {}

  static Written write(AvroSchemaRegistryClientMessageConverter c, GenericRecord record) {
    Message<?> m = c.toMessage(record, new MessageHeaders(Map.of()));
    assertNotNull(m, "the converter turns a GenericRecord into a message");
    Object contentType = m.getHeaders().get(MessageHeaders.CONTENT_TYPE);
    assertNotNull(contentType, "the converter names the schema in the message's content type");
    return new Written((byte[]) m.getPayload(), contentType.toString());
  }

  static void produce(String topic, List<Written> values) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = Env.producer()) {
      int i = 0;
      for (Written w : values) {
        ProducerRecord<byte[], byte[]> r =
            new ProducerRecord<>(topic, ("k" + i++).getBytes(StandardCharsets.UTF_8), w.bytes());
        r.headers().add(MessageHeaders.CONTENT_TYPE, w.contentType().getBytes(StandardCharsets.UTF_8));
        p.send(r).get();
      }
    }
  }

  static GenericRecord read(AvroSchemaRegistryClientMessageConverter c, ConsumerRecord<byte[], byte[]> r) {
    Header h = r.headers().lastHeader(MessageHeaders.CONTENT_TYPE);
    assertNotNull(h, "the record keeps its contentType header through Kafka Lite");
    Message<byte[]> m =
        MessageBuilder.withPayload(r.value())
            .setHeader(MessageHeaders.CONTENT_TYPE, new String(h.value(), StandardCharsets.UTF_8))
            .build();
    Object out = c.fromMessage(m, GenericRecord.class);
    assertNotNull(out, "the converter reads the Avro bytes back");
    return (GenericRecord) out;
  }

  static String subjectOf(Schema s) {
    return s.getName().toLowerCase(); // DefaultSubjectNamingStrategy: the record's name, lower-cased
  }

  static void setBackward(String subject) throws Exception {
    Env.Answer a = Env.registry("PUT", "/config/" + subject, "{\"compatibility\":\"BACKWARD\"}");
    assertEquals(200, a.status(), a.body());
    assertEquals("{\"compatibility\":\"BACKWARD\"}", a.body());
  }

  @Test
  @DisplayName(
      "a schema registered through ConfluentSchemaRegistryClient reads back by id and by subject/version, and"
          + " registering it again answers the same id and version")
  void registerAndFetchByIdAndBySubjectVersion() throws Exception {
    Schema v1 = payment(Env.recordName("Registered"), null);
    String subject = subjectOf(v1);
    ConfluentSchemaRegistryClient client = new CountingClient();

    SchemaRegistrationResponse first = client.register(subject, "avro", v1.toString());
    assertTrue(first.getId() > 0, "a positive schema id");
    assertEquals(new SchemaReference(subject, 1, "avro"), first.getSchemaReference());

    assertEquals(v1, new Schema.Parser().parse(client.fetch(first.getId())), "GET /schemas/ids/{id}");
    assertEquals(
        v1, new Schema.Parser().parse(client.fetch(new SchemaReference(subject, 1, "avro"))), "by subject/version");

    SchemaRegistrationResponse again = client.register(subject, "avro", v1.toString());
    assertEquals(first.getId(), again.getId(), "the same schema keeps its id");
    assertEquals(first.getSchemaReference(), again.getSchemaReference(), "and its version: no second version");
    assertEquals("[1]", Env.registry("GET", "/subjects/" + subject + "/versions", null).body());

    assertThrows(
        SchemaNotFoundException.class,
        () -> client.fetch(new SchemaReference(subject, 2, "avro")),
        "a version that does not exist is the client's SchemaNotFoundException (the registry's 404)");
  }

  @Test
  @DisplayName(
      "ten GenericRecords written by the Avro converter go through Kafka Lite with their content type and read"
          + " back equal, the writer schema fetched from the registry by subject and version")
  void converterRecordsRoundTripThroughKafkaLite() throws Exception {
    Schema v1 = payment(Env.recordName("Payment"), null);
    String subject = subjectOf(v1);
    String topic = "payments-" + subject;
    Env.createTopic(topic);

    CountingClient writerClient = new CountingClient();
    AvroSchemaRegistryClientMessageConverter writer = converter(writerClient, null);
    List<GenericRecord> sent = new ArrayList<>();
    List<Written> written = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      GenericRecord r = paymentRecord(v1, i);
      sent.add(r);
      written.add(write(writer, r));
    }
    for (Written w : written) assertEquals("application/vnd." + subject + ".v1+avro", w.contentType());
    assertEquals("[1]", Env.registry("GET", "/subjects/" + subject + "/versions", null).body(),
        "the converter registered the record's schema as the subject's version 1");
    produce(topic, written);

    List<ConsumerRecord<byte[], byte[]>> got = Env.readAll(topic, 10);
    assertEquals(10, got.size(), "every record read back from Kafka Lite");
    CountingClient readerClient = new CountingClient();
    AvroSchemaRegistryClientMessageConverter reader = converter(readerClient, null);
    List<GenericRecord> received = new ArrayList<>();
    for (int i = 0; i < got.size(); i++) {
      assertArrayEquals(written.get(i).bytes(), got.get(i).value(), "the Avro bytes unchanged");
      received.add(read(reader, got.get(i)));
    }
    assertEquals(sent, received, "the same records, in order");
    assertEquals(
        List.of(new SchemaReference(subject, 1, "avro")),
        readerClient.fetched,
        "the reading converter fetched the writer schema from the registry once (then from its cache)");
  }

  @Test
  @DisplayName(
      "an incompatible evolution under the subject's BACKWARD level is refused by the registry with 409, which"
          + " the client surfaces, and the subject keeps its one version")
  void incompatibleEvolutionIsRefused() throws Exception {
    String name = Env.recordName("Refused");
    Schema v1 = payment(name, null);
    String subject = subjectOf(v1);
    ConfluentSchemaRegistryClient client = new CountingClient();
    client.register(subject, "avro", v1.toString());
    setBackward(subject);

    // a new required field without a default: a v2 reader cannot read v1 records
    Schema bad = payment(name, "{\"name\":\"merchant\",\"type\":\"string\"}");
    RuntimeException e =
        assertThrows(RuntimeException.class, () -> client.register(subject, "avro", bad.toString()));
    assertTrue(e.getMessage().contains("replied with status 409"), e.getMessage());
    HttpStatusCodeException http = assertInstanceOf(HttpStatusCodeException.class, e.getCause());
    assertEquals(409, http.getStatusCode().value());
    assertTrue(http.getResponseBodyAsString().contains("\"error_code\":409"), http.getResponseBodyAsString());
    assertEquals("[1]", Env.registry("GET", "/subjects/" + subject + "/versions", null).body());
  }

  @Test
  @DisplayName(
      "a compatible evolution registers as version 2 under BACKWARD, and records written with v1 read back through"
          + " Kafka Lite with v2 as the reader schema (the new field at its default)")
  void compatibleEvolutionReadsOldRecordsWithTheNewSchema() throws Exception {
    String name = Env.recordName("Evolved");
    Schema v1 = payment(name, null);
    String subject = subjectOf(v1);
    String topic = "evolved-" + subject;
    Env.createTopic(topic);

    CountingClient client = new CountingClient();
    AvroSchemaRegistryClientMessageConverter writer = converter(client, null);
    List<GenericRecord> sent = new ArrayList<>();
    List<Written> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      GenericRecord r = paymentRecord(v1, i);
      sent.add(r);
      written.add(write(writer, r));
    }
    produce(topic, written);
    setBackward(subject);

    Schema v2 = payment(name, "{\"name\":\"merchant\",\"type\":\"string\",\"default\":\"unknown\"}");
    SchemaRegistrationResponse r2 = client.register(subject, "avro", v2.toString());
    assertEquals(new SchemaReference(subject, 2, "avro"), r2.getSchemaReference());
    assertNotEquals(client.register(subject, "avro", v1.toString()).getId(), r2.getId(), "v2 has an id of its own");
    assertEquals(v2, new Schema.Parser().parse(client.fetch(r2.getId())));

    List<ConsumerRecord<byte[], byte[]>> got = Env.readAll(topic, 5);
    assertEquals(5, got.size());
    CountingClient readerClient = new CountingClient();
    AvroSchemaRegistryClientMessageConverter reader = converter(readerClient, v2);
    for (int i = 0; i < got.size(); i++) {
      GenericRecord old = sent.get(i);
      GenericRecord r = read(reader, got.get(i));
      assertEquals(v2, r.getSchema(), "read as v2");
      assertEquals(old.get("id").toString(), r.get("id").toString());
      assertEquals(old.get("amount"), r.get("amount"));
      assertEquals(old.get("currency").toString(), r.get("currency").toString());
      assertEquals("unknown", r.get("merchant").toString(), "the field v1 lacks takes v2's default");
    }
    assertEquals(List.of(new SchemaReference(subject, 1, "avro")), readerClient.fetched,
        "the writer schema, v1, fetched by the version named in the records' content type");
  }
}
