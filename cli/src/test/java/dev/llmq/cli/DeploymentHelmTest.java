package dev.llmq.cli;

import static dev.llmq.cli.DeploymentFiles.list;
import static dev.llmq.cli.DeploymentFiles.map;
import static dev.llmq.cli.DeploymentFiles.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.ConfigScope;
import dev.llmq.router.Deployment;
import dev.llmq.router.LlmqConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.ParseResult;

/**
 * The Helm chart {@code deploy/helm/llmq}, rendered with Helm's own engine (helm-java, no helm binary) with the
 * default values and with an override: every document is a Kubernetes object; every llmq container runs a real
 * subcommand with real options, alone in its pod; probes ask the role's own port (on the pod's address) for
 * {@code /health/live} and {@code /health/ready}; the config in the ConfigMap resolves with each pod's variables;
 * Services and the ServiceMonitor name ports that exist; the topics Job runs {@code llmq topics create} with the
 * roles' config and Kafka settings.
 */
class DeploymentHelmTest {

    private static final String RELEASE = "demo";
    private static final Pattern DEPENDENT_VARIABLE = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    /** What the Kubernetes downward API gives the pods, in the test. */
    private static final Map<String, String> FIELD_VALUES = Map.of("metadata.name", "demo-llmq-pod-0",
            "status.podIP", "10.1.2.3");
    private static final String OVERRIDE = """
            worker:
              replicas: 3
            serviceMonitor:
              enabled: true
              labels: { release: prometheus }
            auth:
              insecureNoAuth: true
            mockLlm:
              enabled: false
            kafka:
              bootstrapServers: kafka-0.kafka:9092,kafka-1.kafka:9092
              env:
                LLMQ_KAFKA_SECURITY_PROTOCOL: SASL_SSL
                LLMQ_KAFKA_SASL_MECHANISM: SCRAM-SHA-512
            secrets:
              OPENAI_API_KEY: sk-test
              LLMQ_KAFKA_SASL_JAAS_CONFIG: org.apache.kafka.common.security.scram.ScramLoginModule required;
            config:
              model_list:
                - model_name: gpt-4o-mini
                  litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY }
              llmq:
                topics: { prefix: llmq, partitions: 6, replication_factor: 1 }
            """;

    @TempDir
    Path temp;

    /** The rendered chart, by kind and name. */
    record Rendered(Map<String, Map<String, Object>> byKindAndName) {

        List<Map<String, Object>> ofKind(String kind) {
            return byKindAndName.entrySet().stream().filter(e -> e.getKey().startsWith(kind + "/"))
                    .map(Map.Entry::getValue).toList();
        }

        Map<String, Object> get(String kind, String name) {
            assertThat(byKindAndName).containsKey(kind + "/" + name);
            return byKindAndName.get(kind + "/" + name);
        }
    }

    @Test
    void theDefaultValuesRenderEveryRoleTheMockAndNoServiceMonitor() {
        Rendered chart = render(null);
        assertThat(chart.ofKind("ServiceMonitor")).isEmpty();
        assertThat(deployments(chart)).containsOnlyKeys("demo-llmq-ingest", "demo-llmq-worker",
                "demo-llmq-usage-aggregator", "demo-llmq-mock-llm");
        assertThat(spec(chart.get("Deployment", "demo-llmq-worker")).get("replicas")).isEqualTo(2);
        assertThat(chart.ofKind("Secret")).isEmpty();
        checkEverything(chart);
        checkTheWorkersCallTheMock(chart);
    }

