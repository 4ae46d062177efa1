package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RemovedKey}: what a config still setting a removed key is told, and how a section keeps its removed keys. */
class RemovedKeyTest {

    @Test
    void theMessageNamesTheKeyTheReasonAndWhatToDo() {
        RemovedKey key = new RemovedKey("llmq.worker.gone", "nothing reads it any more");

        assertThat(key.message())
                .isEqualTo("llmq.worker.gone was removed: nothing reads it any more. Delete it from the config file.");
    }

    @Test
    void aSectionFindsItsRemovedKeysByName() {
        RemovedKey gone = new RemovedKey("llmq.worker.gone", "a reason");
        ConfigDef def = new ConfigDef("llmq", "i", List.of(LlmqKeys.WORKER_MAX_IN_FLIGHT), List.of(gone));

        assertThat(def.findRemoved("llmq.worker.gone")).contains(gone);
        assertThat(def.findRemoved("llmq.worker.max_in_flight")).isEmpty();
        assertThat(def.find("llmq.worker.gone")).isEmpty();
        assertThat(def.removedTable()).contains("| `llmq.worker.gone` | a reason |");
        assertThat(new ConfigDef("llmq", "i", List.of(LlmqKeys.WORKER_MAX_IN_FLIGHT)).removedTable()).isEmpty();
    }

    @Test
    void theResultDeduplicationKeysAreRemovedFromTheLlmqSectionWithTheirReason() {
        for (String name : List.of("llmq.worker.results_dedupe_retention", "llmq.worker.results_commit_interval_ms",
                "llmq.worker.state_dir")) {
            assertThat(LlmqKeys.DEF.find(name)).as(name).isEmpty();
            assertThat(LlmqKeys.DEF.findRemoved(name)).as(name).get()
                    .satisfies(k -> assertThat(k.message()).isEqualTo(name + " was removed: results are now written "
                            + "exactly once by the workers' Kafka transactions, together with their consumer "
                            + "offsets, so there is no result de-duplication (and no de-duplication store) to "
                            + "configure any more. Delete it from the config file."));
        }
    }

    @Test
    void aKeyCannotBeBothDefinedAndRemovedNorRemovedTwice() {
        RemovedKey maxInFlight = new RemovedKey(LlmqKeys.WORKER_MAX_IN_FLIGHT.name(), "a reason");
        assertThatThrownBy(() -> new ConfigDef("s", "i", List.of(LlmqKeys.WORKER_MAX_IN_FLIGHT), List.of(maxInFlight)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmq.worker.max_in_flight");
        RemovedKey gone = new RemovedKey("llmq.worker.gone", "a reason");
        assertThatThrownBy(() -> new ConfigDef("s", "i", List.of(), List.of(gone, gone)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmq.worker.gone");
    }

    @Test
    void aRemovedKeyNeedsADottedNameAndAReason() {
        assertThatThrownBy(() -> new RemovedKey("llmq.providers.<provider>.burst", "a reason"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dotted snake_case");
        assertThatThrownBy(() -> new RemovedKey("llmq.worker.gone", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("llmq.worker.gone");
    }
}
