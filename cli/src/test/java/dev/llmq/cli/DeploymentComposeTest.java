package dev.llmq.cli;

import static dev.llmq.cli.DeploymentFiles.list;
import static dev.llmq.cli.DeploymentFiles.map;
import static dev.llmq.cli.DeploymentFiles.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ProviderTarget;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import dev.llmq.runtime.mock.MockLlmServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

/**
 * docker-compose.yml, checked without a Docker engine: it parses; every llmq service runs a real subcommand with
 * real options; what Prometheus scrapes, what the workers call and what is published are ports the roles listen on
 * beyond loopback; the variables are ones llmq reads and the config resolves with them; the topics are created by
 * {@code llmq topics create} with the roles' config before the roles start.
 */
class DeploymentComposeTest {

    private static final String IMAGE = "llmq:dev";
    private static final String KAFKA_SERVICE = "kafka";
    private static final String TOPICS_SERVICE = "kafka-init";

    private final Map<String, Object> compose = DeploymentFiles.yaml(
            DeploymentFiles.read(DeploymentFiles.file("docker-compose.yml")));
    private final Map<String, Object> services = map(compose.get("services"), "services");

    private Map<String, ParseResult> llmqServices;

    /** The llmq services that run a role or the mock (not the one-shot topics service): name to parsed command line. */
    private Map<String, ParseResult> llmqServices() {
        if (llmqServices != null) {
            return llmqServices;
        }
        Map<String, ParseResult> roles = new LinkedHashMap<>();
        services.forEach((name, value) -> {
            Map<String, Object> service = map(value, name);
            if (IMAGE.equals(service.get("image"))) {
                assertThat(service.get("entrypoint")).as(name + " runs llmq, the image's entrypoint").isNull();
                ParseResult parsed = DeploymentFiles.parseRole(strings(service.get("command"), name + " command"));
                if (!DeploymentFiles.createsTopics(parsed)) {
                    roles.put(name, parsed);
                }
            }
        });
        llmqServices = roles;
        return roles;
    }

    private Map<String, Object> service(String name) {
        assertThat(services).as("compose services").containsKey(name);
        return map(services.get(name), name);
    }

    @Test
    void theStackHasKafkaTheRolesTheMockPrometheusAndGrafana() {
        Map<String, ParseResult> roles = llmqServices();
        Map<String, Long> perSubcommand = new HashMap<>();
        roles.values().forEach(r -> perSubcommand.merge(r.commandSpec().name(), 1L, Long::sum));
        assertThat(perSubcommand).containsEntry("ingest", 1L).containsEntry("worker", 2L)
                .containsEntry("usage-aggregator", 1L).containsEntry("mock-llm", 1L);
        assertThat(services).containsKeys(KAFKA_SERVICE, "prometheus", "grafana");
        assertThat(service(KAFKA_SERVICE).get("image")).asString().startsWith("apache/kafka:");
        roles.keySet().forEach(name -> assertThat(service(name).get("build")).as(name + " builds the image")
                .isNotNull());
    }

