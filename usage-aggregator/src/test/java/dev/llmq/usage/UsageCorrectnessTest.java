package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.router.Budget;
import dev.llmq.router.BudgetPeriod;
import dev.llmq.schemas.BudgetMessage;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.schemas.UsageRecord;
import dev.llmq.usage.internal.BudgetSpend;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 25,000 synthetic results (seeded: duplicates, late arrivals within and beyond the grace, unknown models, tags,
 * tenants, failures, costs with up to 18 decimal places, records that are not results), through the topology (the
 * test driver commits after every record, so each result's group sums go on alone; {@code UsageTopologyTest} sums
 * several in one commit), and
 * every figure of every store, the latest record of every usage topic key, and every budget message compared with a
 * plain recomputation written here without the aggregator's code: over all tenants and within each tenant. (100,000
 * results before per-tenant figures doubled the group updates per result; 25,000 keep the run near a minute, and the
 * seeded mix still holds junk records (0.2 %), duplicates (5 %) and more than 100 results past the grace, asserted.)
 */
class UsageCorrectnessTest {

    private static final int RESULTS = 25_000;
    private static final Duration GRACE = Duration.ofSeconds(60);
    private static final Instant START = Instant.parse("2026-11-30T18:00:00Z");
    private static final String[] MODELS = {"gpt-4o", "gpt-4o-mini", "claude-sonnet", "gemini-flash", "unknown-model"};
    private static final String[] PROVIDERS = {"openai", "openai", "anthropic", "gemini", "custom"};
    private static final String[] TENANTS = {null, "acme", "globex", "initech:eu", "umbrella", "hooli@x"};
    private static final String[] TAGS = {"batch", "eval", "prod", "exp:42", "team-a", "team-b"};
    private static final String[] KINDS = {"rate_limited", "timeout", "server_error", "context_length_exceeded", null};
    private static final List<Budget> BUDGETS = List.of(
            new Budget(BudgetMessage.SCOPE_TENANT, "acme", new BigDecimal("0.05"), BudgetPeriod.parse("1h"), null),
            new Budget(BudgetMessage.SCOPE_TAG, "eval", new BigDecimal("0.2"), BudgetPeriod.parse("1d"),
                    BudgetMessage.ON_EXCEEDED_FAIL),
            new Budget(BudgetMessage.SCOPE_DEPLOYMENT, "claude-sonnet-1", new BigDecimal("0.01"),
                    BudgetPeriod.parse("30m"), null));

    @TempDir
    Path stateDir;

    /** The plain figures of one group in one window. */
    private static final class Acc {
        long requests;
        long succeeded;
        long failed;
        long cancelled;
        long expired;
        final Map<String, Long> failures = new TreeMap<>();
        long prompt;
        long completion;
        long cached;
        long cacheCreation;
        long reasoning;
        long total;
        BigDecimal cost = BigDecimal.ZERO;
        long unpricedRequests;
        long unpricedTokens;
        Instant last;

        /** A group key: {@code <group_by>:<key>}, within one tenant {@code <group_by>@<URL-encoded tenant>:<key>}. */
        UsageRecord toRecord(String groupKey) {
            int colon = groupKey.indexOf(':');
            String head = groupKey.substring(0, colon);
            int at = head.indexOf('@');
            String tenant = at < 0 ? null : URLDecoder.decode(head.substring(at + 1), StandardCharsets.UTF_8);
            return normalized(new UsageRecord(1, "total", at < 0 ? head : head.substring(0, at),
                    groupKey.substring(colon + 1), tenant, null, null, requests, succeeded, failed, cancelled,
                    expired, failures, prompt, completion, cached, cacheCreation, reasoning, total, cost,
                    unpricedRequests, unpricedTokens, last));
        }
    }

