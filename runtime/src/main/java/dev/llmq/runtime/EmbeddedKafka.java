package dev.llmq.runtime;

import dev.llmq.runtime.internal.DataDirLock;
import dev.llmq.runtime.internal.FreePorts;
import dev.llmq.runtime.internal.KafkaStorage;
import dev.llmq.runtime.internal.SaslBroker;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka 4.4 broker and KRaft controller running inside this JVM.
 *
 * <p>The data directory is formatted on first start only (when {@code meta.properties} is missing);
 * later starts on the same directory keep the cluster id, topics and records. Defaults suit one node:
 * replication factor 1 everywhere, one offsets partition, no initial rebalance delay, transactions
 * usable, automatic topic creation off, request thread pools sized to the machine's cores ({@link #threadPools}).
 * Extra broker properties override the defaults. One broker at a time holds a data directory ({@link DataDirLock}): a
 * second one, in this process or another, is refused before Kafka touches it.
 *
 * <pre>{@code
 * try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(0).build().start()) {
 *     String bootstrap = kafka.bootstrapServers(); // "127.0.0.1:PORT"
 * }
 * }</pre>
 */
public final class EmbeddedKafka implements KafkaCluster, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final int AUTO_PORT_ATTEMPTS = 5;

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final int requestedPort;
    private final int requestedControllerPort;
    private final String requestedClusterId;
    private final Map<String, String> extraProperties;
    private final SaslBroker sasl;

    private KafkaRaftServer server;
    private DataDirLock dataDirLock;
    private int port;
    private int controllerPort;
    private String clusterId;

    private EmbeddedKafka(Builder b) throws IOException {
        this.ownsDataDir = b.dataDir == null;
        this.dataDir = ownsDataDir ? Files.createTempDirectory("llmq-kafka-") : b.dataDir.toAbsolutePath();
        this.requestedPort = b.port;
        this.requestedControllerPort = b.controllerPort;
        this.requestedClusterId = b.clusterId;
        this.extraProperties = Map.copyOf(b.properties);
        this.sasl = b.superUser == null ? null : new SaslBroker(b.superUser, b.superPassword, b.users);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Formats the data directory if needed and starts the broker; returns once it accepts clients. */
    public synchronized EmbeddedKafka start() {
        if (server != null) {
            return this;
        }
        long t0 = System.nanoTime();
        dataDirLock = DataDirLock.acquire(dataDir);
        try {
            startOnFreePorts();
        } catch (RuntimeException e) {
            releaseDataDir();
            throw e;
        }
        log.info("embedded Kafka broker ready at {} (controller port {}, data dir {}, cluster id {}) in {} ms",
                bootstrapServers(), controllerPort, dataDir, clusterId,
                Duration.ofNanos(System.nanoTime() - t0).toMillis());
        return this;
    }

    private void startOnFreePorts() {
        int attempts = requestedPort == 0 || requestedControllerPort == 0 ? AUTO_PORT_ATTEMPTS : 1;
        for (int attempt = 1; ; attempt++) {
            int bport = requestedPort == 0 ? FreePorts.find() : FreePorts.requireFree("Kafka broker", requestedPort);
            int cport = requestedControllerPort == 0
                    ? FreePorts.findOtherThan(bport)
                    : FreePorts.requireFree("Kafka controller", requestedControllerPort);
            try {
                startOn(bport, cport);
                break;
            } catch (RuntimeException e) {
                if (!isBindFailure(e)) {
                    throw e;
                }
                if (attempt >= attempts) {
                    int busy = requestedPort != 0 ? bport : cport;
                    throw new PortInUseException("Kafka broker", busy, e);
                }
                log.debug("port {} or {} was taken before the broker bound it, trying others", bport, cport);
            }
        }
    }

    private void startOn(int bport, int cport) {
        Properties props = brokerProperties(bport, cport);
        KafkaConfig config = new KafkaConfig(props, false);
        String id = KafkaStorage.formatIfNeeded(dataDir, NODE_ID, "CONTROLLER", requestedClusterId);
        KafkaRaftServer candidate = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            candidate.startup();
        } catch (RuntimeException e) {
            stopQuietly(candidate);
            throw e;
        }
        this.server = candidate;
        this.port = bport;
        this.controllerPort = cport;
        this.clusterId = id;
        if (sasl != null) {
            try {
                sasl.addScramCredentials(HOST + ":" + bport);
            } catch (RuntimeException e) {
                this.server = null;
                stopQuietly(candidate);
                throw e;
            }
        }
    }

    /**
     * How long the controller waits for the broker's heartbeats before it fences it: 3 s, a heartbeat every 500 ms
     * (Kafka's defaults: 9 s and 2 s). A broker killed without a clean shutdown cannot register again until its
     * former registration's session ends, and the controller, started again in the same process, gives that
     * registration a session of its own first: with Kafka's 9 s the broker of a standalone killed with SIGKILL took
     * 10.5 s from its controller's start to ready, with these 3.4 s. One broker heartbeating the controller of its
     * own process over loopback needs no more slack than this.
     */
    static final Map<String, String> SESSION = Map.of("broker.heartbeat.interval.ms", "500",
            "broker.session.timeout.ms", "3000");

    /**
     * The request pools sized to the machine the broker shares with the rest of llmq: Kafka's defaults (3 network
     * threads, 8 request handlers) are made for a broker with a machine of its own. On 2 cores the extra threads only
     * hand requests and responses to each other: with 1 and 2 the broker took 9–16% less CPU per job at saturation
     * (three end-to-end runs against the defaults, alternately). From 8 cores on, Kafka's defaults.
     */
    static Map<String, String> threadPools(int cores) {
        return Map.of("num.network.threads", Integer.toString(Math.clamp(cores / 2, 1, 3)),
                "num.io.threads", Integer.toString(Math.clamp(cores, 2, 8)));
    }

    Properties brokerProperties(int bport, int cport) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@" + HOST + ":" + cport);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + bport + ",CONTROLLER://" + HOST + ":" + cport);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + bport);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        // a transaction left open by a killed worker is aborted within a second of its timeout, not ten: until then
        // its partitions' next owner cannot read their committed offsets (read_committed waits for it)
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000");
        p.putAll(SESSION);
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.putAll(threadPools(Runtime.getRuntime().availableProcessors()));
        if (sasl != null) {
            p.putAll(sasl.brokerProperties(HOST, bport, cport));
        }
        p.putAll(extraProperties);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    @Override
    public synchronized String bootstrapServers() {
        requireRunning();
        return HOST + ":" + port;
    }

    @Override
    public String description() {
        return "embedded KRaft broker (Kafka 4.4, data dir " + dataDir + ")";
    }

    /**
     * The properties a client needs besides {@code bootstrap.servers}: none for a PLAINTEXT broker; for a SASL one
     * ({@link Builder#sasl}) the super user's ({@link KafkaSasl#clientProperties}, PLAIN), who may do anything.
     */
    public Map<String, String> superUserProperties() {
        return sasl == null ? Map.of() : KafkaSasl.clientProperties(KafkaSasl.PLAIN, sasl.superUser(),
                sasl.superPassword());
    }

    /** The broker port clients connect to. */
    public synchronized int port() {
        requireRunning();
        return port;
    }

    public synchronized int controllerPort() {
        requireRunning();
        return controllerPort;
    }

    public synchronized String clusterId() {
        requireRunning();
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** Stops the broker cleanly. Idempotent. A temporary data dir (none given) is deleted. */
    @Override
    public synchronized void close() {
        if (server != null) {
            long t0 = System.nanoTime();
            KafkaRaftServer s = server;
            server = null;
            s.shutdown();
            s.awaitShutdown();
            log.info("embedded Kafka broker on port {} stopped in {} ms", port,
                    Duration.ofNanos(System.nanoTime() - t0).toMillis());
        }
        releaseDataDir();
        if (ownsDataDir) {
            KafkaStorage.deleteRecursively(dataDir);
        }
    }

    private void releaseDataDir() {
        if (dataDirLock != null) {
            dataDirLock.close();
            dataDirLock = null;
        }
    }

    private void requireRunning() {
        if (server == null) {
            throw new IllegalStateException("the embedded Kafka broker is not running; call start() first");
        }
    }

    private static void stopQuietly(KafkaRaftServer s) {
        try {
            s.shutdown();
            s.awaitShutdown();
        } catch (RuntimeException e) {
            log.debug("error while stopping a broker that failed to start", e);
        }
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
            String m = t.getMessage();
            if (m != null && (m.contains("failed to bind") || m.contains("Address already in use"))) {
                return true;
            }
        }
        return false;
    }

    /** Configures an {@link EmbeddedKafka}; nothing starts until {@link EmbeddedKafka#start()}. */
    public static final class Builder {
        private Path dataDir;
        private int port;
        private int controllerPort;
        private String clusterId;
        private final Map<String, String> properties = new LinkedHashMap<>();
        private final Map<String, String> users = new LinkedHashMap<>();
        private String superUser;
        private String superPassword;

        private Builder() {
        }

        /**
         * Makes the client listener SASL_PLAINTEXT with the PLAIN and SCRAM-SHA-512 mechanisms and turns on the
         * {@code StandardAuthorizer} (no ACL: no access). The broker itself (inter-broker and controller listeners)
         * authenticates as the super user, who may do anything; other users need ACLs.
         */
        public Builder sasl(String superUser, String superPassword) {
            this.superUser = Objects.requireNonNull(superUser, "superUser");
            this.superPassword = Objects.requireNonNull(superPassword, "superPassword");
            return this;
        }

        /** A client user of the SASL listener ({@link #sasl}), for PLAIN and SCRAM-SHA-512 alike. */
        public Builder saslUser(String name, String password) {
            users.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(password, "password"));
            return this;
        }

        /** Where the broker keeps its logs and metadata; omitted means a temporary dir deleted on close. */
        public Builder dataDir(Path dir) {
            this.dataDir = Objects.requireNonNull(dir, "dataDir");
            return this;
        }

        /** Broker (client) port on 127.0.0.1; 0 picks a free one. */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** KRaft controller port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /** Cluster id used when the data dir is formatted for the first time; random when omitted. */
        public Builder clusterId(String id) {
            this.clusterId = Objects.requireNonNull(id, "clusterId");
            return this;
        }

        /** An extra broker property; overrides the defaults. */
        public Builder brokerProperty(String key, String value) {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder brokerProperties(Map<String, String> props) {
            props.forEach(this::brokerProperty);
            return this;
        }

        public EmbeddedKafka build() {
            if (superUser == null && !users.isEmpty()) {
                throw new IllegalStateException("saslUser needs sasl(superUser, superPassword) first");
            }
            try {
                return new EmbeddedKafka(this);
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a temporary data dir for the embedded broker", e);
            }
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, got " + port);
            }
            return port;
        }
    }
}
