package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.ConfigLoader;
import dev.llmq.router.LlmqConfig;
import dev.llmq.usage.UsageSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code llmq.usage}: what the config says reaches the usage aggregator's settings. */
class ComponentsUsageTest {

    private static final String GROUPS = """
            model_list:
              - model_name: g
                litellm_params: { model: openai/gpt-4o, api_key: k }
            """;

    private static UsageSettings settings(String llmq, Path dataDir) {
        LlmqConfig config = ConfigLoader.parse(GROUPS + llmq, Map.of());
        return Components.usageSettings(config, "127.0.0.1:9092", "127.0.0.1", 0, "u1", dataDir);
    }

    @Test
    void theUsageSectionReachesTheAggregator() {
        UsageSettings s = settings("""
                llmq:
                  usage: { grace: 60, dedupe_retention: 86400, rocksdb_memory_bytes: 1073741824,
                           state_dir: /var/lib/llmq/usage-1 }
                """, Path.of("/data"));

        assertThat(s.grace()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.dedupeRetention()).isEqualTo(Duration.ofDays(1));
        assertThat(s.rocksDbMemoryBytes()).isEqualTo(1L << 30);
        assertThat(s.stateDir()).isEqualTo(Path.of("/var/lib/llmq/usage-1"));
    }

    @Test
    void withoutItTheDefaultsApplyAndTheStoresGoUnderTheDataDir() {
        UsageSettings s = settings("", Path.of("/data"));

        assertThat(s.rocksDbMemoryBytes()).isEqualTo(256L << 20);
        assertThat(s.stateDir()).isEqualTo(Path.of("/data/usage-state"));
        assertThat(settings("", null).stateDir()).isNull();
    }
}
