package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * What the deployment tests ({@code Deployment*Test}) share: the repository's files, YAML as compose and Kubernetes
 * read it (anchors and merge keys included), an llmq command line checked against the real CLI, and the metric
 * names of the metrics contract ({@code deploy/metrics.txt}).
 */
final class DeploymentFiles {

    /** Where the variables an llmq role reads by name come from, besides the config's {@code os.environ/NAME}. */
    static final String BOOTSTRAP_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS";
    static final String KAFKA_PROPERTY_PREFIX = "LLMQ_KAFKA_";
    /** Read by the JVM itself. */
    static final String JVM_VARIABLE = "JAVA_TOOL_OPTIONS";

    private static final Pattern ENV_REFERENCE = Pattern.compile("os\\.environ/([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern LOOPBACK_URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)(/\\S*)");

    private DeploymentFiles() {
    }

    /** The repository's root: the first directory up from the working directory with the Maven wrapper in it. */
    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("mvnw"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root (a directory with mvnw) above the working directory").isNotNull();
        return dir;
    }

    static Path file(String relative) {
        Path path = root().resolve(relative);
        assertThat(path).as(relative).isRegularFile();
        return path;
    }

    static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One YAML document, with anchors, aliases and merge keys resolved as compose resolves them. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(String text) {
        Object doc = new Yaml(loaderOptions()).load(text);
        assertThat(doc).as("a YAML mapping").isInstanceOf(Map.class);
        return (Map<String, Object>) doc;
    }

    /** Every non-empty document of a multi-document YAML stream (as {@code helm template} prints). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> yamlDocuments(String text) {
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Yaml(loaderOptions()).loadAll(text)) {
            if (doc != null) {
                assertThat(doc).as("a YAML mapping").isInstanceOf(Map.class);
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return options;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value, String what) {
        assertThat(value).as(what).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object value, String what) {
        assertThat(value).as(what).isInstanceOf(List.class);
        return (List<Object>) value;
    }

    static List<String> strings(Object value, String what) {
        return list(value, what).stream().map(String::valueOf).toList();
    }

    /** The variables a config file reads by {@code os.environ/NAME}. */
    static Set<String> environmentReferences(String configText) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = ENV_REFERENCE.matcher(configText);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Whether an llmq role reads the variable: the Kafka ones by name, the JVM's, or the config's references. */
    static boolean readByLlmq(String variable, Set<String> configReferences) {
        return variable.equals(BOOTSTRAP_VARIABLE) || variable.equals(JVM_VARIABLE)
                || (variable.startsWith(KAFKA_PROPERTY_PREFIX) && variable.length() > KAFKA_PROPERTY_PREFIX.length())
                || configReferences.contains(variable);
    }

    /**
     * Parses an llmq command line (the arguments after the image's {@code java -jar llmq.jar}) with the real CLI:
     * the subcommand (and its own subcommand, as in {@code topics create}) must exist and every {@code --flag} must
     * be one of its options with a value of the right type. Nothing runs.
     *
     * @return the innermost subcommand's parse result
     */
    static ParseResult parseRole(List<String> args) {
        assertThat(args).as("an llmq command line").isNotEmpty();
        CommandLine cli = Main.commandLine();
        CommandLine command = cli;
        int first = 0;
        while (first < args.size() && command.getSubcommands().containsKey(args.get(first))) {
            command = command.getSubcommands().get(args.get(first));
            first++;
        }
        String subcommand = String.join(" ", args.subList(0, first));
        assertThat(first).as("llmq's subcommands: %s", args).isPositive();
        CommandSpec spec = command.getCommandSpec();
        for (String arg : args.subList(first, args.size())) {
            if (arg.startsWith("--")) {
                String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
                assertThat(spec.findOption(flag)).as("llmq %s option %s", subcommand, flag).isNotNull();
            }
        }
        ParseResult parsed = cli.parseArgs(args.toArray(String[]::new));
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        assertThat(parsed.commandSpec()).isSameAs(spec);
        assertThat(parsed.unmatched()).as("unmatched arguments of llmq %s", subcommand).isEmpty();
        return parsed;
    }

    /** Whether a parsed command line is {@code llmq topics create}. */
    static boolean createsTopics(ParseResult parsed) {
        return parsed.commandSpec().qualifiedName().equals("llmq topics create");
    }

    /** The port a parsed role serves HTTP on: its {@code --http-port}, or {@code --port} (mock-llm), as parsed. */
    static int httpPort(ParseResult role) {
        OptionSpec option = Optional.ofNullable(role.commandSpec().findOption("--http-port"))
                .orElseGet(() -> role.commandSpec().findOption("--port"));
        assertThat(option).as("llmq %s has an HTTP port option", role.commandSpec().name()).isNotNull();
        return option.<Integer>getValue();
    }

    /** Whether other machines reach the role's HTTP port: only with a {@code --host} that is not loopback. */
    static boolean listensBeyondLoopback(ParseResult role) {
        OptionSpec host = role.commandSpec().findOption("--host");
        return host != null && !BindPolicy.isLoopback(host.<String>getValue());
    }

    /** The {@link Role} a subcommand runs, if it is one (mock-llm is not). */
    static Optional<Role> role(String subcommand) {
        return Arrays.stream(Role.values()).filter(role -> role.command().equals(subcommand)).findFirst();
    }

    /** A loopback URL in a healthcheck or probe command: {@code [port, path]}. */
    static Optional<Map.Entry<Integer, String>> loopbackUrl(List<String> command) {
        for (String word : command) {
            Matcher m = LOOPBACK_URL.matcher(word);
            if (m.find()) {
                return Optional.of(Map.entry(Integer.parseInt(m.group(1)), m.group(2)));
            }
        }
        return Optional.empty();
    }

    /** The Prometheus names of the metrics contract, from {@code deploy/metrics.txt}. */
    static Set<String> contractMetrics() {
        Set<String> names = new LinkedHashSet<>();
        for (String line : read(file("deploy/metrics.txt")).split("\n")) {
            String name = line.strip();
            if (!name.isEmpty() && !name.startsWith("#")) {
                assertThat(name).as("a Prometheus metric name").matches("[a-zA-Z_:][a-zA-Z0-9_:]*");
                names.add(name);
            }
        }
        return names;
    }
}
