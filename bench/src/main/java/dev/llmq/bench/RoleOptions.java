package dev.llmq.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * How the scenarios that start llmq's roles as processes start them (a picocli mixin): the roles' JVM options
 * ({@code --role-jvm-args}) and config keys written into their {@code llmq.yaml} ({@code --set NAME=VALUE}).
 */
final class RoleOptions {

    @Option(names = "--role-jvm-args", defaultValue = "", description = "JVM options of the llmq processes")
    String jvmArgs;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "a config key of the llmq processes, e.g. "
            + "llmq.worker.running_event_delay_ms=0 (repeatable)")
    List<String> settings = new ArrayList<>();

    /** The roles' JVM options as a table shows them, the launcher's included. */
    String describeJvmOptions() {
        return RoleProcess.describeJvmOptions(Args.list(jvmArgs));
    }

    /** The config keys set with {@code --set}, as a table shows them. */
    String describeSettings() {
        return settings.isEmpty() ? "none (the defaults)" : String.join(", ", settings);
    }

    /** Starts the broker, the ingest API and {@code workers} workers with these options (see {@link LlmqRoles}). */
    LlmqRoles start(Path dir, String providerBase, int workers) throws Exception {
        return start(dir, providerBase, workers, 0);
    }

    /** The same with {@code usageAggregators} usage aggregators beside them. */
    LlmqRoles start(Path dir, String providerBase, int workers, int usageAggregators) throws Exception {
        return LlmqRoles.start(dir, providerBase, workers, usageAggregators, Args.list(jvmArgs), settings);
    }
}