    @Test
    void everyFigureOfEveryStoreMatchesAPlainRecomputation() {
        Random random = new Random(20261130L);
        Map<String, Acc> totals = new HashMap<>();
        Map<UsageWindow, Map<String, Acc>> windows = new HashMap<>();
        Map<String, Object[]> budgets = new HashMap<>();
        List<BudgetMessage> expectedMessages = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        List<JobResult> sent = new ArrayList<>();
        Map<UsageWindow, Map<String, UsageRecord>> topics = new HashMap<>();
        List<BudgetMessage> messages = new ArrayList<>();
        long streamTime = Long.MIN_VALUE;
        long invalid = 0;
        long duplicates = 0;
        long lateBeyondGrace = 0;
        Instant clock = START;

        try (UsageDriver d = new UsageDriver(stateDir, GRACE, BUDGETS)) {
            var control = d.control();
            for (int i = 0; i < RESULTS; i++) {
                double dice = random.nextDouble();
                if (dice < 0.002) {
                    d.sendRaw("junk-" + i, ("{\"job_id\": " + i).getBytes(StandardCharsets.UTF_8), clock);
                    invalid++;
                    continue;
                }
                JobResult r;
                if (dice < 0.05 && !sent.isEmpty()) {
                    // the same job again: the same result, or another run's with other figures
                    JobResult earlier = sent.get(random.nextInt(sent.size()));
                    r = random.nextBoolean() ? earlier : generate(random, earlier.jobId(), clock);
                } else {
                    clock = clock.plusMillis(random.nextInt(1000));
                    Instant at = clock;
                    if (dice < 0.10) {
                        at = clock.minusMillis(random.nextInt(120_000)); // late: within the grace or past it
                    } else if (dice < 0.11) {
                        at = clock.minusMillis(random.nextInt(7_200_000)); // very late: past hour windows too
                    }
                    r = generate(random, "job-" + i, at);
                    sent.add(r);
                }
                d.send(r);
                if (!seen.add(r.jobId())) {
                    duplicates++;
                    continue;
                }
                long ts = r.completedAt().toEpochMilli();
                // late for a window when stream time (before this result) had passed its end plus the grace
                long before = streamTime;
                streamTime = Math.max(streamTime, ts);
                for (String key : plainGroupKeys(r)) {
                    add(totals.computeIfAbsent(key, k -> new Acc()), r);
                    for (UsageWindow w : UsageWindow.values()) {
                        if (!w.windowed()) {
                            continue;
                        }
                        long size = w.size().toMillis();
                        long start = ts - Math.floorMod(ts, size);
                        if (start + size + GRACE.toMillis() > before) {
                            add(windows.computeIfAbsent(w, x -> new HashMap<>())
                                    .computeIfAbsent(key + "@" + start, k -> new Acc()), r);
                        } else if (w == UsageWindow.MINUTE) {
                            lateBeyondGrace++;
                        }
                    }
                }
                plainBudgets(r, budgets, expectedMessages);
                if (i % 1000 == 0) {
                    drain(d, topics, control.readRecordsToList(), messages);
                }
            }
            drain(d, topics, control.readRecordsToList(), messages);

            assertThat(lateBeyondGrace).as("late results past the grace were generated").isGreaterThan(100);
            assertThat(d.outcomes.get(ResultOutcome.INVALID)).isEqualTo(invalid);
            assertThat(d.outcomes.get(ResultOutcome.DUPLICATE)).isEqualTo(duplicates);
            assertThat(d.outcomes.get(ResultOutcome.COUNTED)).isEqualTo(seen.size());

            Map<String, UsageRecord> expectedTotals = new TreeMap<>();
            totals.forEach((key, acc) -> expectedTotals.put(key, acc.toRecord(key)));
            Map<String, UsageRecord> actualTotals = new TreeMap<>();
            try (KeyValueIterator<String, UsageRecord> it = d.total().all()) {
                it.forEachRemaining(kv -> actualTotals.put(kv.key, normalized(kv.value)));
            }
            assertSame("usage-total", actualTotals, expectedTotals);
            Map<String, UsageRecord> totalTopic = new TreeMap<>();
            topics.get(UsageWindow.TOTAL).forEach((k, v) -> totalTopic.put(k, normalized(v)));
            assertSame("usage.total.v1", totalTopic, expectedTotals);

            for (UsageWindow w : List.of(UsageWindow.MINUTE, UsageWindow.HOUR, UsageWindow.DAY)) {
                Map<String, UsageRecord> expected = new TreeMap<>();
                windows.get(w).forEach((key, acc) -> expected.put(key, acc.toRecord(key.substring(0,
                        key.lastIndexOf('@')))));
                Map<String, UsageRecord> actual = new TreeMap<>();
                try (KeyValueIterator<Windowed<String>, UsageRecord> it = d.windows(w).all()) {
                    it.forEachRemaining(kv -> actual.put(kv.key.key() + "@" + kv.key.window().start(),
                            normalized(kv.value)));
                }
                assertSame(w.storeName(), actual, expected);
                Map<String, UsageRecord> topic = new TreeMap<>();
                topics.get(w).forEach((k, v) -> {
                    assertThat(v.window()).isEqualTo(w.wire());
                    assertThat(v.windowEnd()).isEqualTo(v.windowStart().plus(w.size()));
                    topic.put(k.substring(0, k.lastIndexOf(':')) + "@" + v.windowStart().toEpochMilli(),
                            normalized(v));
                });
                assertSame(w.topic().suffix(), topic, expected);
            }

            KeyValueStore<String, BudgetSpend> spend = d.budgetSpend();
            assertThat(budgets).isNotEmpty();
            budgets.forEach((key, state) -> {
                BudgetSpend actual = spend.get(key);
                assertThat(actual.periodStart()).as(key).isEqualTo(state[0]);
                assertThat(actual.spentUsd()).as(key).isEqualByComparingTo((BigDecimal) state[1]);
                assertThat(actual.exceeded()).as(key).isEqualTo(state[2]);
            });
            assertThat(expectedMessages).anyMatch(BudgetMessage::exceeded).anyMatch(m -> !m.exceeded());
            assertThat(messages).hasSameSizeAs(expectedMessages);
            for (int i = 0; i < messages.size(); i++) {
                BudgetMessage a = messages.get(i);
                BudgetMessage e = expectedMessages.get(i);
                assertThat(List.of(a.key(), a.exceeded(), a.periodStart(), a.resetsAt())).as("message %d", i)
                        .isEqualTo(List.of(e.key(), e.exceeded(), e.periodStart(), e.resetsAt()));
                assertThat(a.spentUsd()).as("message %d", i).isEqualByComparingTo(e.spentUsd());
            }
        }
    }

