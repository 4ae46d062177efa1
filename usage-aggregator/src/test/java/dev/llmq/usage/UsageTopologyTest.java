package dev.llmq.usage;

import static dev.llmq.usage.TestResults.result;
import static dev.llmq.usage.TestResults.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.Budget;
import dev.llmq.router.BudgetPeriod;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.LlmqHeaders;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.internal.GroupDeltas;
import dev.llmq.usage.internal.PendingSums;
import dev.llmq.usage.internal.UsageMath;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-30T10:00:00Z");
    private static final Duration GRACE = Duration.ofSeconds(60);

    @TempDir
    Path stateDir;

    private UsageDriver driver;

    private UsageDriver start(List<Budget> budgets) {
        driver = new UsageDriver(stateDir, GRACE, budgets);
        return driver;
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    @Test
    void everyFigureOfAGroupIsSummed() {
        UsageDriver d = start(List.of());
        d.send(result("j1", JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", "acme", List.of("a", "b"),
                new TokenUsage(100, 20, 120, 30, 5, 7), new BigDecimal("0.000123456789"), T0.plusSeconds(1)));
        d.send(result("j2", JobStatus.FAILED, "rate_limited", "gpt-4o", "d1", "openai", "acme", List.of("a"),
                new TokenUsage(10, 0, 10, 0, 0, 0), null, T0.plusSeconds(2)));
        d.send(result("j3", JobStatus.CANCELLED, "cancelled", "gpt-4o", "d1", "openai", "acme", List.of(),
                TokenUsage.ZERO, new BigDecimal("0.5"), T0.plusSeconds(3)));
        d.send(result("j4", JobStatus.EXPIRED, null, "gpt-4o", "d1", "openai", "acme", List.of(),
                TokenUsage.ZERO, BigDecimal.ZERO, T0.plusSeconds(4)));

        UsageRecord model = d.total().get("model:gpt-4o");
        assertThat(model).isEqualTo(new UsageRecord(1, "total", "model", "gpt-4o", null, null, 4, 1, 1, 1, 1,
                Map.of("rate_limited", 1L, "cancelled", 1L, "unknown", 1L), 110, 20, 30, 7, 5, 130,
                new BigDecimal("0.500123456789"), 1, 10, T0.plusSeconds(4)));
        assertThat(d.total().get("tag:a").requests()).isEqualTo(2);
        assertThat(d.total().get("tag:b").requests()).isEqualTo(1);
        assertThat(d.total().get("tag:" + UsageRecord.NONE).requests()).isEqualTo(2);
        for (String key : List.of("deployment:d1", "provider:openai", "tenant:acme")) {
            UsageRecord r = d.total().get(key);
            assertThat(r.requests()).as(key).isEqualTo(4);
            assertThat(r.costUsd()).as(key).isEqualByComparingTo("0.500123456789");
        }
        assertThat(d.topic(UsageWindow.TOTAL).get("model:gpt-4o")).isEqualTo(model);
    }

    @Test
    void missingGroupValuesCountUnderNone() {
        UsageDriver d = start(List.of());
        d.send(result("j1", JobStatus.FAILED, "invalid_request", "gpt-4o", null, null, null, List.of(),
                TokenUsage.ZERO, null, T0));
        for (String groupBy : List.of("deployment", "provider", "tenant", "tag")) {
            assertThat(d.total().get(groupBy + ":" + UsageRecord.NONE).requests()).as(groupBy).isEqualTo(1);
        }
    }

    @Test
    void resultsFallInTheirTumblingWindowsByCompletionTime() {
        UsageDriver d = start(List.of());
        d.send(succeeded("j1", T0.plusSeconds(30), "1"));
        d.send(succeeded("j2", T0.plusMillis(59_999), "2"));
        d.send(succeeded("j3", T0.plusSeconds(60), "4"));
        d.send(succeeded("j4", T0.plusSeconds(3600), "8"));

        assertThat(windows(d, UsageWindow.MINUTE, "model:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("3")), KeyValue.pair(T0.plusSeconds(60), new BigDecimal("4")),
                KeyValue.pair(T0.plusSeconds(3600), new BigDecimal("8")));
        assertThat(windows(d, UsageWindow.HOUR, "model:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("7")), KeyValue.pair(T0.plusSeconds(3600), new BigDecimal("8")));
        assertThat(windows(d, UsageWindow.DAY, "model:gpt-4o")).containsExactly(
                KeyValue.pair(Instant.parse("2026-11-30T00:00:00Z"), new BigDecimal("15")));

        Map<String, UsageRecord> minutes = d.topic(UsageWindow.MINUTE);
        UsageRecord first = minutes.get("model:gpt-4o:" + T0.toEpochMilli());
        assertThat(first.window()).isEqualTo("1m");
        assertThat(first.windowStart()).isEqualTo(T0);
        assertThat(first.windowEnd()).isEqualTo(T0.plusSeconds(60));
        assertThat(first.requests()).isEqualTo(2);
        assertThat(d.topic(UsageWindow.DAY).get("model:gpt-4o:" + Instant.parse("2026-11-30T00:00:00Z")
                .toEpochMilli()).costUsd()).isEqualByComparingTo("15");
    }

    @Test
    void aLateResultCountsInItsWindowsUntilTheirGraceEndsAndInTheTotalAlways() {
        UsageDriver d = start(List.of());
        Instant windowEnd = T0.plusSeconds(60);
        d.send(succeeded("j1", T0, "1"));
        // stream time one millisecond before the 10:00 minute's end + grace: still open
        d.send(succeeded("j2", windowEnd.plus(GRACE).minusMillis(1), "2"));
        d.send(succeeded("late-in-grace", T0.plusSeconds(10), "4"));
        // stream time at the 10:00 minute's end + grace: closed
        d.send(succeeded("j3", windowEnd.plus(GRACE), "8"));
        d.send(succeeded("late-beyond-grace", T0.plusSeconds(20), "16"));

        assertThat(windows(d, UsageWindow.MINUTE, "model:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("5")), KeyValue.pair(T0.plusSeconds(60), new BigDecimal("2")),
                KeyValue.pair(T0.plusSeconds(120), new BigDecimal("8")));
        assertThat(windows(d, UsageWindow.HOUR, "model:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("31")));
        assertThat(d.total().get("model:gpt-4o").costUsd()).isEqualByComparingTo("31");
        assertThat(d.total().get("model:gpt-4o").requests()).isEqualTo(5);
    }

    @Test
    void theSumsArePassedOnAtTheCommitAfterTheirResultsAndNothingWaitsInTheChangelog() {
        UsageDriver d = start(List.of());
        // the test driver commits after each input record: a commit passes the sums on (fails if Kafka Streams
        // stops asking the store at commits)
        d.send(succeeded("j1", T0, "1"));
        d.send(succeeded("j2", T0.plusSeconds(70), "2"));

        assertThat(d.total().get("model:gpt-4o").requests()).isEqualTo(2);
        assertThat(d.updates(UsageWindow.TOTAL, "model:gpt-4o")).extracting(UsageRecord::requests)
                .containsExactly(1L, 2L);
        assertThat(d.pendingSumsChangelog()).as("no sum waits across a commit").isEmpty();
    }

    @Test
    void theSumsOfOneCommitArePassedOnOncePerGroupAndMinuteOldestMinuteFirst() {
        UsageDriver d = start(List.of());
        d.send(succeeded("j0", T0, "1"));
        PendingSums waiting = d.pendingSums();
        // as if results of one commit interval arrived: the later minute first, then two of a minute that would be
        // past its window's grace had the later minute gone on first
        Instant later = T0.plus(Duration.ofMinutes(10));
        waiting.add(GroupDeltas.minuteKey(later.toEpochMilli()) + "model:gpt-4o",
                UsageMath.delta("model:gpt-4o", succeeded("j1", later, "8")));
        for (String id : List.of("j2", "j3")) {
            waiting.add(GroupDeltas.minuteKey(T0.toEpochMilli()) + "model:gpt-4o",
                    UsageMath.delta("model:gpt-4o", succeeded(id, T0.plusSeconds(30), "2")));
        }

        d.send(succeeded("j4", T0.plus(Duration.ofMinutes(11)), "16")); // its commit passes them on

        assertThat(d.updates(UsageWindow.TOTAL, "model:gpt-4o")).extracting(UsageRecord::requests)
                .containsExactly(1L, 3L, 4L, 5L);
        assertThat(windows(d, UsageWindow.MINUTE, "model:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("5")), KeyValue.pair(later, new BigDecimal("8")),
                KeyValue.pair(T0.plus(Duration.ofMinutes(11)), new BigDecimal("16")));
        assertThat(d.windows(UsageWindow.MINUTE).fetch("model:gpt-4o", T0, T0).next().value.lastCompletedAt())
                .isEqualTo(T0.plusSeconds(30));
    }

    @Test
    void anIdleTaskDoesNotPunctuateSoItDoesNotCommit() {
        UsageDriver d = start(List.of());
        d.send(succeeded("j1", T0, "1"));
        assertThat(d.total().get("model:gpt-4o").requests()).isEqualTo(1);

        d.advanceWallClock(Duration.ofSeconds(2));

        assertThat(d.punctuations()).as("punctuations in 2 s, each of which would make its task commit").isZero();
    }

    @Test
    void aJobIdSeenTwiceIsCountedOnce() {
        UsageDriver d = start(List.of());
        d.send(succeeded("j1", T0, "1"));
        d.send(succeeded("j1", T0.plusSeconds(5), "1"));
        d.send(succeeded("j1", T0, "1"));
        assertThat(d.total().get("model:gpt-4o").requests()).isEqualTo(1);
        assertThat(d.total().get("model:gpt-4o").costUsd()).isEqualByComparingTo("1");
        assertThat(d.outcomes).containsEntry(ResultOutcome.COUNTED, 1L).containsEntry(ResultOutcome.DUPLICATE, 2L);
    }

    @Test
    void eachTenantHasItsOwnBreakdownsNextToTheAllTenantsFigures() {
        UsageDriver d = start(List.of());
        d.send(result("a1", JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", "acme", List.of("eval"),
                new TokenUsage(10, 1, 11, 0, 0, 0), new BigDecimal("1"), T0));
        d.send(result("a2", JobStatus.FAILED, "timeout", "claude", "d2", "anthropic", "acme", List.of(),
                new TokenUsage(5, 0, 5, 0, 0, 0), new BigDecimal("2"), T0.plusSeconds(1)));
        d.send(result("g1", JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", "globex:eu", List.of("eval"),
                new TokenUsage(20, 2, 22, 0, 0, 0), new BigDecimal("4"), T0.plusSeconds(2)));
        d.send(result("n1", JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", null, List.of(),
                new TokenUsage(40, 4, 44, 0, 0, 0), new BigDecimal("8"), T0.plusSeconds(3)));

        assertThat(d.total().get("model:gpt-4o").costUsd()).isEqualByComparingTo("13");
        assertThat(d.total().get("model:gpt-4o").tenant()).isNull();
        UsageRecord acmeGpt = d.total().get("model@acme:gpt-4o");
        assertThat(List.of(acmeGpt.tenant(), acmeGpt.groupBy(), acmeGpt.key(), acmeGpt.requests(),
                acmeGpt.totalTokens())).containsExactly("acme", "model", "gpt-4o", 1L, 11L);
        assertThat(acmeGpt.costUsd()).isEqualByComparingTo("1");
        assertThat(d.total().get("model@acme:claude").failures()).isEqualTo(Map.of("timeout", 1L));
        assertThat(d.total().get("model@globex%3Aeu:gpt-4o").costUsd()).isEqualByComparingTo("4");
        assertThat(d.total().get("model@globex%3Aeu:gpt-4o").tenant()).isEqualTo("globex:eu");
        assertThat(d.total().get("model@%28none%29:gpt-4o").tenant()).isEqualTo(UsageRecord.NONE);
        assertThat(d.total().get("model@%28none%29:gpt-4o").costUsd()).isEqualByComparingTo("8");
        assertThat(d.total().get("tag@acme:eval").requests()).isEqualTo(1);
        assertThat(d.total().get("tag@acme:" + UsageRecord.NONE).requests()).isEqualTo(1);
        assertThat(d.total().get("tag:eval").requests()).isEqualTo(2);
        assertThat(d.total().get("tenant@acme:acme").costUsd()).isEqualByComparingTo("3");
        assertThat(d.total().get("tenant:acme").costUsd()).isEqualByComparingTo("3");
        assertThat(d.total().get("tenant@acme:globex:eu")).as("a tenant's breakdown holds no other tenant").isNull();
        assertThat(d.total().get("provider@acme:anthropic").requests()).isEqualTo(1);
        assertThat(d.total().get("deployment@globex%3Aeu:d2")).isNull();

        assertThat(windows(d, UsageWindow.MINUTE, "model@acme:gpt-4o")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("1")));
        assertThat(windows(d, UsageWindow.HOUR, "deployment@acme:d2")).containsExactly(
                KeyValue.pair(T0, new BigDecimal("2")));
        UsageRecord day = d.topic(UsageWindow.DAY).get("model@acme:gpt-4o:"
                + Instant.parse("2026-11-30T00:00:00Z").toEpochMilli());
        assertThat(day.tenant()).isEqualTo("acme");
        assertThat(day.window()).isEqualTo("1d");
        assertThat(d.topic(UsageWindow.TOTAL).get("model@globex%3Aeu:gpt-4o").tenant()).isEqualTo("globex:eu");
    }

    @Test
    void aJobIdSeenTwiceIsCountedOnceInEveryBreakdown() {
        UsageDriver d = start(List.of());
        JobResult first = result("j1", JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", "acme", List.of("x"),
                new TokenUsage(1, 1, 2, 0, 0, 0), new BigDecimal("1"), T0);
        d.send(first);
        d.send(first);
        d.send(result("j1", JobStatus.FAILED, "timeout", "gpt-4o", "d1", "openai", "globex", List.of("x"),
                new TokenUsage(1, 1, 2, 0, 0, 0), new BigDecimal("5"), T0.plusSeconds(1)));

        List<String> counted = new ArrayList<>();
        try (KeyValueIterator<String, UsageRecord> it = d.total().all()) {
            it.forEachRemaining(kv -> {
                assertThat(kv.value.requests()).as(kv.key).isEqualTo(1);
                assertThat(kv.value.costUsd()).as(kv.key).isEqualByComparingTo("1");
                counted.add(kv.key);
            });
        }
        assertThat(counted).containsExactlyInAnyOrder("model:gpt-4o", "deployment:d1", "provider:openai",
                "tenant:acme", "tag:x", "model@acme:gpt-4o", "deployment@acme:d1", "provider@acme:openai",
                "tenant@acme:acme", "tag@acme:x");
        assertThat(d.outcomes).containsEntry(ResultOutcome.COUNTED, 1L).containsEntry(ResultOutcome.DUPLICATE, 2L);
    }

    @Test
    void aRecordThatIsNotAResultIsSkippedAndCounted() {
        UsageDriver d = start(List.of());
        d.sendRaw("j0", "{not json".getBytes(StandardCharsets.UTF_8), T0);
        d.sendRaw("j0", "{\"job_id\":\"j0\"}".getBytes(StandardCharsets.UTF_8), T0);
        d.sendRaw("other-key", dev.llmq.schemas.JsonSerde.jobResult().toBytes(succeeded("j9", T0, "1")), T0);
        d.sendRaw("j0", null, T0);
        d.send(succeeded("j1", T0, "1"));
        assertThat(d.outcomes).containsEntry(ResultOutcome.INVALID, 4L).containsEntry(ResultOutcome.COUNTED, 1L);
        assertThat(d.total().get("model:gpt-4o").requests()).isEqualTo(1);
    }

    @Test
    void aResultCompletedFarAheadOfTheClockIsSkippedAndDoesNotCloseTheWindows() {
        UsageDriver d = start(List.of());
        d.send(succeeded("future", UsageDriver.WALL_CLOCK.plus(Duration.ofHours(1)).plusMillis(1), "1"));
        d.send(succeeded("almost", UsageDriver.WALL_CLOCK.plus(Duration.ofHours(1)), "2"));
        d.send(succeeded("now", T0, "4"));
        assertThat(d.outcomes).containsEntry(ResultOutcome.INVALID, 1L).containsEntry(ResultOutcome.COUNTED, 2L);
        assertThat(d.total().get("model:gpt-4o").costUsd()).isEqualByComparingTo("6");
    }

    @Test
    void anUnpricedResultCountsAsUnpricedNotAsFree() {
        UsageDriver d = start(List.of());
        d.send(result("j1", JobStatus.SUCCEEDED, null, "mystery-model", "d9", "custom", null, List.of(),
                new TokenUsage(40, 2, 42, 0, 0, 0), null, T0));
        d.send(result("j2", JobStatus.SUCCEEDED, null, "mystery-model", "d9", "custom", null, List.of(),
                new TokenUsage(1, 1, 2, 0, 0, 0), new BigDecimal("0.25"), T0));
        UsageRecord r = d.total().get("model:mystery-model");
        assertThat(r.unpricedRequests()).isEqualTo(1);
        assertThat(r.unpricedTokens()).isEqualTo(42);
        assertThat(r.totalTokens()).isEqualTo(44);
        assertThat(r.costUsd()).isEqualByComparingTo("0.25");
    }

    @Test
    void reachingABudgetWritesOneControlRecordAndANewPeriodLiftsIt() {
        Budget acme = new Budget(BudgetMessage.SCOPE_TENANT, "acme", new BigDecimal("1.00"), BudgetPeriod.parse("1d"),
                BudgetMessage.ON_EXCEEDED_FAIL);
        Budget deployment = new Budget(BudgetMessage.SCOPE_DEPLOYMENT, "d1", new BigDecimal("100"),
                BudgetPeriod.parse("1d"), null);
        UsageDriver d = start(List.of(acme, deployment));
        var control = d.control();
        for (int i = 0; i < 3; i++) {
            d.send(charged("j" + i, "acme", T0.plusSeconds(i), "0.40"));
            if (i < 2) {
                assertThat(control.isEmpty()).as("below the limit after %d", i + 1).isTrue();
            }
        }
        d.send(charged("j3", "acme", T0.plusSeconds(10), "0.40"));
        d.send(charged("other", "globex", T0.plusSeconds(11), "5"));
        List<TestRecord<String, BudgetMessage>> records = control.readRecordsToList();
        assertThat(records).hasSize(1);
        TestRecord<String, BudgetMessage> reached = records.getFirst();
        assertThat(reached.key()).isEqualTo("budget:tenant:acme");
        assertThat(new String(reached.headers().lastHeader(LlmqHeaders.CONTROL_TYPE).value(), StandardCharsets.UTF_8))
                .isEqualTo(BudgetMessage.TYPE);
        BudgetMessage m = reached.value();
        assertThat(m.exceeded()).isTrue();
        assertThat(m.spentUsd()).isEqualByComparingTo("1.20");
        assertThat(m.maxBudgetUsd()).isEqualByComparingTo("1.00");
        assertThat(m.periodStart()).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        assertThat(m.resetsAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(m.onExceeded()).isEqualTo("fail");
        assertThat(m.source()).isEqualTo("agg-1");

        d.send(charged("late", "acme", T0.plusSeconds(20), "0.40"));
        d.send(charged("next-day", "acme", Instant.parse("2026-12-01T00:00:05Z"), "0.10"));
        d.send(charged("next-day-2", "acme", Instant.parse("2026-12-01T00:00:06Z"), "0.10"));
        List<TestRecord<String, BudgetMessage>> lift = control.readRecordsToList();
        assertThat(lift).hasSize(1);
        assertThat(lift.getFirst().key()).isEqualTo("budget:tenant:acme");
        assertThat(lift.getFirst().value().exceeded()).isFalse();
        assertThat(lift.getFirst().value().periodStart()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(lift.getFirst().value().resetsAt()).isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
    }

    private static dev.llmq.schemas.JobResult charged(String jobId, String tenant, Instant at, String cost) {
        return result(jobId, JobStatus.SUCCEEDED, null, "gpt-4o", "d1", "openai", tenant, List.of(),
                new TokenUsage(1, 1, 2, 0, 0, 0), new BigDecimal(cost), at);
    }

    /** Window start and cost of every window of a group, in time order. */
    private static List<KeyValue<Instant, BigDecimal>> windows(UsageDriver d, UsageWindow w, String key) {
        List<KeyValue<Instant, BigDecimal>> out = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, UsageRecord> it = d.windows(w).all()) {
            it.forEachRemaining(kv -> {
                if (kv.key.key().equals(key)) {
                    out.add(KeyValue.pair(kv.key.window().startTime(), kv.value.costUsd().stripTrailingZeros()));
                }
            });
        }
        out.sort(java.util.Comparator.comparing(kv -> kv.key));
        return out.stream().map(kv -> KeyValue.pair(kv.key, new BigDecimal(kv.value.toPlainString()))).toList();
    }
}
