package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The topics table of docs/ARCHITECTURE.md is generated from {@link Topics}; this fails when it is stale. */
class TopicsDocTest {

    private static final Path DOC = Path.of("..", "docs", "ARCHITECTURE.md");
    private static final String BEGIN = "<!-- topics:begin";
    private static final String END = "<!-- topics:end -->";

    @Test
    void theArchitectureDocListsTheDefinedTopics() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("%s has a '%s' marker", DOC, BEGIN).isNotNegative();
        assertThat(end).as("%s has a '%s' marker after the begin marker", DOC, END).isGreaterThan(begin);
        int tableStart = doc.indexOf('\n', begin) + 1;
        if (Boolean.getBoolean("llmq.docs.write")) {
            doc = doc.substring(0, tableStart) + Topics.markdownTable() + doc.substring(end);
            Files.writeString(DOC, doc, StandardCharsets.UTF_8);
            end = doc.indexOf(END);
        }
        assertThat(doc.substring(tableStart, end))
                .as("the topics table of docs/ARCHITECTURE.md is stale; regenerate: "
                        + "./mvnw -q -pl schemas -am test -Dllmq.docs.write=true")
                .isEqualTo(Topics.markdownTable());
    }
}
