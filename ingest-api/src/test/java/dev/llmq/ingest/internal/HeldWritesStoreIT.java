package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.awaitility.core.ConditionFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeldWritesStore} under a real Kafka Streams application on the embedded broker: what reaches the changelog,
 * when, and what reads see meanwhile. The application's processor puts each input record's value under its key
 * ({@code -} deletes it, {@code scan} lists the store's keys under the key {@code scan}).
 */
@ExtendWith(KafkaClusterExtension.class)
class HeldWritesStoreIT {

    private static final String STORE = "held";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private String bootstrap;
    private String input;
    private String app;
    /** The records' timestamps count from this (now): the test broker refuses old ones (see KafkaClusterExtension). */
    private long epoch;
    private Admin admin;
    private KafkaProducer<String, String> producer;
    private KafkaStreams streams;
    private volatile Throwable failure;
    private final List<String> transitions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void topics(KafkaCluster kafka) throws Exception {
        bootstrap = kafka.bootstrapServers();
        String id = UUID.randomUUID().toString().substring(0, 8);
        input = "held-in-" + id;
        app = "held-app-" + id;
        epoch = System.currentTimeMillis();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        admin.createTopics(List.of(new NewTopic(input, 1, (short) 1))).all().get();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        producer = new KafkaProducer<>(p);
    }

    @AfterEach
    void close() {
        if (streams != null) {
            stop(streams);
        }
        producer.close();
        admin.close();
    }

    @Test
    void aKeyWrittenSeveralTimesBetweenCommitsReachesTheChangelogOnceWithItsLastValue(@TempDir Path state)
            throws Exception {
        streams = start(state, Duration.ofMinutes(10), 1L << 20);
        send("job-1", "queued", 1_000);
        send("job-2", "queued", 2_000);
        send("job-1", "running", 3_000);
        send("job-1", "done", 4_000);
        send("job-3", "queued", 5_000);
        send("job-3", "-", 6_000);

        // read from this thread (as an interactive query is) before any commit: the held writes answer
        untilRead(() -> "done".equals(read("job-1")) && read("job-3") == null && "queued".equals(read("job-2")));
        assertThat(changelog()).as("nothing is written out before the task commits").isEmpty();

        stop(streams); // a clean close commits
        streams = null;
        assertThat(changelog()).containsOnlyKeys("job-1", "job-2", "job-3")
                .containsEntry("job-1", List.of("done@4000"))
                .containsEntry("job-2", List.of("queued@2000"))
                .containsEntry("job-3", List.of("null@6000"));

        // a store rebuilt from the changelog alone has the last values
        streams = start(state.resolve("other"), Duration.ofMinutes(10), 1L << 20);
        untilRead(() -> "done".equals(read("job-1")) && "queued".equals(read("job-2")));
        assertThat(read("job-3")).isNull();
    }

    @Test
    void kafkaStreamsWritesTheHeldWritesOutAtEachCommit(@TempDir Path state) {
        streams = start(state, Duration.ofMillis(200), 1L << 20);
        send("job-1", "queued", 1_000);
        awaitStreams().until(() -> changelog().containsKey("job-1"));
        send("job-1", "done", 2_000);
        awaitStreams().until(() -> changelog().get("job-1").size() == 2);
        assertThat(changelog().get("job-1")).containsExactly("queued@1000", "done@2000");
    }

    @Test
    void pastTheBoundEveryWriteIsWrittenOutAtOnce(@TempDir Path state) {
        streams = start(state, Duration.ofMinutes(10), 1);
        send("job-1", "queued", 1_000);
        send("job-1", "done", 2_000);
        awaitStreams().until(() -> changelog().getOrDefault("job-1", List.of()).size() == 2);
        assertThat(changelog().get("job-1")).containsExactly("queued@1000", "done@2000");
    }

    @Test
    void aProcessKilledBetweenCommitsLosesNothing(@TempDir Path state) throws Exception {
        List<String> echoed = new CopyOnWriteArrayList<>();
        Process child = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-cp",
                System.getProperty("java.class.path"), Child.class.getName(), bootstrap, app, input, state.toString())
                .redirectErrorStream(true).start();
        try {
            Thread.ofVirtual().start(() -> child.inputReader().lines().forEach(echoed::add));
            send("job-1", "queued", 1_000);
            send("job-1", "done", 2_000);
            send("job-2", "queued", 3_000);
            await().atMost(WAIT).until(() -> echoed.contains("put job-2=queued") || !child.isAlive());
            assertThat(echoed).as("the child process's output").contains("put job-1=done");
            assertThat(changelog()).as("nothing is written out before the first commit").isEmpty();
        } finally {
            child.destroyForcibly().waitFor(); // SIGKILL: no commit, no flush
        }

        // the same state directory: the input is read again from the last committed offsets (none)
        streams = start(state, Duration.ofMinutes(10), 1L << 20);
        untilRead(() -> "done".equals(read("job-1")) && "queued".equals(read("job-2")));
        stop(streams);
        streams = null;
        assertThat(changelog()).containsOnlyKeys("job-1", "job-2").containsEntry("job-1", List.of("done@2000"));
    }

    @Test
    void aScanOnTheTasksThreadSeesTheHeldWrites(@TempDir Path state) {
        streams = start(state, Duration.ofMinutes(10), 1L << 20);
        send("job-1", "queued", 1_000);
        send("job-2", "queued", 2_000);
        send("job-2", "-", 3_000);
        send("scan", "scan", 4_000);
        untilRead(() -> read("scan") != null);
        assertThat(read("scan")).isEqualTo("job-1");
    }

    /**
     * A range read from another thread (an interactive query, as the status store reads a batch's jobs) lays the held
     * writes over what was written out: a held value replaces the written one, a held delete hides it, a held new key
     * is in it, in the store's order.
     */
    @Test
    void aRangeFromAnotherThreadSeesTheHeldWritesOverTheWrittenOnes(@TempDir Path state) {
        streams = start(state, Duration.ofMinutes(10), 1L << 20);
        send("job-1", "queued", 1_000);
        send("job-2", "queued", 2_000);
        send("job-5", "queued", 3_000);
        untilRead(() -> "queued".equals(read("job-5")));
        stop(streams); // a clean close writes them out
        streams = start(state, Duration.ofMinutes(10), 1L << 20);
        untilRead(() -> "queued".equals(read("job-5")));
        send("job-1", "done", 4_000);
        send("job-2", "-", 5_000);
        send("job-4", "queued", 6_000);
        untilRead(() -> "queued".equals(read("job-4")));
        assertThat(changelog().get("job-1")).as("job-1 done is held, not written out").containsExactly("queued@1000");
        assertThat(range("job-0", "job-9")).containsExactly("job-1=done", "job-4=queued", "job-5=queued");
        assertThat(range("job-2", "job-4")).containsExactly("job-4=queued");
    }

    /** The store as an interactive query reads it, from this thread. */
    private ReadOnlyKeyValueStore<String, byte[]> store() {
        return streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
    }

    private List<String> range(String from, String to) {
        List<String> out = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store().range(from, to)) {
            it.forEachRemaining(kv -> out.add(kv.key + "=" + new String(kv.value, StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Waits for {@code condition} on interactive queries; a timeout says where the application got to. */
    private void untilRead(Callable<Boolean> condition) {
        try {
            awaitStreams().ignoreExceptionsInstanceOf(InvalidStateStoreException.class).until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out; the application went " + transitions + ", its threads now "
                    + streams.metadataForLocalThreads(), e);
        }
    }

    /** Waits, failing at once (with the cause) if the application's thread failed. */
    private ConditionFactory awaitStreams() {
        return await().atMost(WAIT).failFast(() -> {
            if (failure != null) {
                throw new AssertionError("the stream thread failed (state " + streams.state() + ")", failure);
            }
        });
    }

    private KafkaStreams start(Path state, Duration commitInterval, long maxHeldBytes) {
        KafkaStreams s = application(bootstrap, app, input, state, commitInterval, maxHeldBytes);
        s.setStateListener((now, before) -> transitions.add(now.name()));
        s.setUncaughtExceptionHandler(e -> {
            failure = e;
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        s.start();
        return s;
    }

    /** The application: {@link PutEach} over the held writes of {@value #STORE}, reading {@code input}. */
    private static KafkaStreams application(String bootstrap, String app, String input, Path state,
                                            Duration commitInterval, long maxHeldBytes) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(HeldWritesStore.builder(Stores.persistentKeyValueStore(STORE), maxHeldBytes));
        builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
                .process(PutEach::new, STORE);
        Properties p = new Properties();
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
        p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.toString(commitInterval.toMillis()));
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        // a killed member does not leave the group: its partition moves after this long
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), "6000");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), "1000");
        return new KafkaStreams(builder.build(), p);
    }

    /**
     * The application in a process of its own, killed by the test: arguments bootstrap, application id, input topic,
     * state directory. It says {@code put <key>=<value>} for each record it has put in the store.
     */
    static final class Child {

        public static void main(String[] args) throws InterruptedException {
            PutEach.echo = line -> {
                System.out.println(line);
                System.out.flush();
            };
            application(args[0], args[1], args[2], Path.of(args[3]), Duration.ofMinutes(10), 1L << 20).start();
            new CountDownLatch(1).await(); // until killed
        }
    }

    /** Closes cleanly and leaves the group, so that the next member gets the partition at once. */
    private static void stop(KafkaStreams s) {
        assertThat(s.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                .withTimeout(Duration.ofSeconds(30)))).as("closed in time").isTrue();
    }

    /** Sends a record stamped {@code millis} after {@link #epoch}. */
    private void send(String key, String value, long millis) {
        producer.send(new ProducerRecord<>(input, null, epoch + millis, key, value));
        producer.flush();
    }

    private String read(String key) {
        byte[] v = store().get(key);
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    /** The changelog's records by key, each as {@code value@millis} (after {@link #epoch}), in order. */
    private Map<String, List<String>> changelog() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            TopicPartition tp = new TopicPartition(app + "-" + STORE + "-changelog", 0);
            if (c.partitionsFor(tp.topic()).isEmpty()) {
                return out;
            }
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    String v = r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8);
                    out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(v + "@" + (r.timestamp() - epoch));
                }
            }
        }
        return out;
    }

    /**
     * Puts each record's value under its key; {@code -} deletes; {@code scan} lists the keys under {@code scan}.
     * Each put is said to {@link #echo}.
     */
    private static final class PutEach implements Processor<String, String, Void, Void> {

        static volatile Consumer<String> echo = line -> { };
        private KeyValueStore<String, byte[]> store;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            store = context.getStateStore(STORE);
        }

        @Override
        public void process(Record<String, String> record) {
            switch (record.value()) {
                case "-" -> store.delete(record.key());
                case "scan" -> {
                    StringJoiner keys = new StringJoiner(",");
                    try (KeyValueIterator<String, byte[]> it = store.all()) {
                        it.forEachRemaining(kv -> keys.add(kv.key));
                    }
                    store.put(record.key(), keys.toString().getBytes(StandardCharsets.UTF_8));
                }
                default -> store.put(record.key(), record.value().getBytes(StandardCharsets.UTF_8));
            }
            echo.accept("put " + record.key() + "=" + record.value());
        }
    }
}
