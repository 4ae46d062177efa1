package dev.llmq.router;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file when its content changes. It reads the (small) file every {@code interval} and compares
 * bytes, which also catches edits within the file system's mtime granularity. An invalid new file is rejected
 * with a logged reason (once per content) and the old config stays in force. A {@code model_list} entry naming an
 * environment variable this process lacks is left out of the new config, with an error logged
 * ({@link LlmqConfig#leftOut}), rather than refusing the whole file: an edit that adds a deployment whose secret only
 * some workers have would otherwise keep the others on their old config through every later edit.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    private final Path file;
    private final Map<String, String> env;
    private final ConfigScope scope;
    private final Set<LlmqSection> reads;
    private final Duration interval;
    private final Consumer<LlmqConfig> onChange;
    private ScheduledExecutorService scheduler;
    private byte[] lastSeen;

    /**
     * @param onChange gets each valid new config, on the watcher's thread
     */
    public ConfigWatcher(Path file, Map<String, String> env, Duration interval, Consumer<LlmqConfig> onChange) {
        this(file, env, ConfigScope.ROUTING, interval, onChange);
    }

    /** Watches the file, reading each new version in the given scope (what the watching role needs). */
    public ConfigWatcher(Path file, Map<String, String> env, ConfigScope scope, Duration interval,
                         Consumer<LlmqConfig> onChange) {
        this(file, env, scope, interval, onChange, null);
    }

    /**
     * As above, comparing against the content the caller already applied, so that an edit made between the caller's
     * read and this watcher's creation is applied at the first check instead of being taken as the baseline.
     *
     * @param inForce the file content the config in force was read from, or null to take the file as it is now
     */
    public ConfigWatcher(Path file, Map<String, String> env, ConfigScope scope, Duration interval,
                         Consumer<LlmqConfig> onChange, byte[] inForce) {
        this(file, env, scope, LlmqSection.all(), interval, onChange, inForce);
    }

    /** As above, reading only the parts of {@code llmq:} the watching role uses ({@link LlmqSection}). */
    public ConfigWatcher(Path file, Map<String, String> env, ConfigScope scope, Set<LlmqSection> reads,
                         Duration interval, Consumer<LlmqConfig> onChange, byte[] inForce) {
        this.scope = java.util.Objects.requireNonNull(scope, "scope");
        this.reads = Set.copyOf(reads);
        this.file = Objects.requireNonNull(file, "file");
        this.env = Map.copyOf(env);
        this.interval = Objects.requireNonNull(interval, "interval");
        this.onChange = Objects.requireNonNull(onChange, "onChange");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval must be > 0");
        }
        this.lastSeen = inForce != null ? inForce.clone() : read();
    }

    /** A started watcher that reloads the router once a second. */
    public static ConfigWatcher watch(Path file, Map<String, String> env, Router router) {
        ConfigWatcher w = new ConfigWatcher(file, env, DEFAULT_INTERVAL, router::reload);
        w.start();
        return w;
    }

    public synchronized void start() {
        if (scheduler != null) {
            return;
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llmq-config-watcher");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::pollQuietly, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * Checks the file once.
     *
     * @return true when a new valid config was applied
     */
    public synchronized boolean checkNow() {
        byte[] now = read();
        if (now == null || Arrays.equals(now, lastSeen)) {
            return false;
        }
        lastSeen = now;
        LlmqConfig config;
        try {
            config = ConfigLoader.parse(new String(now, java.nio.charset.StandardCharsets.UTF_8), env, scope,
                    reads, true);
        } catch (ConfigException e) {
            LOG.warn("config file {} changed but is invalid, keeping the previous config: {}", file, e.getMessage());
            return false;
        }
        if (!config.unsupportedKeys().isEmpty()) {
            LOG.warn("config file {}: keys llmq does not support are ignored: {}", file,
                    config.unsupportedKeys().stream().map(KeySuggestions::describe).toList());
        }
        config.notes().forEach(note -> LOG.warn("config file {}: {}", file, note));
        config.leftOut().forEach((group, why) -> LOG.error("config file {}: {}: left out of this reload until the "
                + "variable is set here; model group '{}' {}", file, String.join("; ", why), group,
                config.modelGroups().contains(group) ? "goes on with its other deployments"
                        : "has no deployment in this process: its jobs fail"));
        onChange.accept(config);
        LOG.info("config file {} reloaded", file);
        return true;
    }

    private void pollQuietly() {
        try {
            checkNow();
        } catch (RuntimeException e) {
            LOG.warn("config reload of {} failed, keeping the previous config", file, e);
        }
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            LOG.debug("cannot read config file {}: {}", file, e.getMessage());
            return null;
        }
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            scheduler = null;
        }
    }
}
