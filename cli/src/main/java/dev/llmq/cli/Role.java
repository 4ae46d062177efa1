package dev.llmq.cli;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqSection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The roles {@code llmq} runs, each the list of {@link Component}s it is put together from, in start order (an
 * {@link Assembly} closes them in reverse). A role reads the config only as far as its components need
 * ({@link #scope()}): a role without a worker never resolves a provider's endpoint or secret.
 */
enum Role {

    /** Everything in one process; {@code bootstrapServers} in the options replaces the embedded broker. */
    STANDALONE("standalone", Component.MOCK_LLM, Component.BROKER, Component.KAFKA_ACCESS, Component.TOPICS,
            Component.WORKER, Component.USAGE_AGGREGATOR, Component.INGEST),

    BROKER("broker", Component.BROKER, Component.TOPICS, Component.HEALTH),

    INGEST("ingest", Component.KAFKA_ACCESS, Component.INGEST),

    /** Usage and spend per group, budgets, {@code GET /v1/usage}: its own HTTP server answers health too. */
    USAGE_AGGREGATOR("usage-aggregator", Component.KAFKA_ACCESS, Component.USAGE_AGGREGATOR),

    /** The health server first, so that it answers (not ready yet) while the worker reads the shared health. */
    WORKER("worker", Component.MOCK_LLM, Component.HEALTH, Component.KAFKA_ACCESS, Component.WORKER);

    private final String command;
    private final List<Component> components;

    Role(String command, Component... components) {
        this.command = command;
        this.components = checked(command, List.of(components));
    }

    /** The command that runs this role, as in {@code llmq worker}. */
    String command() {
        return command;
    }

    List<Component> components() {
        return components;
    }

    /**
     * Whether the role serves an HTTP API on the options' host (the ingest API, or the usage aggregator in its own
     * role). The in-process mock LLM listens on 127.0.0.1 only.
     */
    boolean servesApi() {
        return components.contains(Component.INGEST) || this == USAGE_AGGREGATOR;
    }

    /**
     * Whether the role listens on the options' host, which {@link BindPolicy} guards: its HTTP API, or its health
     * and metrics server ({@link Component#HEALTH}).
     */
    boolean bindsHost() {
        return servesApi() || components.contains(Component.HEALTH);
    }

    /** Whether the role works against a Kafka cluster it does not start itself. */
    boolean joinsCluster() {
        return components.contains(Component.KAFKA_ACCESS) && !components.contains(Component.BROKER);
    }

    /** What the role reads of the config: the most any of its components needs. */
    ConfigScope scope() {
        return scopeOf(components);
    }

    /**
     * The parts of the config's {@code llmq:} section the role uses: its components', and the API keys when it
     * listens on a host ({@link BindPolicy} checks them). In the others an unset variable does not stop the role.
     */
    Set<LlmqSection> reads() {
        Set<LlmqSection> reads = componentReads();
        if (bindsHost()) {
            reads.add(LlmqSection.AUTH);
        }
        return reads;
    }

    /** The parts of {@code llmq:} the role's components use but apply only at its start, not on a config reload. */
    Set<LlmqSection> restartOnly() {
        Set<LlmqSection> parts = componentReads();
        components.forEach(c -> parts.removeAll(c.appliesOnReload()));
        return parts;
    }

    private Set<LlmqSection> componentReads() {
        Set<LlmqSection> parts = EnumSet.noneOf(LlmqSection.class);
        components.forEach(c -> parts.addAll(c.reads()));
        return parts;
    }

    static ConfigScope scopeOf(List<Component> components) {
        return components.stream().anyMatch(c -> c.scope() == ConfigScope.ROUTING) ? ConfigScope.ROUTING
                : ConfigScope.NAMES;
    }

    /**
     * A role's components as given, once they make sense: none twice, those that set the environment first (the
     * config is read after them), and the mock LLM only where something calls providers.
     */
    static List<Component> checked(String command, List<Component> components) {
        if (components.isEmpty()) {
            throw new IllegalArgumentException("role " + command + " has no components");
        }
        if (new HashSet<>(components).size() != components.size()) {
            throw new IllegalArgumentException("role " + command + " lists a component twice: " + components);
        }
        boolean pastEnvironment = false;
        for (Component c : components) {
            if (c.setsEnvironment() && pastEnvironment) {
                throw new IllegalArgumentException("role " + command + ": " + c
                        + " sets the environment the config is read with, so it must come before the other components");
            }
            pastEnvironment |= !c.setsEnvironment();
        }
        if (components.contains(Component.MOCK_LLM) && scopeOf(components) != ConfigScope.ROUTING) {
            throw new IllegalArgumentException("role " + command + " starts the mock LLM but calls no provider");
        }
        return List.copyOf(components);
    }
}
