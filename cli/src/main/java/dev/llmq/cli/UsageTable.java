package dev.llmq.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * An answer of {@code GET /v1/usage} as a text table, for {@code llmq usage} and the end of {@code llmq demo}: one row
 * per group (and, for windows, per window start), then a total row (none by tag, whose rows overlap). A row's
 * requests are its succeeded, failed, cancelled and expired ones (the last two columns only when there were any).
 * Costs are printed exactly, with every decimal digit they have ({@code 0.00042150}, never rounded to cents), because
 * a sum of small per-job costs is what this table is for; each with as many decimals as the column's most precise
 * one, so that the decimal points line up.
 *
 * @param groupBy the answer's {@code group_by}, the first column's title
 * @param window the answer's {@code window}; windows other than {@code total} get a window-start column
 * @param records the answer's {@code data}, in the order printed (by key, then window start)
 */
record UsageTable(String groupBy, String window, List<UsageRecord> records) {

    static final String TOTAL = "total";
    /** The grouping whose rows overlap. */
    static final String TAG = "tag";

    UsageTable {
        Objects.requireNonNull(groupBy, "groupBy");
        Objects.requireNonNull(window, "window");
        records = records.stream().sorted(Comparator.comparing(UsageRecord::key)
                .thenComparing(UsageRecord::windowStart, Comparator.nullsFirst(Comparator.naturalOrder()))).toList();
    }

    /** The answer of {@code GET /v1/usage}, as far as the table reads it. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    private record Answer(String groupBy, String window, List<UsageRecord> data) {
    }

    /**
     * Reads an answer: {@code {"object":"list","group_by","window","data":[usage records]}}. Read straight into the
     * records (not through a JSON tree, which would hold costs as doubles), so that costs keep their exact digits.
     */
    static UsageTable parse(String answer) throws JsonProcessingException {
        Answer a = Json.mapper().readValue(answer, Answer.class);
        return new UsageTable(Objects.requireNonNullElse(a.groupBy(), ""), Objects.requireNonNullElse(a.window(), ""),
                a.data() == null ? List.of() : a.data());
    }

    /** Requests counted over every row. */
    long requests() {
        return records.stream().mapToLong(UsageRecord::requests).sum();
    }

    /** The table, lines ended by {@code \n}; a single line saying so when there is no usage. */
    String render() {
        if (records.isEmpty()) {
            return "no usage recorded (group_by " + groupBy + ", window " + window + ")\n";
        }
        boolean windowed = !TOTAL.equals(window);
        List<Column> columns = new ArrayList<>();
        columns.add(new Column(groupBy, false, UsageRecord::key, TOTAL));
        if (windowed) {
            columns.add(new Column("window start", false, r -> instant(r.windowStart()), ""));
        }
        columns.add(count("requests", UsageRecord::requests));
        columns.add(count("succeeded", UsageRecord::succeeded));
        columns.add(count("failed", UsageRecord::failed));
        // so that a row adds up to its requests; left out when none was, to keep the usual table narrow
        if (records.stream().anyMatch(r -> r.cancelled() > 0)) {
            columns.add(count("cancelled", UsageRecord::cancelled));
        }
        if (records.stream().anyMatch(r -> r.expired() > 0)) {
            columns.add(count("expired", UsageRecord::expired));
        }
        columns.add(count("prompt tokens", UsageRecord::promptTokens));
        columns.add(count("completion tokens", UsageRecord::completionTokens));
        columns.add(count("cached tokens", UsageRecord::cachedPromptTokens));
        BigDecimal total = records.stream().map(UsageRecord::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add);
        // every cost with as many decimals as the most precise one has, so the column's points line up; widening a
        // scale never rounds, so each stays exact
        int scale = Math.max(total.scale(), records.stream().mapToInt(r -> r.costUsd().scale()).max().orElse(0));
        columns.add(new Column("cost USD", true, r -> r.costUsd().setScale(scale).toPlainString(),
                total.setScale(scale).toPlainString()));
        columns.add(count("unpriced", UsageRecord::unpricedRequests));

        TextTable table = new TextTable(columns.stream().map(Column::title).toList(),
                columns.stream().map(Column::right).toList());
        for (UsageRecord r : records) {
            table.row(columns.stream().map(c -> c.cell().apply(r)).toList());
        }
        // a job with several tags counts under each: tag rows do not add up to a total
        boolean summed = !TAG.equals(groupBy);
        if (summed) {
            table.rule().row(columns.stream().map(Column::total).toList());
        }
        StringBuilder out = new StringBuilder(table.render());
        if (!summed) {
            out.append("no total: a job with several tags counts under each of them\n");
        }
        long unpriced = records.stream().mapToLong(UsageRecord::unpricedRequests).sum();
        if (unpriced > 0) {
            out.append(unpriced == 1 ? "1 request has no known price: its tokens are counted, its cost is not"
                    : unpriced + " requests have no known price: their tokens are counted, their cost is not")
                    .append(" in cost USD\n");
        }
        return out.toString();
    }

    private Column count(String title, ToLongFunction<UsageRecord> value) {
        return new Column(title, true, r -> Long.toString(value.applyAsLong(r)),
                Long.toString(records.stream().mapToLong(value).sum()));
    }

    /** One column: its title, alignment, cell of a record and cell of the total row. */
    private record Column(String title, boolean right, Function<UsageRecord, String> cell, String total) {
    }

    /** The window start as printed: ISO-8601 in UTC. */
    static String instant(Instant at) {
        return at == null ? "" : at.toString();
    }
}
