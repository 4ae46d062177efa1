package dev.llmq.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./llmq bench <scenario>}: each scenario starts what it measures (roles as processes of their own where the
 * CPU split matters), drives it, and prints one {@link BenchTable}. The launcher runs this class from
 * {@code bench/target/benchmarks.jar} with {@code -Dllmq.home=<repo>}.
 */
@Command(name = "llmq bench", mixinStandardHelpOptions = true,
        description = "Benchmark scenarios; each prints one table (machine, settings, figures, CPU per process).",
        subcommands = {CommandLine.HelpCommand.class, E2eBench.class, IngestBench.class, LoadCommand.class,
            InFlightBench.class, StreamBench.class, UsageBench.class, KafkaFloorBench.class, JmhBench.class})
public final class BenchMain implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line; a scenario about to run times the host ({@link HostSpeed}) before it starts anything. */
    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new BenchMain());
        commandLine.setExecutionStrategy(parsed -> {
            if (timesTheHost(parsed)) {
                System.out.println(HostSpeed.measure());
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        return commandLine;
    }

    /** True when {@code parsed} runs a scenario, not help. */
    static boolean timesTheHost(CommandLine.ParseResult parsed) {
        CommandLine.ParseResult scenario = parsed.subcommand();
        return scenario != null && !scenario.isUsageHelpRequested() && !scenario.isVersionHelpRequested()
                && !(scenario.commandSpec().userObject() instanceof CommandLine.HelpCommand);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code cli/target/llmq.jar} of the checkout the launcher runs from (or the working directory). */
    static Path llmqJar() {
        Path home = Path.of(System.getProperty("llmq.home", "."));
        Path jar = home.resolve("cli/target/llmq.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is missing: run ./llmq once, or ./mvnw -B -q "
                    + "-DskipTests package");
        }
        return jar;
    }
}