    @Test
    void kafkaIsTheOfficialImageOfTheClientsVersionInKraftModeAdvertisedAsKafka9092() {
        Map<String, Object> kafka = service(KAFKA_SERVICE);
        Matcher version = Pattern.compile("<kafka.version>([^<]+)</kafka.version>")
                .matcher(DeploymentFiles.read(DeploymentFiles.file("pom.xml")));
        assertThat(version.find()).as("the parent pom pins Kafka").isTrue();
        assertThat(kafka.get("image")).as("the broker of the clients' version").isEqualTo("apache/kafka:" + version.group(1));
        Map<String, Object> env = map(kafka.get("environment"), "kafka environment");
        assertThat(env.get("KAFKA_PROCESS_ROLES")).isEqualTo("broker,controller");
        assertThat(String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS")).split(","))
                .contains("PLAINTEXT://" + KAFKA_SERVICE + ":9092");
        assertThat(String.valueOf(env.get("KAFKA_LISTENERS")).split(",")).contains("PLAINTEXT://:9092");
    }

    @Test
    void everyRoleReadsTheMountedConfigWithTheVariablesItIsGiven() {
        llmqServices().forEach((name, parsed) -> {
            Optional<Role> role = DeploymentFiles.role(parsed.commandSpec().name());
            if (role.isEmpty()) {
                return; // mock-llm reads no config
            }
            Path config = mountedFile(name, parsed.commandSpec().findOption("--config").<Path>getValue());
            String text = DeploymentFiles.read(config);
            Map<String, String> env = environment(name);
            Set<String> references = DeploymentFiles.environmentReferences(text);
            env.keySet().forEach(variable -> assertThat(DeploymentFiles.readByLlmq(variable, references))
                    .as("%s sets %s, which llmq reads", name, variable).isTrue());
            LlmqConfig read = ConfigLoader.parse(text, env, role.get().scope());
            String bootstrap = read.llmq().kafka().get("bootstrap.servers");
            assertThat(bootstrap).as(name + " Kafka cluster").isEqualTo(KAFKA_SERVICE + ":9092");
        });
    }

    @Test
    void theWorkersCallTheMockServiceOnAPortThatReachesIt() {
        Map<String, ParseResult> roles = llmqServices();
        roles.forEach((name, parsed) -> {
            if (!parsed.commandSpec().name().equals("worker")) {
                return;
            }
            String text = DeploymentFiles.read(mountedFile(name,
                    parsed.commandSpec().findOption("--config").<Path>getValue()));
            LlmqConfig read = ConfigLoader.parse(text, environment(name), Role.WORKER.scope());
            assertThat(read.deployments()).isNotEmpty();
            for (Deployment deployment : read.deployments()) {
                ProviderTarget target = deployment.target();
                URI base = target.apiBase();
                assertThat(base).as(deployment.id() + " api_base").isNotNull();
                String reached = reachedService(base.getHost(), base.getPort());
                assertThat(roles.get(reached).commandSpec().name()).as(base + " reaches").isEqualTo("mock-llm");
                assertThat(base.getPath()).as("the mock's OpenAI base path").isEqualTo("/v1");
            }
        });
    }

    @Test
    void prometheusScrapesEveryRoleOnAPortThatReachesIt() {
        Map<String, Object> prometheus = DeploymentFiles.yaml(DeploymentFiles.read(
                mountedFile("prometheus", Path.of("/etc/prometheus/prometheus.yml"))));
        Set<String> scraped = new TreeSet<>();
        for (Object job : list(prometheus.get("scrape_configs"), "scrape_configs")) {
            Map<String, Object> scrape = map(job, "scrape config");
            assertThat(scrape.getOrDefault("metrics_path", "/metrics")).isEqualTo("/metrics");
            for (Object group : list(scrape.get("static_configs"), "static_configs")) {
                for (String target : strings(map(group, "static config").get("targets"), "targets")) {
                    URI uri = URI.create("http://" + target);
                    scraped.add(reachedService(uri.getHost(), uri.getPort()));
                }
            }
        }
        Set<String> withMetrics = new TreeSet<>();
        llmqServices().forEach((name, parsed) -> {
            if (DeploymentFiles.role(parsed.commandSpec().name()).isPresent()) {
                withMetrics.add(name);
            }
        });
        assertThat(scraped).as("services Prometheus scrapes").isEqualTo(withMetrics);
    }

    @Test
    void publishedPortsAreOnesTheServicesListenOnForEveryone() {
        llmqServices().forEach((name, parsed) -> {
            for (String port : strings(service(name).getOrDefault("ports", List.of()), name + " ports")) {
                String[] parts = port.split(":");
                int container = Integer.parseInt(parts[parts.length - 1]);
                assertThat(parts[0]).as("%s publishes on the host's loopback only", name).isEqualTo("127.0.0.1");
                assertThat(container).as(name + " published port").isEqualTo(DeploymentFiles.httpPort(parsed));
                assertThat(DeploymentFiles.listensBeyondLoopback(parsed)).as(name + " listens beyond loopback")
                        .isTrue();
            }
        });
        for (String port : strings(service(KAFKA_SERVICE).get("ports"), "kafka ports")) {
            String container = port.substring(port.lastIndexOf(':') + 1);
            assertThat(String.valueOf(map(service(KAFKA_SERVICE).get("environment"), "env").get("KAFKA_LISTENERS")))
                    .contains(":" + container);
        }
    }

    @Test
    void everyRoleThatListensPassesTheBindPolicyWithItsConfig() {
        llmqServices().forEach((name, parsed) -> {
            Optional<Role> role = DeploymentFiles.role(parsed.commandSpec().name());
            if (role.isEmpty() || !role.get().bindsHost()) {
                return;
            }
            String text = DeploymentFiles.read(mountedFile(name,
                    parsed.commandSpec().findOption("--config").<Path>getValue()));
            LlmqConfig read = ConfigLoader.parse(text, environment(name), ConfigScope.NAMES);
            BindPolicy.check(name, parsed.commandSpec().findOption("--host").<String>getValue(),
                    read.llmq().auth().keys(),
                    parsed.commandSpec().findOption(BindPolicy.INSECURE_FLAG).<Boolean>getValue());
        });
    }

    @Test
    void healthchecksAskEachRoleIfItIsReadyOnItsOwnPort() {
        llmqServices().forEach((name, parsed) -> {
            Map<String, Object> healthcheck = map(service(name).get("healthcheck"), name + " healthcheck");
            List<String> test = strings(healthcheck.get("test"), name + " healthcheck test");
            assertThat(test.get(0)).isEqualTo("CMD");
            assertThat(test.get(1)).as("the image installs curl for this").isEqualTo("curl");
            Map.Entry<Integer, String> url = DeploymentFiles.loopbackUrl(test).orElseThrow();
            assertThat(url.getKey()).as(name + " healthcheck port").isEqualTo(DeploymentFiles.httpPort(parsed));
            if (DeploymentFiles.role(parsed.commandSpec().name()).isPresent()) {
                assertThat(url.getValue()).isEqualTo("/health/ready");
            }
        });
    }

    @Test
    void theMocksHealthcheckPathAnswersOnARealMockServer() throws Exception {
        for (Map.Entry<String, ParseResult> entry : llmqServices().entrySet()) {
            if (!entry.getValue().commandSpec().name().equals("mock-llm")) {
                continue;
            }
            List<String> test = strings(map(service(entry.getKey()).get("healthcheck"), "healthcheck").get("test"),
                    "test");
            String path = DeploymentFiles.loopbackUrl(test).orElseThrow().getValue();
            try (MockLlmServer mock = MockLlmServer.start(0)) {
                HttpResponse<Void> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(mock.baseUrl() + path)).build(), HttpResponse.BodyHandlers.discarding());
                assertThat(response.statusCode()).as("GET " + path + " on the mock").isEqualTo(200);
            }
        }
    }

    @Test
    void theTopicsAreCreatedWithTheRolesConfigAndClusterBeforeTheRolesStart() {
        Map<String, Object> init = service(TOPICS_SERVICE);
        assertThat(init.get("image")).isEqualTo(IMAGE);
        assertThat(init.get("restart")).as("a one-shot service").isEqualTo("no");
        ParseResult topics = DeploymentFiles.parseRole(strings(init.get("command"), TOPICS_SERVICE + " command"));
        assertThat(DeploymentFiles.createsTopics(topics)).as(TOPICS_SERVICE + " runs llmq topics create").isTrue();
        assertThat(topics.commandSpec().findOption("--dry-run").<Boolean>getValue()).isFalse();
        assertThat(map(map(init.get("depends_on"), "depends_on").get(KAFKA_SERVICE), KAFKA_SERVICE).get("condition"))
                .isEqualTo("service_healthy");
        Path topicsConfig = mountedFile(TOPICS_SERVICE, topics.commandSpec().findOption("--config").<Path>getValue());
        Map<String, String> topicsEnv = environment(TOPICS_SERVICE);
        llmqServices().forEach((name, parsed) -> {
            if (DeploymentFiles.role(parsed.commandSpec().name()).isPresent()) {
                Map<String, Object> dependsOn = map(service(name).get("depends_on"), name + " depends_on");
                assertThat(map(dependsOn.get(TOPICS_SERVICE), TOPICS_SERVICE).get("condition"))
                        .isEqualTo("service_completed_successfully");
                assertThat(mountedFile(name, parsed.commandSpec().findOption("--config").<Path>getValue()))
                        .as("%s reads the config the topics are created from", name).isEqualTo(topicsConfig);
                assertThat(topicsEnv.get(DeploymentFiles.BOOTSTRAP_VARIABLE)).as("the topics' Kafka cluster")
                        .isEqualTo(environment(name).get(DeploymentFiles.BOOTSTRAP_VARIABLE));
            }
        });
    }

    /** The llmq service a {@code host:port} reaches from another container: its role's port, beyond loopback. */
    private String reachedService(String host, int port) {
        Map<String, ParseResult> roles = llmqServices();
        assertThat(roles).as("an llmq service named " + host).containsKey(host);
        ParseResult role = roles.get(host);
        int httpPort = DeploymentFiles.httpPort(role);
        assertThat(DeploymentFiles.listensBeyondLoopback(role)).as("%s listens beyond loopback", host).isTrue();
        assertThat(port).as("%s:%d is the port %s listens on", host, port, host).isEqualTo(httpPort);
        return host;
    }

    /** The host file a service mounts at a container path. */
    private Path mountedFile(String name, Path containerPath) {
        for (String volume : strings(service(name).getOrDefault("volumes", List.of()), name + " volumes")) {
            String[] parts = volume.split(":");
            if (parts[0].startsWith("./") && containerPath.toString().startsWith(parts[1])) {
                Path host = DeploymentFiles.root().resolve(parts[0].substring(2))
                        .resolve(Path.of(parts[1]).relativize(containerPath));
                return DeploymentFiles.file(DeploymentFiles.root().relativize(host.normalize()).toString());
            }
        }
        throw new AssertionError(name + " mounts nothing at " + containerPath);
    }

    private Map<String, String> environment(String name) {
        Map<String, String> env = new HashMap<>();
        map(service(name).getOrDefault("environment", Map.of()), name + " environment")
                .forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }
}
