package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.LlmqKeys;
import dev.llmq.router.ConfigException;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.LlmqSection;
import dev.llmq.worker.ChunkCoalescing;
import dev.llmq.worker.WorkerSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadedConfigTest {

    private static final String REAL_PROVIDER = """
            model_list:
              - model_name: gpt-4o
                litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY }
            llmq:
              topics: { prefix: team-a, partitions: 12 }
              kafka: { bootstrap.servers: "kafka:9092", compression.type: zstd }
            """;

    @Test
    void bundledConfigEnablesTheMockAndServesBothGroupsFromIt() {
        LoadedConfig bundled = LoadedConfig.read(null);
        LlmqConfig names = bundled.parse(Map.of(), ConfigScope.NAMES);
        assertThat(names.llmq().mockLlm()).as("llmq.mock_llm.enabled").isTrue();
        assertThat(names.modelGroups()).containsExactly("gpt-4o-mini", "gpt-4o");
        assertThat(names.deployments()).isEmpty();

        LlmqConfig config = bundled.parse(Map.of(LoadedConfig.MOCK_URL_VARIABLE, "http://127.0.0.1:4010/v1"),
                ConfigScope.ROUTING);
        assertThat(config.modelGroups()).containsExactly("gpt-4o-mini", "gpt-4o");
        assertThat(config.deploymentsOf("gpt-4o-mini")).hasSize(2);
        assertThat(config.deployments()).extracting(d -> d.target().apiBase().toString())
                .containsOnly("http://127.0.0.1:4010/v1");
        assertThat(config.unsupportedKeys()).isEmpty();
        assertThat(config.deployments()).extracting(Deployment::provider).containsOnly("openai");
    }

    @Test
    void chunkCoalescingIsOnByDefaultAndTheWorkerTakesItsSettingsFromTheConfig(@TempDir Path dir) throws Exception {
        LlmqConfig defaults = LoadedConfig.read(Files.writeString(dir.resolve("d.yaml"), REAL_PROVIDER))
                .parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        assertThat(Components.workerSettings(defaults, "kafka:9092", "w1").coalescing())
                .isEqualTo(WorkerSettings.DEFAULT_COALESCING)
                .isEqualTo(ChunkCoalescing.of(LlmqKeys.WORKER_CHUNKS_MAX_DELAY_MS.defaultValue(),
                        LlmqKeys.WORKER_CHUNKS_MAX_CHARS.defaultValue()));
        assertThat(WorkerSettings.DEFAULT_COALESCING.enabled()).isTrue();

        LlmqConfig set = LoadedConfig.read(Files.writeString(dir.resolve("s.yaml"), REAL_PROVIDER
                        + "  worker: { chunks: { max_delay_ms: 40, max_chars: 96 } }\n"))
                .parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        assertThat(set.unsupportedKeys()).isEmpty();
        assertThat(Components.workerSettings(set, "kafka:9092", "w1").coalescing())
                .isEqualTo(ChunkCoalescing.of(Duration.ofMillis(40), 96));

        LlmqConfig off = LoadedConfig.read(Files.writeString(dir.resolve("o.yaml"), REAL_PROVIDER
                        + "  worker: { chunks: { max_delay_ms: 0 } }\n"))
                .parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        assertThat(Components.workerSettings(off, "kafka:9092", "w1").coalescing()).isEqualTo(ChunkCoalescing.NONE);
    }

    @Test
    void theWorkerTakesItsPoisonJobCountingFromTheConfig(@TempDir Path dir) throws Exception {
        LlmqConfig defaults = LoadedConfig.read(Files.writeString(dir.resolve("d.yaml"), REAL_PROVIDER))
                .parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        WorkerSettings unset = Components.workerSettings(defaults, "kafka:9092", "w1");
        assertThat(unset.maxDeliveries()).isEqualTo(3);
        assertThat(unset.awaitFirstStart()).isTrue();

        LlmqConfig set = LoadedConfig.read(Files.writeString(dir.resolve("s.yaml"), REAL_PROVIDER
                        + "  worker: { max_deliveries: 5, await_first_start: false }\n"))
                .parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        assertThat(set.unsupportedKeys()).isEmpty();
        WorkerSettings settings = Components.workerSettings(set, "kafka:9092", "w1");
        assertThat(settings.maxDeliveries()).isEqualTo(5);
        assertThat(settings.awaitFirstStart()).isFalse();
    }

    @Test
    void theBundledDeploymentsCannotBeBuiltWithoutTheMocksUrl() {
        assertThatThrownBy(() -> LoadedConfig.read(null).parse(Map.of(), ConfigScope.ROUTING))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("environment variable " + LoadedConfig.MOCK_URL_VARIABLE + " is not set");
    }

    @Test
    void aUserConfigWithRealProvidersDoesNotEnableTheMock(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), REAL_PROVIDER);
        LoadedConfig loaded = LoadedConfig.read(file);
        LlmqConfig config = loaded.parse(Map.of("OPENAI_API_KEY", "sk-test"), ConfigScope.ROUTING);
        assertThat(config.llmq().mockLlm()).as("llmq.mock_llm.enabled").isFalse();
        assertThat(LoadedConfig.topics(config).jobs()).isEqualTo("team-a.jobs.v1");
        assertThat(LoadedConfig.kafkaProperties(config)).containsEntry("compression.type", "zstd")
                .doesNotContainKey("bootstrap.servers");
    }

    @Test
    void namesScopeReadsAConfigWhoseProviderSecretIsUnsetAndRoutingScopeNamesTheVariable(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), REAL_PROVIDER);
        LoadedConfig loaded = LoadedConfig.read(file);

        LlmqConfig names = loaded.parse(Map.of(), ConfigScope.NAMES);
        assertThat(names.modelGroups()).containsExactly("gpt-4o");
        assertThat(LoadedConfig.topics(names).jobs()).isEqualTo("team-a.jobs.v1");

        assertThatThrownBy(() -> loaded.parse(Map.of(), ConfigScope.ROUTING))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("environment variable OPENAI_API_KEY is not set");
    }

    @Test
    void theBundledConfigCannotBeWatched() {
        assertThat(LoadedConfig.read(null).watch(Map.of(), ConfigScope.NAMES, LlmqSection.all(), config -> { }))
                .isNull();
    }

    @Test
    void kafkaSecuritySettingsFromTheConfigAndTheEnvironmentReachEveryClientsProperties(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), REAL_PROVIDER.replace("compression.type: zstd",
                "security.protocol: SASL_SSL, sasl: { mechanism: SCRAM-SHA-512 }, "
                        + "ssl.truststore.location: /etc/llmq/truststore.p12"));
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"llmq\" "
                + "password=\"s3cret\";";
        LlmqConfig config = LoadedConfig.read(file).parse(Map.of("OPENAI_API_KEY", "sk-test",
                "LLMQ_KAFKA_SASL_JAAS_CONFIG", jaas, "LLMQ_KAFKA_SSL_TRUSTSTORE_PASSWORD", "tspw"),
                ConfigScope.ROUTING);
        Map<String, String> security = Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
                "sasl.jaas.config", jaas, "ssl.truststore.location", "/etc/llmq/truststore.p12",
                "ssl.truststore.password", "tspw");

        assertThat(LoadedConfig.clientProperties(config, "broker:9093")).containsAllEntriesOf(security)
                .containsEntry("bootstrap.servers", "broker:9093");
        assertThat(Components.workerSettings(config, "broker:9093", "w1").clientProperties())
                .containsAllEntriesOf(security);
        assertThat(config.llmq().toString()).doesNotContain("s3cret").doesNotContain("tspw");
        assertThat(Components.workerSettings(config, "broker:9093", "w1").toString())
                .doesNotContain("s3cret").doesNotContain("tspw");
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        assertThatThrownBy(() -> LoadedConfig.read(dir.resolve("absent.yaml")))
                .hasMessageContaining("config file not found").hasMessageContaining("absent.yaml");
    }

    @Test
    void aDirectoryIsSaidToBeOneNotMissing(@TempDir Path dir) throws IOException {
        Path folder = Files.createDirectory(dir.resolve("llmq.yaml"));

        assertThatThrownBy(() -> LoadedConfig.read(folder))
                .hasMessage("config " + folder + " is a directory; give the YAML file in it");
    }

    @Test
    void aFileThatCannotBeReadSaysWhy(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("llmq.yaml"), "model_list: []\n");

        // as root (the tests' usual user) a chmod 000 file still reads: the reasons are given as the JDK throws them
        assertThat(LoadedConfig.cannotRead(file, new java.nio.file.AccessDeniedException(file.toString())))
                .hasMessage("cannot read config " + file + ": permission denied");
        assertThat(LoadedConfig.cannotRead(file, new java.nio.charset.MalformedInputException(1)))
                .hasMessage("cannot read config " + file + ": not UTF-8 text");
        assertThat(LoadedConfig.cannotRead(file, new java.nio.file.FileSystemException(file.toString(), null,
                "Input/output error"))).hasMessage("cannot read config " + file + ": Input/output error");
    }

    @Test
    void aFileThatIsNotUtf8SaysSo(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("llmq.yaml"), new byte[] {'a', ':', ' ', (byte) 0xff, '\n'});

        assertThatThrownBy(() -> LoadedConfig.read(file)).hasMessage("cannot read config " + file + ": not UTF-8 text");
    }
}
