package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MainTest {

    @Test
    void aKafkaClientThatCannotStartIsSaidWithItsReason() {
        KafkaException e = new KafkaException("Failed to create new KafkaAdminClient",
                new ConfigException("No resolvable bootstrap urls given in bootstrap.servers"));

        assertThat(Main.rootMessage(new ExecutionException(e))).isEqualTo("Failed to create new KafkaAdminClient: "
                + "No resolvable bootstrap urls given in bootstrap.servers");
        assertThat(Main.rootMessage(new IllegalStateException("cannot read config x", new RuntimeException("y"))))
                .as("other messages stand alone").isEqualTo("cannot read config x");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anIngestGivenABootstrapHostThatDoesNotResolveSaysSo() {
        CliIT.Result run = CliIT.run("ingest", "--http-port", "0",
                "--bootstrap-servers", "llmq-no-such-host.invalid:1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).isEqualTo("llmq ingest: Failed to create new KafkaAdminClient: No resolvable bootstrap "
                + "urls given in bootstrap.servers" + System.lineSeparator());
    }
}
