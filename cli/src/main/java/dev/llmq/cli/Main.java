package dev.llmq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code llmq} command. */
@Command(name = "llmq", mixinStandardHelpOptions = true, version = "llmq 0.1.0",
        description = "Kafka-native asynchronous LLM job processor.",
        subcommands = {
            StandaloneCommand.class, DemoCommand.class, BrokerCommand.class, IngestCommand.class, WorkerCommand.class,
            UsageAggregatorCommand.class, TopicsCommand.class, KeysCommand.class,
            MockLlmCommand.class, SubmitCommand.class, StatusCommand.class, TailCommand.class, UsageCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // "llmq worker: ...", "llmq topics create: ..."
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + rootMessage(e));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("command failed", e);
            return 1;
        });
        return cli;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
