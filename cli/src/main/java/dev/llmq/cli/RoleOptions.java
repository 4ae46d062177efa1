package dev.llmq.cli;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What a role is started with: its command's flags, the environment the config resolves against and the clock.
 * Each component uses what applies to it (the broker its data dir and Kafka port, the ingest API the host and the
 * HTTP port, a health server the HTTP port).
 *
 * @param config the config file, or null for the bundled one
 * @param env the environment the config's {@code os.environ/NAME} references resolve against
 * @param dataDir where an embedded broker keeps its data; null when the role runs none
 * @param host the address the ingest API binds
 * @param httpPort the ingest API's or the health server's port; 0 for a free one
 * @param kafkaPort the embedded broker's port; 0 for a free one
 * @param bootstrapServers the Kafka cluster to use (instead of an embedded broker, before the config's
 *                         {@code llmq.kafka.bootstrap.servers}), or null
 * @param workerId this process's worker id; null for a random {@code worker-…}
 * @param ingestId this process's ingest instance id; null for a random {@code ingest-…}
 */
record RoleOptions(Path config, Map<String, String> env, Path dataDir, String host, int httpPort, int kafkaPort,
                   String bootstrapServers, String workerId, String ingestId, Clock clock) {

    RoleOptions {
        env = env == null ? Map.of() : Map.copyOf(env);
        Objects.requireNonNull(host, "host");
        checkPort(httpPort, "httpPort");
        checkPort(kafkaPort, "kafkaPort");
        bootstrapServers = bootstrapServers == null || bootstrapServers.isBlank() ? null : bootstrapServers;
        workerId = workerId != null ? workerId : "worker-" + shortRandomId();
        ingestId = ingestId != null ? ingestId : "ingest-" + shortRandomId();
        Objects.requireNonNull(clock, "clock");
    }

    /** The bundled config, bound to 127.0.0.1 on free ports, no data dir, random ids. */
    static RoleOptions of(Map<String, String> env, Clock clock) {
        return new RoleOptions(null, env, null, "127.0.0.1", 0, 0, null, null, null, clock);
    }

    RoleOptions withConfig(Path value) {
        return new RoleOptions(value, env, dataDir, host, httpPort, kafkaPort, bootstrapServers, workerId, ingestId,
                clock);
    }

    RoleOptions withDataDir(Path value) {
        return new RoleOptions(config, env, value, host, httpPort, kafkaPort, bootstrapServers, workerId, ingestId,
                clock);
    }

    RoleOptions withHost(String value) {
        return new RoleOptions(config, env, dataDir, value, httpPort, kafkaPort, bootstrapServers, workerId, ingestId,
                clock);
    }

    RoleOptions withHttpPort(int value) {
        return new RoleOptions(config, env, dataDir, host, value, kafkaPort, bootstrapServers, workerId, ingestId,
                clock);
    }

    RoleOptions withKafkaPort(int value) {
        return new RoleOptions(config, env, dataDir, host, httpPort, value, bootstrapServers, workerId, ingestId,
                clock);
    }

    RoleOptions withBootstrapServers(String value) {
        return new RoleOptions(config, env, dataDir, host, httpPort, kafkaPort, value, workerId, ingestId, clock);
    }

    /** A null id keeps a random one. */
    RoleOptions withWorkerId(String value) {
        return new RoleOptions(config, env, dataDir, host, httpPort, kafkaPort, bootstrapServers,
                value != null ? value : workerId, ingestId, clock);
    }

    /** A null id keeps a random one. */
    RoleOptions withIngestId(String value) {
        return new RoleOptions(config, env, dataDir, host, httpPort, kafkaPort, bootstrapServers, workerId,
                value != null ? value : ingestId, clock);
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
