package dev.llmq.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code llmq} command. */
@Command(name = "llmq", mixinStandardHelpOptions = true, version = "llmq 0.1.0",
        description = "Kafka-native asynchronous LLM job processor.",
        subcommands = {
            StandaloneCommand.class, DemoCommand.class, BrokerCommand.class, IngestCommand.class, WorkerCommand.class,
            UsageAggregatorCommand.class, TopicsCommand.class, KeysCommand.class, ConfigCommand.class,
            MockLlmCommand.class, SubmitCommand.class, StatusCommand.class, BatchesCommand.class,
            ResultsCommand.class, CancelCommand.class, TailCommand.class, UsageCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--log-format", paramLabel = "text|json", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:LLMQ_LOG_FORMAT:-text}", converter = LogFormatConverter.class,
            description = "log lines as text or one JSON object per line (default: LLMQ_LOG_FORMAT, else text)")
    Logs.Format logFormat = Logs.Format.TEXT;

    @CommandLine.Option(names = "--log-prompts", scope = CommandLine.ScopeType.INHERIT,
            description = "debugging only: log every job's request body (its prompt) at DEBUG on logger "
                    + dev.llmq.worker.PromptLog.LOGGER)
    boolean logPrompts;

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
        cli.setExecutionStrategy(parseResult -> {
            Main main = (Main) parseResult.commandSpec().userObject();
            try (Logs.Redirect logs = Logs.apply(main.logFormat, main.logPrompts)) {
                return new CommandLine.RunLast().execute(parseResult);
            }
        });
        return cli;
    }

    /** {@code --log-format text|json}, case-insensitive. */
    static final class LogFormatConverter implements CommandLine.ITypeConverter<Logs.Format> {
        @Override
        public Logs.Format convert(String value) {
            try {
                return Logs.Format.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        // Kafka's clients fail to start with "Failed to create new KafkaAdminClient" alone: the why is the cause's
        // ("No resolvable bootstrap urls given in bootstrap.servers", a bad SASL setting)
        Throwable cause = t.getCause();
        if (t instanceof org.apache.kafka.common.KafkaException && cause != null && cause.getMessage() != null
                && !message.contains(cause.getMessage())) {
            message += ": " + cause.getMessage();
        }
        return message;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
