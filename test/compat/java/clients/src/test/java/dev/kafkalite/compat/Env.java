package dev.kafkalite.compat;

import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.CommonClientConfigs;

/** Where the broker under test is, and unique names so tests never share a topic or a group. */
final class Env {
  private Env() {}

  static String bootstrap() {
    String b = System.getProperty("kafka.bootstrap");
    if (b == null || b.isEmpty()) throw new IllegalStateException("-Dkafka.bootstrap=host:port is required");
    return b;
  }

  static String clientVersion() {
    return System.getProperty("kafka.version", "?");
  }

  static Properties base() {
    Properties p = new Properties();
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, 15000);
    p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return p;
  }

  static String name(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
