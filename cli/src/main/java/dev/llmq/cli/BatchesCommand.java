package dev.llmq.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "batches", mixinStandardHelpOptions = true,
        description = {"List your batches, newest first (GET /v1/batches): id, when submitted, status, counts and "
                + "cost.",
                "When there are more, the last line says how to see them (--after), or --all lists every one."})
final class BatchesCommand implements Callable<Integer> {

    /** The most batches one page asks for (the API's own bound). */
    static final int MAX_LIMIT = 100;

    @Spec
    CommandSpec spec;

    @Mixin
    ApiUrl api;

    @Option(names = "--limit", defaultValue = "20", paramLabel = "N",
            description = "batches per page, 1 to " + MAX_LIMIT + " (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(names = "--after", paramLabel = "BATCH_ID", description = "start after this batch (a page's last id)")
    String after;

    @Option(names = "--all", description = "follow every page to the oldest batch llmq still keeps")
    boolean all;

    @Option(names = "--json", description = "print each page as received (JSON) instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (limit < 1 || limit > MAX_LIMIT) {
            err.println("llmq batches: --limit takes a whole number from 1 to " + MAX_LIMIT);
            return 2;
        }
        IngestClient client = api.client();
        List<JsonNode> batches = new ArrayList<>();
        String next = after;
        boolean more;
        try {
            do {
                String answer = client.batches(limit, next);
                JsonNode page = IngestClient.EXACT.readTree(answer);
                if (json) {
                    out.println(answer.strip());
                }
                page.path("data").forEach(batches::add);
                more = page.path("has_more").asBoolean();
                next = page.path("last_id").asText(null);
            } while (all && more && next != null);
        } catch (IngestClient.ApiException e) {
            err.println("llmq batches: " + e.getMessage());
            return 1;
        }
        if (!json) {
            out.print(render(batches));
            if (more && next != null) {
                out.println("more: llmq batches --after " + next);
            }
        }
        out.flush();
        return 0;
    }

    /**
     * A batch's cost as {@code llmq usage} shows costs: at least eight decimals, every digit sent; jobs that used
     * tokens at no known price are not in it and are said beside it.
     */
    static String cost(JsonNode batch) {
        BigDecimal cost = batch.path("cost_usd").decimalValue();
        long unpriced = batch.path("unpriced_jobs").asLong();
        return cost.setScale(Math.max(8, cost.scale())).toPlainString() + (unpriced > 0 ? " +" + unpriced
                + " unpriced" : "");
    }

    /** The batches as a table (newest first, as given), or a line saying there are none. */
    static String render(List<JsonNode> batches) {
        if (batches.isEmpty()) {
            return "no batches\n";
        }
        List<String> counts = List.of("succeeded", "failed", "cancelled", "expired", "queued", "running");
        List<String> titles = new ArrayList<>(List.of("batch", "submitted", "status", "total"));
        titles.addAll(counts);
        titles.add("cost USD");
        List<Boolean> right = new ArrayList<>(List.of(false, false, false, true));
        counts.forEach(c -> right.add(true));
        right.add(true);
        TextTable table = new TextTable(titles, right);
        for (JsonNode b : batches) {
            List<String> row = new ArrayList<>();
            row.add(b.path("id").asText());
            row.add(b.has("created_at") ? Instant.ofEpochSecond(b.path("created_at").asLong()).toString() : "");
            row.add(b.path("status").asText());
            row.add(Long.toString(b.path("total").asLong()));
            counts.forEach(c -> row.add(Long.toString(b.path("counts").path(c).asLong())));
            row.add(cost(b));
            table.row(row);
        }
        return table.render();
    }
}
