package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.config.LlmqKeys;
import dev.llmq.schemas.TopicNames;
import dev.llmq.schemas.TopicSpec;
import dev.llmq.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/helm/llmq/files/create-topics.sh} (run by compose's kafka-init service and the chart's topics Job)
 * creates exactly llmq's topics as {@link Topics} defines them: names, fixed partition counts, compaction and
 * retention.
 */
class DeploymentTopicsTest {

    private static final Pattern TOPIC_LINE = Pattern.compile("^topic (\\S+) (\\S+)((?: --config \\S+)*)$",
            Pattern.MULTILINE);
    private static final Pattern CONFIG = Pattern.compile("--config (\\S+)=(\\S+)");

    /** A topic as the script creates it. */
    record Created(String partitions, Map<String, String> configs) {
    }

    @Test
    void theScriptCreatesEveryTopicOfTheSchemasShapedAsLlmqShapesThem() {
        Map<String, Created> created = created(DeploymentFiles.read(
                DeploymentFiles.file("deploy/helm/llmq/files/create-topics.sh")));
        assertThat(created.keySet()).containsExactlyElementsOf(Topics.ALL.stream().map(TopicSpec::suffix).toList());
        for (TopicSpec<?> spec : Topics.ALL) {
            Created topic = created.get(spec.suffix());
            assertThat(topic.partitions()).as(spec.suffix() + " partitions")
                    .isEqualTo(spec.fixedPartitions() == null ? "-" : spec.fixedPartitions().toString());
            assertThat(topic.configs()).as(spec.suffix() + " configs").isEqualTo(spec.configs());
        }
    }

    @Test
    void theScriptNamesTopicsAsTheSchemasDo() {
        String script = DeploymentFiles.read(DeploymentFiles.file("deploy/helm/llmq/files/create-topics.sh"));
        assertThat(script).contains("name=\"$prefix.$1\"").contains("prefix=\"${TOPIC_PREFIX:-"
                + TopicNames.DEFAULT_PREFIX + "}\"");
        assertThat(Topics.JOBS.name(new TopicNames("p"))).isEqualTo("p." + Topics.JOBS.suffix());
        assertThat(script).contains("partitions=\"${TOPIC_PARTITIONS:-"
                + LlmqKeys.TOPICS_PARTITIONS.defaultValue() + "}\"");
        assertThat(script).contains("replication=\"${TOPIC_REPLICATION_FACTOR:-"
                + LlmqKeys.TOPICS_REPLICATION_FACTOR.defaultValue() + "}\"");
    }

    @Test
    void aTopicLineWithAWrongConfigIsRead() {
        Map<String, Created> created = created("topic jobs.v1 - --config cleanup.policy=compact\n");
        assertThat(created.get("jobs.v1").configs()).isNotEqualTo(Topics.JOBS.configs());
    }

    static Map<String, Created> created(String script) {
        Map<String, Created> created = new LinkedHashMap<>();
        Matcher m = TOPIC_LINE.matcher(script);
        while (m.find()) {
            Map<String, String> configs = new LinkedHashMap<>();
            Matcher c = CONFIG.matcher(m.group(3));
            while (c.find()) {
                configs.put(c.group(1), c.group(2));
            }
            assertThat(created.put(m.group(1), new Created(m.group(2), configs))).as("topic " + m.group(1) + " once")
                    .isNull();
        }
        assertThat(List.copyOf(created.keySet())).isNotEmpty();
        return created;
    }
}
