package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.LlmqConfig;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.TopicSpec;
import dev.llmq.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployments create llmq's topics with {@code llmq topics create} (compose's kafka-init service and the chart's
 * topics Job run it; DeploymentComposeTest and DeploymentHelmTest check that they do, with the roles' config), so
 * the topics are exactly {@link Topics#ALL} under the config's prefix, shaped by the same code as the roles' own topic
 * creation: names, partitions, compaction and retention. No script or other tool creates topics any more.
 */
class DeploymentTopicsTest {

    @Test
    void theComposeConfigsTopicsAreEveryTopicOfTheSchemasShapedAsLlmqShapesThem() {
        Path config = DeploymentFiles.file("deploy/compose/llmq.yaml");
        LlmqConfig read = LoadedConfig.read(config).parse(Map.of(), ConfigScope.NAMES);
        TopicNames names = LoadedConfig.topics(read);
        int partitions = read.llmq().topics().partitions();

        CliIT.Result plan = CliIT.run("topics", "create", "--dry-run", "--config", config.toString());

        assertThat(plan.exitCode()).as(plan.err()).isZero();
        List<String> lines = plan.out().lines().toList();
        assertThat(lines).hasSize(Topics.ALL.size());
        for (int i = 0; i < Topics.ALL.size(); i++) {
            TopicSpec<?> spec = Topics.ALL.get(i);
            StringBuilder expected = new StringBuilder("would create, unless it exists, " + spec.name(names) + " ("
                    + Words.count(spec.partitions(partitions), "partition") + ", replication factor "
                    + read.llmq().topics().replicationFactor());
            new TreeMap<>(spec.configs()).forEach((k, v) -> expected.append(", ").append(k).append('=')
                    .append(v));
            assertThat(lines.get(i)).isEqualTo(expected.append(')').toString());
        }
    }

    @Test
    void nothingElseInTheDeploymentFilesCreatesTopics() {
        List<Path> files = deploymentFiles();
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            assertThat(DeploymentFiles.read(file)).as(file.toString())
                    .doesNotContain("kafka-topics", "create-topics", "--create --if-not-exists");
        }
        assertThat(DeploymentFiles.root().resolve("deploy/helm/llmq/files/create-topics.sh")).doesNotExist();
    }

    private static List<Path> deploymentFiles() {
        Path root = DeploymentFiles.root();
        try (Stream<Path> deploy = Files.walk(root.resolve("deploy"))) {
            return Stream.concat(Stream.of(root.resolve("docker-compose.yml"), root.resolve("Dockerfile")),
                    deploy.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".json"))).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
