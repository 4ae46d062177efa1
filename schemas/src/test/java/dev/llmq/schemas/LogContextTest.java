package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class LogContextTest {

    @AfterEach
    void clear() {
        MDC.clear();
    }

    @Test
    void aJobsKeysAreSetForTheScopeAndRemovedWithItLeavingOtherKeys() {
        MDC.put("request", "r1");
        try (LogContext.Scope ignored = LogContext.job("job_1", "batch_1", "4bf92f3577b34da6a3ce929d0e0e4736")) {
            LogContext.deployment("azure-east");
            assertThat(MDC.getCopyOfContextMap()).containsAllEntriesOf(Map.of(LogContext.JOB_ID, "job_1",
                    LogContext.BATCH_ID, "batch_1", LogContext.TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736",
                    LogContext.DEPLOYMENT, "azure-east"));
            LogContext.deployment("oai");
            assertThat(MDC.get(LogContext.DEPLOYMENT)).as("the next attempt's").isEqualTo("oai");
        }
        assertThat(MDC.getCopyOfContextMap()).containsExactly(Map.entry("request", "r1"));
    }

    @Test
    void aNullValueLeavesItsKeyUnsetAndASubmissionGetsItsBatchLater() {
        try (LogContext.Scope ignored = LogContext.submission("4bf92f3577b34da6a3ce929d0e0e4736")) {
            assertThat(MDC.getCopyOfContextMap()).containsOnlyKeys(LogContext.TRACE_ID);
            LogContext.batch("batch_9");
            assertThat(MDC.get(LogContext.BATCH_ID)).isEqualTo("batch_9");
            LogContext.batch(null);
            assertThat(MDC.get(LogContext.BATCH_ID)).isNull();
        }
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
    }
}
