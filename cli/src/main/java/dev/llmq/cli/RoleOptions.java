package dev.llmq.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a role is started with: its command's flags, the environment the config resolves against and the clock.
 * Each component uses what applies to it (the broker its data dir and Kafka port, the ingest API the host and the
 * HTTP port, a health server the host and the HTTP port).
 *
 * @param config the config file, or null for the bundled one
 * @param env the environment the config's {@code os.environ/NAME} references resolve against
 * @param dataDir where an embedded broker keeps its data; null when the role runs none
 * @param host the address the role's HTTP API (ingest, usage aggregator) or health server binds
 * @param httpPort the ingest API's or the health server's port; 0 for a free one
 * @param kafkaPort the embedded broker's port; 0 for a free one
 * @param bootstrapServers the Kafka cluster to use (instead of an embedded broker, before the config's
 *                         {@code llmq.kafka.bootstrap.servers}), or null
 * @param workerId this process's worker id; null for a random {@code worker-…}
 * @param ingestId this process's ingest instance id; null for a random {@code ingest-…}
 * @param usageId this process's usage aggregator instance id; null for a random {@code usage-…}
 * @param insecureNoAuth {@code --insecure-no-auth}: an HTTP API or health server may listen beyond loopback without API keys
 *                       ({@link BindPolicy})
 */
record RoleOptions(Path config, Map<String, String> env, Path dataDir, String host, int httpPort, int kafkaPort,
                   String bootstrapServers, String workerId, String ingestId, String usageId, Clock clock,
                   boolean insecureNoAuth) {

    static final String DEFAULT_HOST = "127.0.0.1";

    RoleOptions {
        env = env == null ? Map.of() : Map.copyOf(env);
        Objects.requireNonNull(host, "host");
        checkPort(httpPort, "httpPort");
        checkPort(kafkaPort, "kafkaPort");
        bootstrapServers = bootstrapServers == null || bootstrapServers.isBlank() ? null : bootstrapServers;
        workerId = workerId != null ? workerId : "worker-" + shortRandomId();
        ingestId = ingestId != null ? ingestId : "ingest-" + shortRandomId();
        usageId = usageId != null ? usageId : "usage-" + shortRandomId();
        Objects.requireNonNull(clock, "clock");
    }

    /** A builder: the bundled config, bound to 127.0.0.1 on free ports, no data dir, random ids. */
    static Builder builder(Map<String, String> env, Clock clock) {
        return new Builder(env, clock);
    }

    /** Builds {@link RoleOptions}; every setter is optional, validation happens in {@link #build()}. */
    static final class Builder {
        private final Map<String, String> env;
        private final Clock clock;
        private Path config;
        private Path dataDir;
        private String host = DEFAULT_HOST;
        private int httpPort;
        private int kafkaPort;
        private String bootstrapServers;
        private String workerId;
        private String ingestId;
        private String usageId;
        private boolean insecureNoAuth;

        private Builder(Map<String, String> env, Clock clock) {
            this.env = env;
            this.clock = clock;
        }

        Builder config(Path value) {
            this.config = value;
            return this;
        }

        Builder dataDir(Path value) {
            this.dataDir = value;
            return this;
        }

        Builder host(String value) {
            this.host = value;
            return this;
        }

        Builder httpPort(int value) {
            this.httpPort = value;
            return this;
        }

        Builder kafkaPort(int value) {
            this.kafkaPort = value;
            return this;
        }

        Builder bootstrapServers(String value) {
            this.bootstrapServers = value;
            return this;
        }

        /** Null keeps a random id. */
        Builder workerId(String value) {
            this.workerId = value;
            return this;
        }

        /** Null keeps a random id. */
        Builder ingestId(String value) {
            this.ingestId = value;
            return this;
        }

        /** Null keeps a random id. */
        Builder usageId(String value) {
            this.usageId = value;
            return this;
        }

        /** {@code --insecure-no-auth}: allow an HTTP API beyond loopback without API keys. */
        Builder insecureNoAuth(boolean value) {
            this.insecureNoAuth = value;
            return this;
        }

        RoleOptions build() {
            return new RoleOptions(config, env, dataDir, host, httpPort, kafkaPort, bootstrapServers, workerId,
                    ingestId, usageId, clock, insecureNoAuth);
        }
    }

    private static void checkPort(int port, String name) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException(name + " must be 0..65535, got " + port);
        }
    }

    private static String shortRandomId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }
}
