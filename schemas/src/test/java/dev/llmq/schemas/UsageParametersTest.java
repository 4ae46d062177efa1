package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link UsageParameters}: the one reading of {@code from} and {@code to} that ingest and aggregator share. */
class UsageParametersTest {

    @ParameterizedTest
    @CsvSource({
        "2026-11-30T10:00:00Z, 2026-11-30T10:00:00Z",
        "2026-11-30T11:00:00+01:00, 2026-11-30T10:00:00Z",
        "1796032800, 2026-11-30T10:00:00Z",
        "0, 1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z, 9999-12-31T23:59:59Z",
        "2026-11-30, 2026-11-30T00:00:00Z",
        "1970-01-01, 1970-01-01T00:00:00Z",
        "9999-12-31, 9999-12-31T00:00:00Z",
    })
    void isoInstantsWithOffsetDatesAtMidnightUtcAndEpochSecondsAreRead(String value, Instant expected) {
        assertThat(UsageParameters.time("from", value)).isEqualTo(expected);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = " ")
    void anAbsentTimeIsNull(String value) {
        assertThat(UsageParameters.time("to", value)).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "yesterday | 'to' must be an ISO-8601 instant",
        "2026-11-31 | 'to' must be an ISO-8601 instant",
        "2026-11-30T10:00 | 'to' must be an ISO-8601 instant",
        "1969-12-31 | 'to' must be between 1970-01-01T00:00:00Z",
        "99999999999999999999 | or epoch seconds, got '99999999999999999999'",
        "-5 | 'to' must be an ISO-8601 instant",
        "1969-12-31T23:59:59Z | 'to' must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z",
        "-1000000000-01-01T00:00:00Z | 'to' must be between 1970-01-01T00:00:00Z",
        "+100000-01-01T00:00:00Z | got '+100000-01-01T00:00:00Z'",
        "253402300800 | 'to' must be between",
    })
    void otherValuesAreRefusedNamingTheParameter(String value, String message) {
        assertThatThrownBy(() -> UsageParameters.time("to", value))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void aPairThatIsNotValidPercentEncodingIsNamedOthersPass() {
        assertThat(UsageParameters.undecodable("group_by=%zz&window=total")).isEqualTo("group_by");
        assertThat(UsageParameters.undecodable("group_by=model&window=%")).isEqualTo("window");
        assertThat(UsageParameters.undecodable("gr%zzoup=model")).isEqualTo("gr%zzoup");
        assertThat(UsageParameters.undecodable("group_by=model&from=2026-11-30T00%3A00%3A00%2B01%3A00&tenant=a+b"))
                .isNull();
        assertThat(UsageParameters.undecodable(null)).isNull();
        assertThat(UsageParameters.undecodable("")).isNull();
    }

    @Test
    void aTenantIsNamedAsAKeysTenantIsOrIsTheJobsOfNoTenant() {
        UsageParameters.checkTenant("globex:eu");
        UsageParameters.checkTenant(UsageRecord.NONE);
        UsageParameters.checkTenant(null);
        for (String bad : new String[] {"", "a b", "../x", "t".repeat(129), "acme\u0000"}) {
            assertThatThrownBy(() -> UsageParameters.checkTenant(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(none)");
        }
    }
}
