package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/configuration.md is generated from the definitions; this fails when the committed copy is stale. */
class ConfigReferenceTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    @Test
    void theCommittedReferenceMatchesTheDefinitions() throws IOException {
        String expected = ConfigReference.markdown();
        if (Boolean.getBoolean("llmq.docs.write")) {
            ConfigReference.main(new String[] {DOC.toString()});
        }
        assertThat(DOC).as("regenerate: ./mvnw -q -pl config test -Dllmq.docs.write=true").exists();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/configuration.md is stale; regenerate: ./mvnw -q -pl config test -Dllmq.docs.write=true")
                .isEqualTo(expected);
    }

    @Test
    void theReferenceListsEveryKeyOfEverySection() {
        String doc = ConfigReference.markdown();
        for (ConfigDef def : ConfigReference.SECTIONS) {
            for (ConfigKey<?> key : def.keys()) {
                assertThat(doc).contains("| `" + key.name() + "` |");
            }
        }
        assertThat(doc).contains("| `llmq.worker.max_in_flight` | int | `1024` | >= 1 |");
    }

    @Test
    void theReferenceListsEveryRemovedKeyWithItsReason() {
        String doc = ConfigReference.markdown();
        for (ConfigDef def : ConfigReference.SECTIONS) {
            for (RemovedKey key : def.removed()) {
                assertThat(doc).contains("| `" + key.name() + "` | " + key.reason() + " |");
            }
        }
        assertThat(doc).contains("| `llmq.worker.state_dir` | results are now written exactly once");
    }
}