    @Test
    void anOverrideScalesTheWorkersAddsTheServiceMonitorTheSecretAndKafkaSettings() throws IOException {
        Path values = Files.writeString(temp.resolve("values.yaml"), OVERRIDE);
        Rendered chart = render(values);
        assertThat(spec(chart.get("Deployment", "demo-llmq-worker")).get("replicas")).isEqualTo(3);
        assertThat(deployments(chart)).doesNotContainKey("demo-llmq-mock-llm");
        Map<String, Object> secret = chart.get("Secret", "demo-llmq-secrets");
        assertThat(map(secret.get("stringData"), "stringData")).containsKeys("OPENAI_API_KEY",
                "LLMQ_KAFKA_SASL_JAAS_CONFIG");
        checkEverything(chart);
        Map<String, Object> monitor = chart.get("ServiceMonitor", "demo-llmq");
        assertThat(monitor.get("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        checkTheServiceMonitorScrapesEveryRole(chart, monitor);
        for (String role : List.of("ingest", "worker", "usage-aggregator")) {
            ParseResult parsed = DeploymentFiles.parseRole(strings(llmqContainer(
                    chart.get("Deployment", "demo-llmq-" + role)).get("args"), "args"));
            assertThat(parsed.commandSpec().findOption(BindPolicy.INSECURE_FLAG).<Boolean>getValue()).as(role).isTrue();
        }
    }

    @Test
    void aChartThatFailsToRenderFailsTheTest() throws IOException {
        Path values = Files.writeString(temp.resolve("bad.yaml"), "kafka:\n  env:\n    SECURITY_PROTOCOL: SSL\n");
        assertThatThrownBy(() -> render(values))
                .hasMessageContaining("only LLMQ_KAFKA_<PROPERTY> variables");
    }

    private void checkEverything(Rendered chart) {
        String configText = String.valueOf(map(chart.get("ConfigMap", "demo-llmq-config").get("data"), "data")
                .get("llmq.yaml"));
        Map<String, String> secrets = new HashMap<>();
        chart.ofKind("Secret").forEach(s -> map(s.get("stringData"), "stringData")
                .forEach((k, v) -> secrets.put(k, String.valueOf(v))));
        deployments(chart).forEach((name, deployment) -> checkDeployment(name, deployment, configText, secrets));
        checkServices(chart);
        checkTopicsJob(chart, configText, secrets);
    }

    private static void checkDeployment(String name, Map<String, Object> deployment, String configText,
                                        Map<String, String> secrets) {
        Map<String, Object> container = llmqContainer(deployment);
        List<String> args = strings(container.get("args"), name + " args");
        ParseResult parsed = DeploymentFiles.parseRole(args);
        int port = DeploymentFiles.httpPort(parsed);
        Optional<Role> role = DeploymentFiles.role(parsed.commandSpec().name());
        checkProbes(name, container, parsed, port);
        assertThat(containers(deployment)).as(name + " containers").containsExactly(container);
        assertThat(ports(container)).as(name + " ports").containsExactly(Map.entry("http", port));
        if (role.isEmpty()) {
            return; // mock-llm reads no config
        }
        Map<String, String> env = environment(container, secrets);
        Set<String> references = DeploymentFiles.environmentReferences(configText);
        Set<String> expanded = new TreeSet<>();
        args.forEach(arg -> DEPENDENT_VARIABLE.matcher(arg).results().forEach(r -> expanded.add(r.group(1))));
        for (Object entry : list(container.get("env"), name + " env")) {
            String value = String.valueOf(map(entry, "env entry").getOrDefault("value", ""));
            DEPENDENT_VARIABLE.matcher(value).results().forEach(r -> expanded.add(r.group(1)));
        }
        env.keySet().forEach(variable -> assertThat(DeploymentFiles.readByLlmq(variable, references)
                || expanded.contains(variable)).as("%s sets %s, which llmq reads", name, variable).isTrue());
        LlmqConfig read = ConfigLoader.parse(configText, env, role.get().scope());
        assertThat(read.llmq().kafka().get("bootstrap.servers")).isEqualTo(env.get(DeploymentFiles.BOOTSTRAP_VARIABLE));
        assertThat(list(map(map(spec(deployment).get("template"), "template").get("spec"), "pod spec")
                .get("volumes"), "volumes")).anySatisfy(v -> assertThat(map(v, "volume")).containsKey("configMap"));
        assertThat(parsed.commandSpec().findOption("--config").<Path>getValue()).isEqualTo(Path.of("/etc/llmq/llmq.yaml"));
    }

    private static void checkProbes(String name, Map<String, Object> container, ParseResult parsed, int port) {
        Map<String, String> probePaths = Map.of("livenessProbe", "/health/live", "readinessProbe", "/health/ready");
        probePaths.forEach((probeName, path) -> {
            Map<String, Object> probe = map(container.get(probeName), name + " " + probeName);
            assertThat(probe).as(name + " " + probeName + " asks over HTTP, with no tool in the image")
                    .containsKey("httpGet").doesNotContainKey("exec");
            Map<String, Object> get = map(probe.get("httpGet"), "httpGet");
            assertThat(get.get("path")).as(name + " " + probeName).isEqualTo(path);
            assertThat(ports(container)).as(name + " ports").containsEntry(String.valueOf(get.get("port")), port);
            assertThat(DeploymentFiles.listensBeyondLoopback(parsed))
                    .as("%s listens where the kubelet reaches it", name).isTrue();
        });
    }

    private static void checkTheWorkersCallTheMock(Rendered chart) {
        String configText = String.valueOf(map(chart.get("ConfigMap", "demo-llmq-config").get("data"), "data")
                .get("llmq.yaml"));
        Map<String, Object> worker = llmqContainer(chart.get("Deployment", "demo-llmq-worker"));
        LlmqConfig read = ConfigLoader.parse(configText, environment(worker, Map.of()), Role.WORKER.scope());
        Map<String, Object> mock = chart.get("Deployment", "demo-llmq-mock-llm");
        int mockPort = DeploymentFiles.httpPort(DeploymentFiles.parseRole(strings(llmqContainer(mock).get("args"),
                "args")));
        for (Deployment deployment : read.deployments()) {
            URI base = deployment.target().apiBase();
            Map<String, Object> service = chart.get("Service", base.getHost());
            Map<String, Object> servicePort = list(spec(service).get("ports"), "ports").stream()
                    .map(p -> map(p, "port")).filter(p -> Integer.valueOf(base.getPort()).equals(p.get("port")))
                    .findFirst().orElseThrow(() -> new AssertionError(base + ": no such Service port"));
            Map<String, Object> pod = podOf(chart, service);
            assertThat(pod).isSameAs(mock);
            int containerPort = containers(pod).stream().map(DeploymentHelmTest::ports)
                    .map(ports -> ports.get(String.valueOf(servicePort.get("targetPort")))).filter(p -> p != null)
                    .findFirst().orElseThrow();
            assertThat(containerPort).as(base + " reaches the mock's port").isEqualTo(mockPort);
            assertThat(DeploymentFiles.listensBeyondLoopback(DeploymentFiles.parseRole(strings(
                    llmqContainer(mock).get("args"), "args")))).as("the mock listens on the pod's address").isTrue();
            assertThat(base.getPath()).isEqualTo("/v1");
        }
    }

    private static void checkServices(Rendered chart) {
        for (Map<String, Object> service : chart.ofKind("Service")) {
            Map<String, Object> pod = podOf(chart, service);
            Set<String> portNames = new TreeSet<>();
            containers(pod).forEach(c -> portNames.addAll(ports(c).keySet()));
            for (Object port : list(spec(service).get("ports"), "ports")) {
                assertThat(portNames).as(name(service) + " targetPort").contains(String.valueOf(
                        map(port, "port").get("targetPort")));
            }
        }
    }

    private static void checkTheServiceMonitorScrapesEveryRole(Rendered chart, Map<String, Object> monitor) {
        Map<String, Object> selector = map(spec(monitor).get("selector"), "selector");
        Map<String, Object> matchLabels = map(selector.get("matchLabels"), "matchLabels");
        List<String> components = strings(map(list(selector.get("matchExpressions"), "expressions").get(0),
                "expression").get("values"), "values");
        Set<String> endpointPorts = new TreeSet<>();
        list(spec(monitor).get("endpoints"), "endpoints").forEach(e -> {
            assertThat(map(e, "endpoint").get("path")).isEqualTo("/metrics");
            endpointPorts.add(String.valueOf(map(e, "endpoint").get("port")));
        });
        Set<String> scrapedComponents = new TreeSet<>();
        for (Map<String, Object> service : chart.ofKind("Service")) {
            Map<String, Object> labels = map(map(service.get("metadata"), "metadata").get("labels"), "labels");
            boolean selected = labels.entrySet().containsAll(matchLabels.entrySet())
                    && components.contains(String.valueOf(labels.get("app.kubernetes.io/component")));
            if (selected) {
                list(spec(service).get("ports"), "ports").stream().map(p -> String.valueOf(map(p, "port").get("name")))
                        .filter(endpointPorts::contains).findFirst()
                        .ifPresent(p -> scrapedComponents.add(String.valueOf(labels.get("app.kubernetes.io/component"))));
            }
        }
        Set<String> roles = new TreeSet<>();
        deployments(chart).values().forEach(d -> {
            String sub = DeploymentFiles.parseRole(strings(llmqContainer(d).get("args"), "args")).commandSpec().name();
            DeploymentFiles.role(sub).ifPresent(r -> roles.add(r.command()));
        });
        assertThat(scrapedComponents).as("roles the ServiceMonitor scrapes").isEqualTo(roles);
    }

    /** The topics Job: {@code llmq topics create} with the ConfigMap's config and the worker's Kafka settings. */
    private static void checkTopicsJob(Rendered chart, String configText, Map<String, String> secrets) {
        Map<String, Object> job = chart.get("Job", "demo-llmq-topics-1");
        Map<String, Object> container = llmqContainer(job);
        ParseResult topics = DeploymentFiles.parseRole(strings(container.get("args"), "topics Job args"));
        assertThat(DeploymentFiles.createsTopics(topics)).as("the Job runs llmq topics create").isTrue();
        assertThat(topics.commandSpec().findOption("--dry-run").<Boolean>getValue()).isFalse();
        assertThat(topics.commandSpec().findOption("--config").<Path>getValue())
                .isEqualTo(Path.of("/etc/llmq/llmq.yaml"));
        assertThat(volumes(job)).isEqualTo(volumes(chart.get("Deployment", "demo-llmq-worker")));
        assertThat(container.get("volumeMounts")).isEqualTo(llmqContainer(chart.get("Deployment", "demo-llmq-worker"))
                .get("volumeMounts"));
        Map<String, String> env = environment(container, secrets);
        Map<String, String> workerEnv = environment(llmqContainer(chart.get("Deployment", "demo-llmq-worker")), secrets);
        workerEnv.forEach((variable, value) -> {
            if (variable.startsWith(DeploymentFiles.KAFKA_PROPERTY_PREFIX)
                    || variable.equals(DeploymentFiles.BOOTSTRAP_VARIABLE)) {
                assertThat(env).as("the topics Job's Kafka settings").containsEntry(variable, value);
            }
        });
        assertThat(map(map(spec(job).get("template"), "template").get("spec"), "pod spec").get("restartPolicy"))
                .isEqualTo("Never");
        LlmqConfig read = ConfigLoader.parse(configText, env, ConfigScope.NAMES);
        assertThat(read.llmq().kafka().get("bootstrap.servers")).isEqualTo(env.get(DeploymentFiles.BOOTSTRAP_VARIABLE));
    }

    private static List<Object> volumes(Map<String, Object> workload) {
        return list(map(map(spec(workload).get("template"), "template").get("spec"), "pod spec").get("volumes"),
                "volumes");
    }

    private Rendered render(Path valuesFile) {
        var template = new Helm(DeploymentFiles.root().resolve("deploy/helm/llmq")).template().withName(RELEASE)
                .withNamespace("llmq");
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        String out = template.call();
        Map<String, Map<String, Object>> byKindAndName = new LinkedHashMap<>();
        for (Map<String, Object> doc : DeploymentFiles.yamlDocuments(out)) {
            assertThat(doc.get("apiVersion")).as("apiVersion of %s", doc).isNotNull();
            assertThat(doc.get("kind")).as("kind of %s", doc).isNotNull();
            String name = name(doc);
            assertThat(name).as("metadata.name of %s", doc.get("kind")).isNotBlank().hasSizeLessThanOrEqualTo(63);
            assertThat(byKindAndName.put(doc.get("kind") + "/" + name, doc)).as("one " + doc.get("kind") + " " + name)
                    .isNull();
        }
        assertThat(byKindAndName).isNotEmpty();
        return new Rendered(byKindAndName);
    }

    private static Map<String, Map<String, Object>> deployments(Rendered chart) {
        Map<String, Map<String, Object>> deployments = new LinkedHashMap<>();
        chart.ofKind("Deployment").forEach(d -> deployments.put(name(d), d));
        return deployments;
    }

    /** The container that runs llmq (not a bridge): the one without a command of its own. */
    private static Map<String, Object> llmqContainer(Map<String, Object> workload) {
        List<Map<String, Object>> llmq = containers(workload).stream().filter(c -> !c.containsKey("command")).toList();
        assertThat(llmq).as(name(workload) + " runs one llmq container").hasSize(1);
        assertThat(String.valueOf(llmq.get(0).get("image"))).isEqualTo("llmq:0.1.0");
        return llmq.get(0);
    }

    private static List<Map<String, Object>> containers(Map<String, Object> workload) {
        Map<String, Object> podSpec = map(map(spec(workload).get("template"), "template").get("spec"), "pod spec");
        return list(podSpec.get("containers"), "containers").stream().map(c -> map(c, "container")).toList();
    }

    /** A container's ports: name to number. */
    private static Map<String, Integer> ports(Map<String, Object> container) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Object port : list(container.getOrDefault("ports", List.of()), "ports")) {
            ports.put(String.valueOf(map(port, "port").get("name")), (Integer) map(port, "port").get("containerPort"));
        }
        return ports;
    }

