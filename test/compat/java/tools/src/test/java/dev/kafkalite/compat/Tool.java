package dev.kafkalite.compat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one of Kafka's command-line tools the way its bin/*.sh script does: a separate JVM,
 * {@code java -cp <libs>/* <MainClass> args...}, with the given text on its standard input. The libs folder is
 * the kafka-tools jar and its runtime dependencies, copied there by Maven (-Dkafka.tools.libs). Returns the exit
 * code and what the tool printed; a tool still running after the timeout is killed and reported as a failure.
 */
final class Tool {
  private Tool() {}

  // Main classes, as named by the 4.x bin scripts (kafka-configs.sh moved from kafka.admin to tools in 4.x).
  static final String TOPICS = "org.apache.kafka.tools.TopicCommand";
  static final String CONSOLE_PRODUCER = "org.apache.kafka.tools.ConsoleProducer";
  static final String CONSOLE_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer";
  static final String CONSUMER_GROUPS = "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand";
  static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
  static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
  static final String LOG_DIRS = "org.apache.kafka.tools.LogDirsCommand";
  static final String FEATURES = "org.apache.kafka.tools.FeatureCommand";

  record Result(int exit, String out, String err) {
    List<String> lines() {
      List<String> l = new ArrayList<>();
      for (String s : out.split("\n")) if (!s.isBlank()) l.add(s.stripTrailing());
      return l;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  static String bootstrap() {
    String b = System.getProperty("kafka.bootstrap");
    if (b == null || b.isEmpty()) throw new IllegalStateException("-Dkafka.bootstrap=host:port is required");
    return b;
  }

  /** Starts a tool without waiting for it (its output is discarded): for a consumer that stays in its group. */
  static Process start(String mainClass, String... args) throws IOException {
    List<String> cmd = command(mainClass, args);
    return new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  static Result run(String mainClass, String stdin, String... args) throws Exception {
    Process p = new ProcessBuilder(command(mainClass, args)).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread o = pump(p.getInputStream(), out);
    Thread e = pump(p.getErrorStream(), err);
    try (OutputStream in = p.getOutputStream()) {
      if (stdin != null) in.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(mainClass + " " + String.join(" ", args) + " did not finish within 60 s; printed:\n"
          + out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
    }
    o.join();
    e.join();
    return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** java -cp <libs>/* <MainClass> args..., as kafka-run-class.sh builds it. */
  private static List<String> command(String mainClass, String... args) {
    String libs = System.getProperty("kafka.tools.libs");
    if (libs == null || !hasToolsJar(libs)) {
      throw new IllegalStateException("-Dkafka.tools.libs must name the folder with the kafka-tools jar: " + libs);
    }
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256M", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    cmd.add("-cp");
    cmd.add(libs + File.separator + "*");
    cmd.add(mainClass);
    cmd.addAll(Arrays.asList(args));
    return cmd;
  }

  private static boolean hasToolsJar(String libs) {
    String[] names = new File(libs).list();
    if (names == null) return false;
    for (String n : names) if (n.startsWith("kafka-tools-") && n.endsWith(".jar")) return true;
    return false;
  }

  private static Thread pump(InputStream from, ByteArrayOutputStream to) {
    Thread t = new Thread(() -> {
      try {
        from.transferTo(to);
      } catch (IOException ignored) {
        // the process ended; what it printed so far is kept
      }
    });
    t.start();
    return t;
  }
}
