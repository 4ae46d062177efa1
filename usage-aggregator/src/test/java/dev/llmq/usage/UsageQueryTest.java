package dev.llmq.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
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
    void totalsIgnoreFromAndTo() {
        UsageQuery q = parse(Map.of("group_by", "tenant", "window", "total", "from", "garbage"));
        assertThat(q.window()).isEqualTo(UsageWindow.TOTAL);
        assertThat(q.from()).isNull();
        assertThat(q.to()).isNull();
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
        "group_by=&window=1m | group_by | group_by must be one of",
        "group_by=model&window=5m | window | 1m, 1h, 1d, total",
        "group_by=model&window= | window | 1m, 1h, 1d, total",
        "group_by=model&window=1m&from=yesterday | from | ISO-8601",
        "group_by=model&window=1m&to=99999999999999999999 | to | epoch seconds",
        "group_by=model&window=1m&from=2026-11-30T10:00:00Z&to=2026-11-30T10:00:00Z | from | must be before to",
        "group_by=model&window=1m&from=2026-11-01T00:00:00Z&to=2026-11-30T00:00:00Z | from | 10000 windows",
        "group_by=model&window=total&tenant= | tenant | 1 to 128 letters, digits or . _ : @ -",
        "group_by=model&window=total&tenant=a b | tenant | 1 to 128 letters, digits or . _ : @ -",
        // instants no Kafka record time can have (the earliest one overflowed the default span's arithmetic: a 500)
        "group_by=model&window=1m&to=-1000000000-01-01T00:00:00Z | to | between 1970-01-01T00:00:00Z and 9999",
        "group_by=model&window=1m&from=1969-12-31T23:59:59Z | from | between 1970-01-01T00:00:00Z and 9999",
        "group_by=model&window=1m&from=+100000-01-01T00:00:00Z&to=+100000-01-01T01:00:00Z | to | between 1970",
        "group_by=model&window=1m&to=0 | from | must be before to",
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
