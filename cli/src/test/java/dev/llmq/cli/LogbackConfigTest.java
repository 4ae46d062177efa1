package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import org.junit.jupiter.api.Test;

/** The roles' logging configuration ({@code logback.xml}), read into a context of its own. */
class LogbackConfigTest {

    private static LoggerContext configured() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogbackConfigTest.class.getResource("/logback.xml"));
        return context;
    }

    @Test
    void aLateResultDoesNotLogAWarningPerWindowButKafkaStillWarns() throws Exception {
        LoggerContext context = configured();
        try {
            // a result later than llmq.usage.grace counts in the totals only: expected, not a warning per record
            var windows = context.getLogger("org.apache.kafka.streams.kstream.internals.KStreamWindowAggregate");
            assertThat(windows.isWarnEnabled()).isFalse();
            assertThat(windows.isErrorEnabled()).isTrue();
            assertThat(context.getLogger("org.apache.kafka.streams.processor.internals.StreamThread")
                    .isWarnEnabled()).isTrue();
            assertThat(context.getLogger("dev.llmq.usage.UsageAggregator").isInfoEnabled()).isTrue();
        } finally {
            context.stop();
        }
    }
}
