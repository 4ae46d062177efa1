package dev.llmq.cli;

import dev.llmq.router.ConfigScope;
import dev.llmq.router.Deployment;
import dev.llmq.router.KeySuggestions;
import dev.llmq.router.LlmqConfig;
import dev.llmq.worker.routing.DeploymentPrices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llmq config show} prints the config a role would run with (the bundled one without {@code --config}, to start
 * a file of one's own from); {@code llmq config check} reads a config as a worker does at start, without starting
 * anything, and says what it found.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print the bundled config, or check a config file as a worker would read it.",
        subcommands = {ConfigCommand.Show.class, ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print the config file a role runs with: --config FILE, else the bundled one "
                    + "(llmq config show > llmq.yaml starts a config of your own from it).")
    static final class Show implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE", description = "a config file (default: the bundled one)")
        Path config;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            out.print(LoadedConfig.read(config).text());
            out.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Read a config as a worker does at start (every key, os.environ/NAME references against "
                    + "this environment, the price table) and print its model groups, what has no price and the keys "
                    + "llmq does not support; exit 1 with the reason when a worker would refuse it.")
    static final class Check implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--config", paramLabel = "FILE", description = "the config file (default: the bundled one)")
        Path config;

        /** The environment references resolve against; the process's own unless a test sets one. */
        Map<String, String> env = System.getenv();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            LoadedConfig loaded = LoadedConfig.read(config);
            Map<String, String> environment = new HashMap<>(env);
            if (loaded.parse(env, ConfigScope.NAMES).llmq().mockLlm()) {
                // a role that enables the in-process mock sets its URL before it reads the deployments
                environment.putIfAbsent(LoadedConfig.MOCK_URL_VARIABLE, "http://127.0.0.1:4010/v1");
            }
            // what a worker reads: everything, secrets resolved (a ConfigException ends the command with its reason)
            LlmqConfig parsed = loaded.parse(environment, ConfigScope.ROUTING);
            DeploymentPrices prices = Components.prices(parsed);
            out.println((config == null ? "the bundled config" : config.toString()) + ": valid for every role");
            out.println(Words.count(parsed.modelGroups().size(), "model group") + ":");
            for (String group : parsed.modelGroups().stream().sorted().toList()) {
                List<Deployment> deployments = parsed.deploymentsOf(group);
                out.println("  " + group + ": " + String.join(", ", deployments.stream()
                        .map(d -> d.id() + " (" + d.provider() + "/" + d.model()
                                + (prices.price(d).isPresent() || d.mockResponse() != null ? "" : ", no price") + ")")
                        .toList()));
            }
            parsed.router().modelGroupAlias().forEach((alias, group) -> out.println("  " + alias + ": an alias of "
                    + group));
            List<Deployment> unpriced = parsed.deployments().stream()
                    .filter(d -> prices.price(d).isEmpty() && d.mockResponse() == null).toList();
            if (!unpriced.isEmpty()) {
                out.println("no price for " + Words.count(unpriced.size(), "deployment") + ": "
                        + (unpriced.size() == 1 ? "its" : "their") + " results will "
                        + "say cost_usd: null; set input_cost_per_token and output_cost_per_token, or model_info."
                        + "base_model, or point llmq.pricing.table at a price table that lists the model");
            }
            if (!parsed.unsupportedKeys().isEmpty()) {
                out.println("not supported by llmq, no effect: " + String.join(", ",
                        parsed.unsupportedKeys().stream().map(KeySuggestions::describe).toList()));
            }
            parsed.notes().forEach(out::println);
            out.flush();
            return 0;
        }
    }
}
