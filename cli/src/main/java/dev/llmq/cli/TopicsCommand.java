package dev.llmq.cli;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import dev.llmq.runtime.TopicProvisioner;
import dev.llmq.runtime.TopicProvisioner.TopicOutcome;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llmq topics create}: llmq's topics on an existing Kafka cluster, before its roles join it. {@code llmq topics}
 * alone is not a command: picocli says a subcommand is missing and prints the usage.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage llmq's Kafka topics on an existing cluster.",
        subcommands = TopicsCommand.Create.class)
final class TopicsCommand {

    /** Creates the missing topics, leaves the others alone and fails on an existing topic llmq cannot use. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create llmq's topics under the config's prefix (llmq.topics.prefix, .partitions, "
                    + ".replication_factor), with the partitions, compaction and retention llmq gives them. The "
                    + "roles that join an existing cluster (ingest, worker, usage-aggregator) do not create topics: "
                    + "run this once before them; running it again is harmless.",
                    "Existing topics are left as they are; one with fewer partitions or another cleanup.policy "
                            + "than llmq needs is reported and the exit status is 1."})
    static final class Create implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--config", paramLabel = "FILE",
                description = "llmq config, for the topic prefix, partitions, replication factor and Kafka client "
                        + "settings (default: the bundled one)")
        Path config;

        @Option(names = "--timeout-seconds", defaultValue = "60", paramLabel = "SECONDS",
                description = "how long to wait for the cluster (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Option(names = "--dry-run", description = "print the topics and their settings without contacting Kafka")
        boolean dryRun;

        @Override
        public Integer call() throws Exception {
            if (timeoutSeconds < 1) {
                throw new IllegalArgumentException("--timeout-seconds must be >= 1, got " + timeoutSeconds);
            }
            LlmqConfig names = LoadedConfig.read(config).parse(System.getenv(), ConfigScope.NAMES,
                    EnumSet.of(LlmqSection.KAFKA, LlmqSection.TOPICS));
            PrintWriter out = spec.commandLine().getOut();
            if (dryRun) {
                var settings = names.llmq().topics();
                TopicProvisioner plan = new TopicProvisioner(LoadedConfig.kafkaProperties(names),
                        LoadedConfig.topics(names), settings.partitions(), settings.replicationFactor());
                for (NewTopic topic : plan.planned()) {
                    out.printf("would create, unless it exists, %s (%s)%n", topic.name(),
                            TopicProvisioner.describe(topic));
                }
                out.flush();
                return 0;
            }
            String bootstrap = kafka.bootstrapServers != null ? kafka.bootstrapServers
                    : LoadedConfig.bootstrapServers(names);
            List<TopicOutcome> outcomes = LoadedConfig.provisioner(names, bootstrap)
                    .provision(Duration.ofSeconds(timeoutSeconds));
            for (TopicOutcome outcome : outcomes) {
                out.printf("%-8s %s (%s)%n", switch (outcome.status()) {
                    case CREATED -> "created";
                    case EXISTS -> "exists";
                    case CONFLICT -> "CONFLICT";
                }, outcome.topic(), outcome.detail());
            }
            out.flush();
            long conflicts = outcomes.stream().filter(o -> o.status() == TopicOutcome.Status.CONFLICT).count();
            if (conflicts > 0) {
                spec.commandLine().getErr().printf("llmq topics create: %d topic(s) on %s differ from what llmq "
                        + "needs; delete and recreate them, or use another llmq.topics.prefix%n", conflicts, bootstrap);
                return 1;
            }
            return 0;
        }
    }
}