    private static void drain(UsageDriver d, Map<UsageWindow, Map<String, UsageRecord>> topics,
                              List<TestRecord<String, BudgetMessage>> control, List<BudgetMessage> messages) {
        for (UsageWindow w : UsageWindow.values()) {
            topics.computeIfAbsent(w, x -> new HashMap<>()).putAll(d.topic(w));
        }
        control.forEach(r -> messages.add(r.value()));
    }

    private static void assertSame(String what, Map<String, UsageRecord> actual, Map<String, UsageRecord> expected) {
        assertThat(actual.keySet()).as(what + " keys").isEqualTo(expected.keySet());
        expected.forEach((key, e) -> assertThat(actual.get(key)).as(what + " " + key).isEqualTo(e));
    }

    /** Window fields cleared and the cost without trailing zeros, so records compare by their figures. */
    private static UsageRecord normalized(UsageRecord r) {
        return new UsageRecord(1, "total", r.groupBy(), r.key(), r.tenant(), null, null, r.requests(), r.succeeded(),
                r.failed(), r.cancelled(), r.expired(), r.failures(), r.promptTokens(), r.completionTokens(),
                r.cachedPromptTokens(), r.cacheCreationTokens(), r.reasoningTokens(), r.totalTokens(),
                new BigDecimal(r.costUsd().stripTrailingZeros().toPlainString()), r.unpricedRequests(),
                r.unpricedTokens(), r.lastCompletedAt());
    }

    private static JobResult generate(Random random, String jobId, Instant at) {
        int m = random.nextInt(MODELS.length);
        double s = random.nextDouble();
        JobStatus status = s < 0.85 ? JobStatus.SUCCEEDED : s < 0.93 ? JobStatus.FAILED
                : s < 0.97 ? JobStatus.CANCELLED : JobStatus.EXPIRED;
        boolean routed = status == JobStatus.SUCCEEDED || random.nextInt(4) > 0;
        String deployment = routed ? MODELS[m] + "-" + random.nextInt(2) : null;
        String provider = routed ? PROVIDERS[m] : null;
        String tenant = TENANTS[random.nextInt(TENANTS.length)];
        List<String> tags = new ArrayList<>();
        for (int t = random.nextInt(4); t > 0; t--) {
            tags.add(TAGS[random.nextInt(TAGS.length)]);
        }
        long prompt = random.nextInt(5000);
        long cached = prompt == 0 ? 0 : random.nextInt((int) prompt + 1);
        long completion = status == JobStatus.SUCCEEDED ? random.nextInt(2000) : 0;
        long reasoning = completion == 0 ? 0 : random.nextInt((int) completion + 1);
        TokenUsage usage = new TokenUsage(prompt, completion, prompt + completion, cached, reasoning,
                random.nextInt(100));
        BigDecimal cost = m == MODELS.length - 1 || !routed ? null
                : new BigDecimal(BigInteger.valueOf(random.nextLong(1, 1_000_000_000_000L)), 6 + random.nextInt(13));
        return TestResults.result(jobId, status, KINDS[random.nextInt(KINDS.length)], MODELS[m], deployment,
                provider, tenant, tags, usage, cost, at);
    }

