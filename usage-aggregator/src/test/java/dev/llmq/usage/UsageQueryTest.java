package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UsageQueryTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

    private static UsageQuery parse(Map<String, String> params) {
        return UsageQuery.parse(params::get, NOW);
    }

    @Test
    void totalsCheckFromAndToAsTheIngestDoesThenIgnoreThem() {
        UsageQuery q = parse(Map.of("group_by", "tenant", "window", "total", "from", "2026-11-30T09:00:00Z"));
        assertThat(q.window()).isEqualTo(UsageWindow.TOTAL);
        assertThat(q.from()).isNull();
        assertThat(q.to()).isNull();
        // the ingest refuses these before forwarding; an aggregator asked directly answered them as if not given
        assertRefused(Map.of("window", "total", "from", "garbage"), "from", "ISO-8601");
        assertRefused(Map.of("window", "total", "to", "2026-11-30T09:00:00"), "to", "ISO-8601");
        assertRefused(Map.of("window", "total", "from", "2026-11-30T10:00:00Z", "to", "2026-11-30T09:00:00Z"),
                "from", "'from' (2026-11-30T10:00:00Z) must be before 'to' (2026-11-30T09:00:00Z)");
    }

    /** A date alone is its midnight UTC, as the ingest reads it; it refused one before. */
    @Test
    void aDateAloneIsItsMidnightUtc() {
        UsageQuery q = parse(Map.of("window", "1h", "from", "2026-11-29", "to", "2026-11-30"));
        assertThat(q.from()).isEqualTo(Instant.parse("2026-11-29T00:00:00Z"));
        assertThat(q.to()).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
        assertThat(q.parameters()).containsEntry("from", "2026-11-29T00:00:00Z");
    }

    private static void assertRefused(Map<String, String> params, String param, String message) {
        assertThatThrownBy(() -> parse(params)).isInstanceOfSatisfying(UsageApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.body().path("error").path("param").asText()).isEqualTo(param);
        }).hasMessageContaining(message);
    }

    private static final Duration GRACE = Duration.ofMinutes(5);

    /** As the route reads a request: every value of every name, the store's retention checked. */
    private static UsageQuery request(String query) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            params.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv.length > 1 ? kv[1] : "");
        }
        return UsageQuery.parse(params, NOW, GRACE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // as the ingest refuses them, rather than answering as if they were not there
        "group_by=model&windows=1h | windows | unknown_parameter | unknown query parameter 'windows'; GET /v1/usage "
                + "takes [from, group_by, tenant, to, window]",
        "group_by=model&start_date=2026-11-29 | start_date | unknown_parameter | unknown query parameter",
        "group_by=model&group_by=tag | group_by | invalid_value | 'group_by' is given 2 times; give it once",
        "window=1h&from=2026-11-30T08:00:00Z&from=2026-11-30T09:00:00Z | from | invalid_value | given 2 times",
        // a read key fixed to acme could otherwise slip globex's name in second
        "tenant=acme&tenant=globex | tenant | invalid_value | 'tenant' is given 2 times",
        // windows the store no longer keeps: 1m windows for 2 days, 1h for 35 days
        "window=1m&from=2026-11-27T10:00:00Z | from | invalid_value | 'from' (2026-11-27T10:00:00Z) is older than "
                + "the oldest 1m window kept (1m windows are kept 2 days, so from 2026-11-28T10:00:00Z on)",
        "window=1h&from=2026-10-01T00:00:00Z&to=2026-10-02T00:00:00Z | from | invalid_value | 35 days",
        "window=1m&to=2026-11-28T09:00:00Z | to | invalid_value | 'to' (2026-11-28T09:00:00Z) is older than the "
                + "oldest 1m window kept",
        "window=1h&from=2026-11-30T11:00:00%2B01:00 | from | invalid_value | 'from' (2026-11-30T10:00:00Z) must be "
                + "before 'to' (2026-11-30T10:00:00Z, now when not given)",
        "window=1h&from=2026-11-30T09:00:00Z&to=2026-11-30T09:30:00%2B01:00 | from | invalid_value | 'from' "
                + "(2026-11-30T09:00:00Z) must be before 'to' (2026-11-30T08:30:00Z)",
    })
    void aRequestsParametersAreKnownGivenOnceAndWithinWhatTheStoreKeeps(String query, String param, String code,
                                                                         String message) {
        assertThatThrownBy(() -> request(query.replace("%2B", "+")))
                .isInstanceOfSatisfying(UsageApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.body().path("error").path("param").asText()).isEqualTo(param);
                    assertThat(e.body().path("error").path("type").asText()).isEqualTo("invalid_request_error");
                    assertThat(e.code()).isEqualTo(code);
                })
                .hasMessageContaining(message);
    }

    @Test
    void aRequestsDefaultSpanStartsNoEarlierThanTheStoreKeeps() {
        // 60 windows before 'to', unless fewer are kept: 1m windows are kept 2 days
        UsageQuery q = request("window=1m&to=2026-11-28T10:30:00Z");
        assertThat(q.from()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(q.to()).isEqualTo(Instant.parse("2026-11-28T10:30:00Z"));
        assertThat(request("window=1h").from()).isEqualTo(NOW.minus(Duration.ofHours(60)));
        // offsets, as the ingest reads them
        UsageQuery offsets = request("window=1h&from=2026-11-30T09:00:00+01:00&to=2026-11-30T04:30:00-05:00");
        assertThat(offsets.from()).isEqualTo(Instant.parse("2026-11-30T08:00:00Z"));
        assertThat(offsets.to()).isEqualTo(Instant.parse("2026-11-30T09:30:00Z"));
        assertThat(request("window=1m&from=2026-11-28T10:00:00Z").from())
                .isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
        assertThat(request("group_by=tenant&window=total&tenant=acme")).isEqualTo(
                parse(Map.of("group_by", "tenant", "window", "total", "tenant", "acme")));
    }

    @Test
    void windowsDefaultToTheLastSixtyWindowsUpToNow() {
        UsageQuery q = parse(Map.of("group_by", "model", "window", "1h"));
        assertThat(q.to()).isEqualTo(NOW);
        assertThat(q.from()).isEqualTo(NOW.minus(Duration.ofHours(60)));
    }

    @Test
    void timesAreIsoInstantsOrEpochSeconds() {
        UsageQuery q = parse(Map.of("group_by", "tag", "window", "1m", "from", "1796032800",
                "to", "2026-11-30T11:00:00Z"));
        assertThat(q.from()).isEqualTo(Instant.ofEpochSecond(1796032800L));
        assertThat(q.to()).isEqualTo(Instant.parse("2026-11-30T11:00:00Z"));
        assertThat(UsageQuery.parse(q.parameters()::get, NOW)).isEqualTo(q);
    }

    @Test
    void aQuestionThatDoesNotSayIsByModelInTotal() {
        // as llmq usage asks by default
        assertThat(parse(Map.of())).isEqualTo(parse(Map.of("group_by", "model", "window", "total")));
        assertThat(parse(Map.of("window", "1h")).groupBy()).isEqualTo("model");
        assertThat(parse(Map.of("group_by", "tag")).window()).isEqualTo(UsageWindow.TOTAL);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "group_by=colour&window=1m | group_by | model, provider, tag, tenant",
        "group_by=&window=1m | group_by | 'group_by' must be one of",
        "group_by=model&window=5m | window | 1m, 1h, 1d, total",
        "group_by=model&window= | window | 1m, 1h, 1d, total",
        "group_by=model&window=1m&from=yesterday | from | ISO-8601",
        "group_by=model&window=1m&to=99999999999999999999 | to | epoch seconds",
        "group_by=model&window=1m&from=2026-11-30T10:00:00Z&to=2026-11-30T10:00:00Z | from | must be before 'to'",
        "group_by=model&window=1m&from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z | from | 10000 windows",
        "group_by=model&window=total&tenant= | tenant | 1 to 128 letters, digits or . _ : @ -",
        "group_by=model&window=total&tenant=a b | tenant | 1 to 128 letters, digits or . _ : @ -",
        // instants no Kafka record time can have (the earliest one overflowed the default span's arithmetic: a 500)
        "group_by=model&window=1m&to=-1000000000-01-01T00:00:00Z | to | between 1970-01-01T00:00:00Z and 9999",
        "group_by=model&window=1m&from=1969-12-31T23:59:59Z | from | between 1970-01-01T00:00:00Z and 9999",
        "group_by=model&window=1m&from=+100000-01-01T00:00:00Z&to=+100000-01-01T01:00:00Z | to | between 1970",
        "group_by=model&window=1m&to=0 | from | must be before 'to'",
    })
    void badParametersAreNamedWithWhatTheyAccept(String query, String param, String message) {
        Map<String, String> params = new java.util.HashMap<>();
        for (String pair : query.split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(kv[0], kv[1]);
        }
        assertThatThrownBy(() -> parse(params))
                .isInstanceOfSatisfying(UsageApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.body().path("error").path("param").asText()).isEqualTo(param);
                    assertThat(e.body().path("error").path("type").asText()).isEqualTo("invalid_request_error");
                    assertThat(e.body().path("error").path("code").asText()).as("the ingest API's code")
                            .isEqualTo("invalid_value");
                })
                .hasMessageContaining(message);
    }

    @Test
    void aTenantIsOptionalAndTravelsInTheParameters() {
        UsageQuery q = parse(Map.of("group_by", "tenant", "window", "1d", "tenant", "globex:eu"));
        assertThat(q.tenant()).isEqualTo("globex:eu");
        assertThat(q.parameters()).containsEntry("tenant", "globex:eu");
        assertThat(UsageQuery.parse(q.parameters()::get, NOW)).isEqualTo(q);
        assertThat(parse(Map.of("group_by", "tenant", "window", "total")).parameters()).doesNotContainKey("tenant");
        assertThatThrownBy(() -> parse(Map.of("group_by", "model", "window", "total", "tenant", "x".repeat(257))))
                .isInstanceOfSatisfying(UsageApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void theDefaultSpanStartsNoEarlierThanTheEpoch() {
        UsageQuery q = parse(Map.of("group_by", "model", "window", "1d", "to", "86400"));
        assertThat(q.from()).isEqualTo(Instant.EPOCH);
        assertThat(q.to()).isEqualTo(Instant.EPOCH.plus(Duration.ofDays(1)));
    }

    @Test
    void theLongestSpanIsTenThousandWindows() {
        UsageQuery q = parse(Map.of("group_by", "model", "window", "1m", "from",
                NOW.minus(Duration.ofMinutes(UsageQuery.MAX_WINDOWS)).toString()));
        assertThat(Duration.between(q.from(), q.to())).isEqualTo(Duration.ofMinutes(10_000));
    }
}
