package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class BindPolicyTest {

    private static final ApiKeys ONE_KEY = ApiKeys.of(List.of(new ApiKey("k", ApiKeys.hash(ApiKeys.generate()),
            "acme", null, List.of(), Set.of(), Set.of(ApiKey.Scope.SUBMIT), null, null)));

    private static List<String> logged(Runnable action) {
        Logger log = (Logger) LoggerFactory.getLogger(BindPolicy.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            action.run();
        } finally {
            log.detachAppender(appender);
        }
        return appender.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void loopbackAddressesAreToldApartFromTheOthers() {
        assertThat(List.of("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"))
                .allMatch(BindPolicy::isLoopback);
        assertThat(List.of("0.0.0.0", "::", "10.0.0.1", "192.168.1.10", "no-such-host.invalid"))
                .noneMatch(BindPolicy::isLoopback);
    }

    @Test
    void withoutKeysLoopbackIsAllowedAndSaidOnce() {
        assertThat(logged(() -> BindPolicy.check("ingest", "127.0.0.1", ApiKeys.NONE, false)))
                .containsExactly("WARN no API keys configured (llmq.auth.keys): listening on 127.0.0.1 only; "
                        + "anyone on this machine can submit and read every job");
    }

    @Test
    void theLinesSayWhatEachRolesServerGivesAway() {
        // a worker's or broker's server answers health and metrics only: it said "submit and read every job" too
        assertThat(logged(() -> BindPolicy.check("worker", "127.0.0.1", ApiKeys.NONE, false)))
                .containsExactly("WARN no API keys configured (llmq.auth.keys): listening on 127.0.0.1 only; "
                        + "anyone on this machine can read its health and metrics");
        assertThat(logged(() -> BindPolicy.check("usage-aggregator", "127.0.0.1", ApiKeys.NONE, false)))
                .containsExactly("WARN no API keys configured (llmq.auth.keys): listening on 127.0.0.1 only; "
                        + "anyone on this machine can read every tenant's usage and spend");
        assertThatThrownBy(() -> BindPolicy.check("broker", "0.0.0.0", ApiKeys.NONE, false))
                .hasMessageStartingWith("refusing to listen on 0.0.0.0 without API keys: anyone who can reach it "
                        + "could read its health and metrics. ");
        assertThat(logged(() -> BindPolicy.check("usage-aggregator", "0.0.0.0", ApiKeys.NONE, true)))
                .containsExactly("WARN !!! usage-aggregator --insecure-no-auth: listening on 0.0.0.0 WITHOUT "
                        + "AUTHENTICATION: anyone who can reach this address can read every tenant's usage and "
                        + "spend !!!");
    }

    @Test
    void withoutKeysAnotherAddressFailsUnlessInsecureIsAskedForAndThenWarnsLoudly() {
        assertThatThrownBy(() -> BindPolicy.check("ingest", "0.0.0.0", ApiKeys.NONE, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refusing to listen on 0.0.0.0 without API keys")
                .hasMessageContaining("llmq keys create").hasMessageContaining("--insecure-no-auth");

        assertThat(logged(() -> BindPolicy.check("ingest", "0.0.0.0", ApiKeys.NONE, true))).singleElement()
                .asString().startsWith("WARN !!! ingest --insecure-no-auth: listening on 0.0.0.0 WITHOUT "
                        + "AUTHENTICATION");
    }

    @Test
    void withKeysAnyAddressIsAllowed() {
        assertThat(logged(() -> BindPolicy.check("ingest", "0.0.0.0", ONE_KEY, false)))
                .containsExactly("INFO ingest: 1 API keys configured; listening on 0.0.0.0");
    }

    @Test
    void everyRoleThatListensRefusesAnOpenAddressWithoutKeysBeforeItStartsAnything() {
        for (String role : List.of("ingest", "usage-aggregator", "standalone", "worker", "broker")) {
            StringWriter err = new StringWriter();
            var cli = Main.commandLine();
            cli.setErr(new PrintWriter(err, true));
            // nothing is started, so neither the unreachable cluster nor the data dir is touched
            int exit = role.equals("standalone") || role.equals("broker")
                    ? cli.execute(role, "--host", "0.0.0.0", "--data-dir", "target/bind-policy-never-created")
                    : cli.execute(role, "--host", "0.0.0.0", "--bootstrap-servers", "127.0.0.1:1");
            assertThat(exit).as(role).isEqualTo(1);
            assertThat(err.toString()).as(role)
                    .startsWith("llmq " + role + ": refusing to listen on 0.0.0.0 without API keys");
        }
        assertThat(Role.values()).filteredOn(Role::servesApi)
                .containsExactlyInAnyOrder(Role.STANDALONE, Role.INGEST, Role.USAGE_AGGREGATOR);
        assertThat(Role.values()).filteredOn(Role::bindsHost).containsExactlyInAnyOrder(Role.STANDALONE, Role.INGEST,
                Role.USAGE_AGGREGATOR, Role.WORKER, Role.BROKER);
        assertThat(Path.of("target/bind-policy-never-created")).doesNotExist();
    }
}