    /** Every group over all tenants, and the same within the result's tenant. */
    private static List<String> plainGroupKeys(JobResult r) {
        List<String> keys = new ArrayList<>();
        String within = "@" + URLEncoder.encode(orNone(r.tenant()), StandardCharsets.UTF_8);
        for (String tenant : List.of("", within)) {
            keys.add("model" + tenant + ":" + orNone(r.modelGroup()));
            keys.add("deployment" + tenant + ":" + orNone(r.deployment()));
            keys.add("provider" + tenant + ":" + orNone(r.provider()));
            keys.add("tenant" + tenant + ":" + orNone(r.tenant()));
            Set<String> tags = new LinkedHashSet<>(r.tags());
            if (tags.isEmpty()) {
                keys.add("tag" + tenant + ":" + UsageRecord.NONE);
            }
            tags.forEach(t -> keys.add("tag" + tenant + ":" + t));
        }
        return keys;
    }

    private static String orNone(String v) {
        return v == null ? UsageRecord.NONE : v;
    }

    private static void add(Acc a, JobResult r) {
        a.requests++;
        switch (r.status()) {
            case SUCCEEDED -> a.succeeded++;
            case FAILED -> a.failed++;
            case CANCELLED -> a.cancelled++;
            case EXPIRED -> a.expired++;
            default -> throw new IllegalStateException("not generated: " + r.status());
        }
        if (r.status() != JobStatus.SUCCEEDED) {
            a.failures.merge(r.error().kind() == null ? "unknown" : r.error().kind(), 1L, Long::sum);
        }
        TokenUsage u = r.usage();
        a.prompt += u.promptTokens();
        a.completion += u.completionTokens();
        a.cached += u.cachedPromptTokens();
        a.cacheCreation += u.cacheCreationTokens();
        a.reasoning += u.reasoningTokens();
        a.total += u.totalTokens();
        if (r.costUsd() == null) {
            a.unpricedRequests++;
            a.unpricedTokens += u.totalTokens();
        } else {
            a.cost = a.cost.add(r.costUsd());
        }
        a.last = a.last == null || r.completedAt().isAfter(a.last) ? r.completedAt() : a.last;
    }

    /** Budget state per key: {period start, spent, exceeded}; the messages expected, in order. */
    private static void plainBudgets(JobResult r, Map<String, Object[]> states, List<BudgetMessage> out) {
        if (r.costUsd() == null) {
            return;
        }
        for (Budget b : BUDGETS) {
            boolean applies = switch (b.scope()) {
                case BudgetMessage.SCOPE_TENANT -> b.subject().equals(r.tenant());
                case BudgetMessage.SCOPE_TAG -> r.tags().contains(b.subject());
                default -> b.subject().equals(r.deployment());
            };
            if (!applies) {
                continue;
            }
            Instant period = b.period().start(r.completedAt());
            Object[] s = states.get(b.key());
            if (s != null && period.isBefore((Instant) s[0])) {
                continue;
            }
            if (s == null || period.isAfter((Instant) s[0])) {
                if (s != null && (boolean) s[2]) {
                    out.add(message(b, period, BigDecimal.ZERO, false));
                }
                s = new Object[] {period, BigDecimal.ZERO, false};
                states.put(b.key(), s);
            }
            s[1] = ((BigDecimal) s[1]).add(r.costUsd());
            if (!(boolean) s[2] && ((BigDecimal) s[1]).compareTo(b.maxBudgetUsd()) >= 0) {
                s[2] = true;
                out.add(message(b, period, (BigDecimal) s[1], true));
            }
        }
    }

    private static BudgetMessage message(Budget b, Instant period, BigDecimal spent, boolean exceeded) {
        return new BudgetMessage(1, null, b.scope(), b.subject(), b.maxBudgetUsd(), spent, b.period().text(), period,
                b.period().end(period), exceeded, b.onExceeded(), "plain", Instant.EPOCH);
    }
}
