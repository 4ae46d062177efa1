package dev.llmq.runtime.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Formats a KRaft log dir once (like {@code kafka-storage format}) and reads back its cluster id. */
public final class KafkaStorage {

    private static final Logger log = LoggerFactory.getLogger(KafkaStorage.class);
    private static final String META = "meta.properties";

    private KafkaStorage() {
    }

    /**
     * Formats {@code dir} when it holds no {@code meta.properties}; returns the cluster id in use.
     *
     * @param clusterId the id for a fresh format, or null for a random one
     */
    public static String formatIfNeeded(Path dir, int nodeId, String controllerListener, String clusterId) {
        Path meta = dir.resolve(META);
        if (Files.exists(meta)) {
            String existing = readClusterId(meta);
            log.debug("data dir {} already formatted, cluster id {}", dir, existing);
            return existing;
        }
        String id = clusterId != null ? clusterId : Uuid.randomUuid().toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            Files.createDirectories(dir);
            new Formatter()
                    .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .setNodeId(nodeId)
                    .setClusterId(id)
                    .setControllerListenerName(controllerListener)
                    .setMetadataLogDirectory(dir.toString())
                    .setDirectories(List.of(dir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka data dir " + dir + ": " + e.getMessage(), e);
        }
        log.debug("formatted {}: {}", dir, out.toString(StandardCharsets.UTF_8).strip());
        return id;
    }

    static String readClusterId(Path meta) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + meta, e);
        }
        String id = p.getProperty("cluster.id");
        if (id == null || id.isBlank()) {
            throw new IllegalStateException(meta + " has no cluster.id");
        }
        return id;
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            log.warn("could not delete {} completely: {}", dir, e.toString());
        }
    }
}
