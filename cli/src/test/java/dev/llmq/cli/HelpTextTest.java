package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * picocli prints each element of a command's description on a line of its own and wraps it at the terminal's width,
 * so an element is a whole sentence or paragraph: one cut mid-sentence (written to keep source lines short) broke
 * the help in the middle of a line ("... references against" / "this environment, ...").
 */
class HelpTextTest {

    @Test
    void everyDescriptionLineOfEveryCommandEndsASentence() {
        List<String> cut = new ArrayList<>();
        collect(Main.commandLine(), cut);
        assertThat(cut).as("description lines that stop mid-sentence").isEmpty();
    }

    private static void collect(CommandLine command, List<String> cut) {
        for (String line : command.getCommandSpec().usageMessage().description()) {
            String end = line.replace("%n", "").strip();
            if (!end.isEmpty() && !end.endsWith(".") && !end.endsWith(":") && !end.endsWith(")")) {
                cut.add(command.getCommandSpec().qualifiedName() + ": " + line);
            }
        }
        command.getSubcommands().values().forEach(sub -> collect(sub, cut));
    }
}
