package dev.llmq.cli;

import dev.llmq.schemas.UsageParameters;
import dev.llmq.usage.UsageQuery;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "usage", mixinStandardHelpOptions = true,
        description = {"Print usage and spend (requests, tokens, exact cost in USD) per model, deployment, provider, "
                + "tenant or tag, from GET /v1/usage, as a table with a total row.",
                "--watch redraws it every few seconds until Ctrl-C."})
final class UsageCommand implements Callable<Integer> {

    /** What clears a terminal and puts the cursor top left (ANSI), before each redraw of {@code --watch}. */
    private static final String CLEAR = "\u001b[H\u001b[2J";

    @Spec
    CommandSpec spec;

    @Mixin
    ApiUrl api;

    @Option(names = "--group-by", defaultValue = UsageParameters.DEFAULT_GROUP_BY, paramLabel = "KEY",
            description = "model, deployment, provider, tenant or tag (default: ${DEFAULT-VALUE})")
    String groupBy;

    @Option(names = "--window", defaultValue = UsageParameters.DEFAULT_WINDOW, paramLabel = "WINDOW",
            description = "1m, 1h, 1d (one row per group and window) or total (default: ${DEFAULT-VALUE})")
    String window;

    @Option(names = "--from", paramLabel = "ISO-8601", description = "first instant, e.g. 2026-11-30T00:00:00Z")
    String from;

    @Option(names = "--to", paramLabel = "ISO-8601", description = "end instant (exclusive)")
    String to;

    @Option(names = "--watch", arity = "0..1", fallbackValue = "2", paramLabel = "SECONDS",
            description = "redraw every SECONDS (default 2) until Ctrl-C")
    Integer watch;

    @Option(names = "--json", description = "print the answer as received (JSON) instead of a table")
    boolean json;

    /** The clock of the "at" line of {@code --watch}. */
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (watch != null && watch < 1) {
            err.println("llmq usage: --watch takes a whole number of seconds, at least 1");
            return 2;
        }
        IngestClient client = api.client();
        String query = query();
        if (watch == null) {
            try {
                print(out, client.usage(query));
                return 0;
            } catch (IngestClient.ApiException e) {
                err.println("llmq usage: " + e.getMessage());
                return 1;
            }
        }
        try {
            return watch(client, query, CommandLine.Help.Ansi.AUTO.enabled());
        } catch (InterruptedException e) {
            // stopped from outside (in process; Ctrl-C ends the JVM instead): a normal end of watching
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /**
     * Redraws every {@code --watch} seconds until interrupted (then 0) or refused (then 1, with the server's
     * message). A 503 is waited out: usage comes back once the aggregator's stores have moved or it restarted.
     */
    private int watch(IngestClient client, String query, boolean clearScreen) throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AtomicInteger exit = new AtomicInteger();
        Repeat.every(Duration.ofSeconds(watch), () -> {
            try {
                String answer = client.usage(query);
                out.print(clearScreen ? CLEAR : "\n");
                out.printf("llmq usage at %s (group by %s, window %s; every %d s, Ctrl-C to stop)%n",
                        Instant.now(clock), groupBy, window, watch);
                print(out, answer);
                return true;
            } catch (IngestClient.ApiException e) {
                if (e.status() == 503) {
                    err.println("llmq usage: " + e.getMessage() + " (retrying in " + watch + " s)");
                    err.flush();
                    return true;
                }
                err.println("llmq usage: " + e.getMessage());
                exit.set(1);
                return false;
            }
        });
        return exit.get();
    }

    private void print(PrintWriter out, String answer) throws Exception {
        out.print(json ? answer + (answer.endsWith("\n") ? "" : "\n") : UsageTable.parse(answer).render()
                + range());
        out.flush();
    }

    /**
     * What a windowed table covers when neither end was given: the aggregator's default range, which the table's
     * total sums (a reader would otherwise take it for all usage). Nothing for {@code total} or a given range.
     */
    String range() {
        if (UsageTable.TOTAL.equals(window) || from != null || to != null) {
            return "";
        }
        return "the last " + UsageQuery.DEFAULT_WINDOWS + " windows of " + window + " up to now (--from and --to "
                + "choose others)\n";
    }

    /** The query string of {@code GET /v1/usage}, URL-encoded; the server checks the values. */
    String query() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("group_by", groupBy);
        params.put("window", window);
        if (from != null) {
            params.put("from", from);
        }
        if (to != null) {
            params.put("to", to);
        }
        StringJoiner query = new StringJoiner("&");
        params.forEach((name, value) -> query.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return query.toString();
    }
}
