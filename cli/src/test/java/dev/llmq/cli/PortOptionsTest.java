package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class PortOptionsTest {

    @Test
    void everyPortOptionRefusesAValueOutOfRangeAsAUsageError() {
        List<List<String>> portOptions = new ArrayList<>();
        collect(Main.commandLine(), List.of(), portOptions);
        assertThat(portOptions).as("the port options of the roles and the mock").hasSizeGreaterThanOrEqualTo(8);

        for (List<String> path : portOptions) {
            for (String value : List.of("70000", "-1", "http")) {
                List<String> args = new ArrayList<>(path);
                args.add(value);
                assertThatThrownBy(() -> Main.commandLine().parseArgs(args.toArray(String[]::new)))
                        .as(String.join(" ", args))
                        .isInstanceOf(CommandLine.ParameterException.class)
                        .hasMessageContaining(path.getLast())
                        .hasMessageContaining("is not a port number (0 to 65535)");
            }
            List<String> args = new ArrayList<>(path);
            args.add("0");
            Main.commandLine().parseArgs(args.toArray(String[]::new));
        }
    }

    @Test
    void aPortOutOfRangeExitsWithTheUsageErrorsCode() {
        CliIT.Result run = CliIT.run("standalone", "--http-port", "70000");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("Invalid value for option '--http-port': 70000 is not a port number "
                + "(0 to 65535)");
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> found) {
        for (CommandLine.Model.OptionSpec option : command.getCommandSpec().options()) {
            if (option.longestName().endsWith("port")) {
                List<String> args = new ArrayList<>(path);
                args.add(option.longestName());
                found.add(args);
            }
        }
        command.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandSpec().name().equals(name)) {
                return; // an alias
            }
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, found);
        });
    }
}