    /** The Deployment whose pods a Service selects. */
    private static Map<String, Object> podOf(Rendered chart, Map<String, Object> service) {
        Map<String, Object> selector = map(spec(service).get("selector"), name(service) + " selector");
        List<Map<String, Object>> selected = new ArrayList<>();
        for (Map<String, Object> deployment : chart.ofKind("Deployment")) {
            Map<String, Object> labels = map(map(map(spec(deployment).get("template"), "template").get("metadata"),
                    "metadata").get("labels"), "labels");
            if (labels.entrySet().containsAll(selector.entrySet())) {
                selected.add(deployment);
            }
        }
        assertThat(selected).as(name(service) + " selects one Deployment's pods").hasSize(1);
        return selected.get(0);
    }

    /** A container's variables as the pod sees them: values, downward API fields, $(VAR) expanded, envFrom secrets. */
    private static Map<String, String> environment(Map<String, Object> container, Map<String, String> secrets) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object value : list(container.getOrDefault("env", List.of()), "env")) {
            Map<String, Object> entry = map(value, "env entry");
            String name = String.valueOf(entry.get("name"));
            if (entry.containsKey("valueFrom")) {
                String field = String.valueOf(map(map(entry.get("valueFrom"), "valueFrom").get("fieldRef"), "fieldRef")
                        .get("fieldPath"));
                assertThat(FIELD_VALUES).containsKey(field);
                env.put(name, FIELD_VALUES.get(field));
            } else {
                Matcher m = DEPENDENT_VARIABLE.matcher(String.valueOf(entry.get("value")));
                env.put(name, m.replaceAll(r -> Matcher.quoteReplacement(env.getOrDefault(r.group(1), r.group()))));
            }
        }
        if (container.containsKey("envFrom")) {
            env.putAll(secrets);
        }
        return env;
    }

    private static Map<String, Object> spec(Map<String, Object> object) {
        return map(object.get("spec"), name(object) + " spec");
    }

    private static String name(Map<String, Object> object) {
        return String.valueOf(map(object.get("metadata"), "metadata").get("name"));
    }
}
