package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class KeysCommandTest {

    private static final Pattern KEY = Pattern.compile("^  (llmq-sk-[A-Za-z0-9_-]{43})$", Pattern.MULTILINE);

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private static String key(String out) {
        Matcher m = KEY.matcher(out);
        assertThat(m.find()).as("a key line in %s", out).isTrue();
        return m.group(1);
    }

    private static String entry(String out) {
        return out.substring(out.indexOf("      - name:"));
    }

    private static ApiKeys parsed(String entries) {
        return TestConfigs.withKeys("\n" + entries).llmq().auth().keys();
    }

    @Test
    void printedEntryParsesAndFindsTheKeyWithEveryOption() {
        Run run = run("keys", "create", "--tenant", "acme", "--name", "acme-batch", "--team", "search",
                "--tags", "eu,batch", "--models", "gpt-4o-mini,gpt-4o", "--scopes", "submit", "--rpm-limit", "600",
                "--jobs-per-minute", "10000");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("does not store it anywhere");
        String key = key(run.out());
        ApiKey found = parsed(entry(run.out())).find(key).orElseThrow();
        assertThat(found).isEqualTo(new ApiKey("acme-batch", ApiKeys.hash(key), "acme", "search",
                List.of("eu", "batch"), Set.of("gpt-4o-mini", "gpt-4o"), Set.of(ApiKey.Scope.SUBMIT), 600L,
                10000L));
        assertThat(entry(run.out())).doesNotContain(key);
    }

    @Test
    void defaultsAreANamedSubmitAndReadKeyAndTwoRunsMakeDifferentKeysThatLiveSideBySide() {
        Run first = run("keys", "create", "--tenant", "acme");
        Run second = run("keys", "create", "--tenant", "acme");

        ApiKeys keys = parsed(entry(first.out()) + entry(second.out()));
        ApiKey one = keys.find(key(first.out())).orElseThrow();
        ApiKey two = keys.find(key(second.out())).orElseThrow();
        assertThat(one.scopes()).containsExactlyInAnyOrder(ApiKey.Scope.SUBMIT, ApiKey.Scope.READ);
        assertThat(one.name()).startsWith("acme-").isNotEqualTo(two.name());
        assertThat(one.models()).isEmpty();
        assertThat(one.rpmLimit()).isNull();
        assertThat(keys.find(key(first.out()) + "x")).isEmpty();
    }

    @Test
    void invalidInputIsAUsageErrorThatPrintsNoKey() {
        Run badTenant = run("keys", "create", "--tenant", "a b");
        Run badScope = run("keys", "create", "--tenant", "acme", "--scopes", "root");

        assertThat(badTenant.exit()).isEqualTo(2);
        assertThat(badTenant.err()).contains("must be 1 to 128 letters").contains("'a b");
        assertThat(badScope.exit()).isEqualTo(2);
        assertThat(badScope.err()).contains("unknown scope 'root'");
        assertThat(badTenant.out() + badScope.out()).doesNotContain(ApiKeys.KEY_PREFIX);
    }

    @Test
    void hashReadsTheKeyFromStdin() {
        String key = ApiKeys.generate();
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream((key + "\n").getBytes(StandardCharsets.UTF_8)));
            Run run = run("keys", "hash");
            assertThat(run.exit()).isZero();
            assertThat(run.out().strip()).isEqualTo(ApiKeys.hash(key));
        } finally {
            System.setIn(stdin);
        }
    }
}
