package dev.llmq.cli;

import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when a reloaded config changes parts of {@code llmq:} that the role applies only at its start
 * ({@link Role#restartOnly}: its topics, Kafka settings, worker or ingest settings...): the reload is logged as done,
 * and without this a new {@code llmq.topics.prefix} looked applied while the role went on with the old topics. Warns
 * once per set of parts that differ from what the role started with.
 */
final class RestartOnlyChanges implements Consumer<LlmqConfig> {

    private static final Logger LOG = LoggerFactory.getLogger(RestartOnlyChanges.class);

    private final Role role;
    private final Set<LlmqSection> restartOnly;
    private final LlmqConfig started;
    private final String source;
    private List<String> warned = List.of();

    RestartOnlyChanges(Role role, LlmqConfig started, String source) {
        this.role = Objects.requireNonNull(role, "role");
        this.restartOnly = role.restartOnly();
        this.started = Objects.requireNonNull(started, "started");
        this.source = Objects.requireNonNull(source, "source");
    }

    @Override
    public synchronized void accept(LlmqConfig next) {
        List<String> changed = changed(restartOnly, started, next);
        if (!changed.isEmpty() && !changed.equals(warned)) {
            LOG.warn("config file {}: {} changed, which llmq {} applies only when it starts: it goes on with the "
                    + "values it started with until it is restarted", source, String.join(", ", changed),
                    role.command());
        }
        warned = changed;
    }

    /** The parts among {@code parts} whose settings differ between the two configs, as {@code llmq.<part>}. */
    static List<String> changed(Set<LlmqSection> parts, LlmqConfig before, LlmqConfig after) {
        return parts.stream().filter(p -> !Objects.equals(before.llmq().part(p), after.llmq().part(p)))
                .map(p -> "llmq." + p.key()).toList();
    }
}
