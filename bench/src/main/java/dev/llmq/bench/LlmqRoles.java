package dev.llmq.bench;

import dev.llmq.config.DeploymentKeys;
import dev.llmq.config.RouterKeys;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * llmq's roles as processes of their own ({@code java -jar llmq.jar broker|ingest|worker|usage-aggregator}, see
 * {@link RoleProcess}), so that each one's CPU is counted apart: a broker, an ingest API, {@code workers} workers and
 * any usage aggregators, on free ports of
 * 127.0.0.1, with one model group ({@link #GROUP}) whose deployment points at {@code providerBase} (the ingest API
 * reads only the group's name). Logs and config in {@code dir}.
 */
final class LlmqRoles implements AutoCloseable {

    /** The model group every scenario submits to. */
    static final String GROUP = "bench";
    private static final Duration READY = Duration.ofMinutes(2);

    private final List<RoleProcess> started = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private String bootstrapServers;
    private URI ingestUrl;
    private final List<URI> workerMetrics = new ArrayList<>();

    private LlmqRoles() {
    }

    /**
     * Starts the broker, then the ingest API, the workers and the usage aggregators together, and waits until each is
     * ready.
     *
     * @param providerBase     the deployment's {@code api_base} (an OpenAI-compatible {@code .../v1})
     * @param usageAggregators {@code llmq usage-aggregator} processes beside the workers (their CPU counts as llmq's)
     * @param jvmArgs          options for every role's JVM
     * @param settings         {@code name=value} config keys for the roles' config file ({@link BenchConfig#set(List)})
     */
    static LlmqRoles start(Path dir, String providerBase, int workers, int usageAggregators, List<String> jvmArgs,
                           List<String> settings) throws Exception {
        Path jar = BenchMain.llmqJar();
        Path config = config(dir, providerBase, settings);
        List<String> jvm = List.copyOf(jvmArgs); // after the launcher's options (RoleProcess)
        LlmqRoles roles = new LlmqRoles();
        try {
            BrokerRole broker = BrokerRole.start(jar, jvm, config, dir.resolve("kafka"), dir.resolve("broker.log"));
            roles.add("broker", broker.process());
            roles.bootstrapServers = broker.bootstrapServers();
            int ingestPort = FreePort.find();
            roles.ingestUrl = URI.create("http://127.0.0.1:" + ingestPort);
            List<URI> ready = new ArrayList<>();
            roles.add("ingest", RoleProcess.start(jar, jvm, List.of("ingest", "--config", config.toString(),
                    "--bootstrap-servers", roles.bootstrapServers, "--http-port", Integer.toString(ingestPort)),
                    dir.resolve("ingest.log")));
            ready.add(roles.ingestUrl.resolve("/health/ready"));
            for (int i = 1; i <= workers; i++) {
                int port = FreePort.find();
                roles.add("worker-" + i, RoleProcess.start(jar, jvm, List.of("worker", "--config", config.toString(),
                        "--bootstrap-servers", roles.bootstrapServers, "--http-port", Integer.toString(port),
                        "--worker-id", "bench-worker-" + i), dir.resolve("worker-" + i + ".log")));
                ready.add(URI.create("http://127.0.0.1:" + port + "/health/ready"));
                roles.workerMetrics.add(URI.create("http://127.0.0.1:" + port + "/metrics"));
            }
            for (int i = 1; i <= usageAggregators; i++) {
                int port = FreePort.find();
                roles.add("usage-aggregator-" + i, startUsageAggregator(jar, jvm, config, roles.bootstrapServers, port,
                        "bench-usage-" + i, dir.resolve("usage-aggregator-" + i + ".log")));
                ready.add(URI.create("http://127.0.0.1:" + port + "/health/ready"));
            }
            for (int i = 0; i < ready.size(); i++) {
                roles.started.get(i + 1).awaitReady(ready.get(i), READY);
            }
            return roles;
        } catch (Exception e) {
            roles.close();
            throw e;
        }
    }

    /**
     * Starts {@code llmq usage-aggregator} with {@code config} against {@code bootstrapServers}, its HTTP server on
     * {@code port} ({@code /health/ready} says when it runs); does not wait for it.
     */
    static RoleProcess startUsageAggregator(Path jar, List<String> jvm, Path config, String bootstrapServers, int port,
                                            String instanceId, Path log) throws IOException {
        return RoleProcess.start(jar, jvm, List.of("usage-aggregator", "--config", config.toString(),
                "--bootstrap-servers", bootstrapServers, "--http-port", Integer.toString(port), "--instance-id",
                instanceId), log);
    }

    /**
     * The roles' {@code llmq.yaml} in {@code dir}: the model group {@link #GROUP} with one deployment at
     * {@code providerBase}, no retries, then {@code settings} ({@link BenchConfig#set(List)}).
     */
    static Path config(Path dir, String providerBase, List<String> settings) throws IOException {
        return new BenchConfig()
                .deployment(DeploymentKeys.MODEL_NAME, GROUP, DeploymentKeys.MODEL, "openai/" + GROUP,
                        DeploymentKeys.API_BASE, providerBase, DeploymentKeys.API_KEY, "mock-key",
                        DeploymentKeys.ID, GROUP + "-1")
                .set(RouterKeys.NUM_RETRIES, 0)
                .set(settings)
                .write(dir.resolve("llmq.yaml"));
    }

    private RoleProcess add(String name, RoleProcess process) {
        started.add(process);
        names.add(name);
        return process;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    /** {@code http://127.0.0.1:<port>} of the ingest API. */
    URI ingestUrl() {
        return ingestUrl;
    }

    /** The ingest's {@code /metrics}. */
    URI ingestMetrics() {
        return ingestUrl.resolve("/metrics");
    }

    /** The workers' {@code /metrics}. */
    List<URI> workerMetrics() {
        return List.copyOf(workerMetrics);
    }

    /** Starts counting every role's CPU in {@code table} (all count as llmq). */
    void countCpu(BenchTable table) {
        pids().forEach((name, pid) -> table.process(name, pid, true));
    }

    /** Every role's pid by its name ({@code broker}, {@code ingest}, {@code worker-1} ...), in start order. */
    Map<String, Long> pids() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < started.size(); i++) {
            out.put(names.get(i), started.get(i).pid());
        }
        return out;
    }

    /** The broker process's pid. */
    long brokerPid() {
        return started.getFirst().pid();
    }

    /** Where the roles' logs are. */
    String logs() {
        return started.isEmpty() ? "" : started.getFirst().log().getParent().toString();
    }

    /** Stops the workers and the ingest API, then the broker; deletes the broker's data. */
    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        if (!started.isEmpty()) {
            Path data = started.getFirst().log().resolveSibling("kafka");
            if (Files.isDirectory(data)) {
                StatusStoreBench.deleteTree(data);
            }
        }
    }

    /** A fresh directory for one scenario's config, logs and broker data. */
    static Path workDir(String scenario) throws IOException {
        return Files.createTempDirectory("llmq-bench-" + scenario + "-");
    }
}
