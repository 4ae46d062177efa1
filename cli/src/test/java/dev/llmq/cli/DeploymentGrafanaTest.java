package dev.llmq.cli;

import static dev.llmq.cli.DeploymentFiles.list;
import static dev.llmq.cli.DeploymentFiles.map;
import static dev.llmq.cli.DeploymentFiles.strings;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Grafana's provisioning in the compose stack: the datasource is the Prometheus service, the dashboards folder is
 * mounted where the provider looks, and every metric the dashboard queries is a name of the metrics contract
 * ({@code deploy/metrics.txt}).
 */
class DeploymentGrafanaTest {

    /** Series Prometheus makes itself. */
    private static final Set<String> PROMETHEUS_SERIES = Set.of("up");
    /** What a histogram's base name is followed by. */
    private static final Pattern HISTOGRAM_SUFFIX = Pattern.compile("_(bucket|count|sum)$");
    private static final Set<String> PROMQL_WORDS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan");
    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    private final Map<String, Object> grafana = map(map(DeploymentFiles.yaml(DeploymentFiles.read(
            DeploymentFiles.file("docker-compose.yml"))).get("services"), "services").get("grafana"), "grafana");

    @Test
    void theDatasourceIsThePrometheusServiceOnItsPort() {
        Map<String, Object> provisioning = DeploymentFiles.yaml(DeploymentFiles.read(
                DeploymentFiles.file("deploy/grafana/provisioning/datasources/prometheus.yml")));
        List<Object> sources = list(provisioning.get("datasources"), "datasources");
        assertThat(sources).hasSize(1);
        Map<String, Object> source = map(sources.get(0), "datasource");
        assertThat(source.get("type")).isEqualTo("prometheus");
        URI url = URI.create(String.valueOf(source.get("url")));
        Map<String, Object> services = map(DeploymentFiles.yaml(DeploymentFiles.read(
                DeploymentFiles.file("docker-compose.yml"))).get("services"), "services");
        assertThat(services).containsKey(url.getHost());
        assertThat(strings(map(services.get(url.getHost()), "prometheus").get("ports"), "ports"))
                .anySatisfy(port -> assertThat(port).endsWith(":" + url.getPort()));
        assertThat(mounts()).containsEntry("./deploy/grafana/provisioning", "/etc/grafana/provisioning");
        JsonNode dashboard = dashboard();
        dashboard.findValues("datasource").forEach(ds -> {
            if (ds.has("uid")) {
                assertThat(ds.get("uid").asText()).isEqualTo(source.get("uid"));
            }
        });
    }

    @Test
    void theDashboardProviderLooksWhereTheDashboardsAreMounted() throws IOException {
        Map<String, Object> provisioning = DeploymentFiles.yaml(DeploymentFiles.read(
                DeploymentFiles.file("deploy/grafana/provisioning/dashboards/llmq.yml")));
        List<Object> providers = list(provisioning.get("providers"), "providers");
        assertThat(providers).hasSize(1);
        String path = String.valueOf(map(map(providers.get(0), "provider").get("options"), "options").get("path"));
        String hostDir = mounts().entrySet().stream().filter(e -> e.getValue().equals(path)).map(Map.Entry::getKey)
                .findFirst().orElseThrow(() -> new AssertionError("grafana mounts nothing at " + path));
        Path dir = DeploymentFiles.root().resolve(hostDir.substring(2));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("llmq.json");
        }
        assertThat(String.valueOf(map(grafana.get("environment"), "env").get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")))
                .isEqualTo(path + "/llmq.json");
    }

    @Test
    void everyMetricTheDashboardQueriesIsInTheContract() {
        Set<String> contract = DeploymentFiles.contractMetrics();
        Set<String> queried = new LinkedHashSet<>();
        List<String> expressions = expressions(dashboard());
        assertThat(expressions).hasSizeGreaterThanOrEqualTo(20);
        expressions.forEach(expr -> queried.addAll(metricNames(expr)));
        for (String name : queried) {
            String base = HISTOGRAM_SUFFIX.matcher(name).replaceFirst("");
            assertThat(contract.contains(name) || contract.contains(base) || PROMETHEUS_SERIES.contains(name))
                    .as("dashboard metric %s is in deploy/metrics.txt", name).isTrue();
        }
        assertThat(queried).contains("llmq_jobs_submitted_total", "llmq_jobs_completed_total",
                "llmq_jobs_duration_seconds_bucket", "llmq_time_to_first_token_seconds_bucket", "llmq_tokens_total",
                "llmq_cost_usd_total", "llmq_deployment_health", "llmq_consumer_lag", "llmq_consumer_lag_seconds",
                "llmq_jobs_dlq_total", "llmq_worker_in_flight");
    }

    @Test
    void theMetricNameReaderFindsNamesAndSkipsFunctionsLabelsAndRanges() {
        assertThat(metricNames("histogram_quantile(0.99, sum by (le, model_group) "
                + "(rate(llmq_time_to_first_token_seconds_bucket{role=~\"$role\"}[$__rate_interval]))) * 3600"))
                .containsExactly("llmq_time_to_first_token_seconds_bucket");
        assertThat(metricNames("max by (deployment) (llmq_deployment_health) == 1 or up"))
                .containsExactly("llmq_deployment_health", "up");
    }

    /** The metric names in a PromQL expression: identifiers that are neither functions, labels, nor keywords. */
    static Set<String> metricNames(String expr) {
        String bare = expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
                .replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(bare);
        while (m.find()) {
            String word = m.group();
            boolean function = bare.substring(m.end()).stripLeading().startsWith("(");
            boolean number = m.start() > 0 && Character.isDigit(bare.charAt(m.start() - 1));
            if (!function && !number && !PROMQL_WORDS.contains(word.toLowerCase())) {
                names.add(word);
            }
        }
        return names;
    }

    private static List<String> expressions(JsonNode dashboard) {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.get("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            String query = variable.path("query").path("query").asText();
            Matcher m = Pattern.compile("label_values\\((\\w+)").matcher(query);
            if (m.find()) {
                expressions.add(m.group(1));
            }
        }
        return expressions;
    }

    private static JsonNode dashboard() {
        try {
            JsonNode node = Json.mapper().readTree(DeploymentFiles.read(
                    DeploymentFiles.file("deploy/grafana/dashboards/llmq.json")));
            assertThat(node.get("uid").asText()).isEqualTo("llmq");
            assertThat(node.get("panels").isArray()).isTrue();
            return node;
        } catch (IOException e) {
            throw new AssertionError("deploy/grafana/dashboards/llmq.json is not JSON", e);
        }
    }

    /** Grafana's bind mounts: host path to container path. */
    private Map<String, String> mounts() {
        Map<String, String> mounts = new java.util.LinkedHashMap<>();
        for (String volume : strings(grafana.get("volumes"), "grafana volumes")) {
            String[] parts = volume.split(":");
            if (parts[0].startsWith("./")) {
                assertThat(DeploymentFiles.root().resolve(parts[0].substring(2))).as(parts[0]).exists();
                mounts.put(parts[0], parts[1]);
            }
        }
        return mounts;
    }
}
