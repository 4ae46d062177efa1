package dev.llmq.runtime.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmq.runtime.mock.internal.BehaviorJson;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BehaviorJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void roundTripsEveryFaultAndTrigger() {
        MockBehavior b = MockBehavior.defaults().withLatency(Duration.ofMillis(250))
                .withTimeToFirstToken(Duration.ofMillis(40)).withTokensPerSecond(33.5).withCompletionTokens(7)
                .failingFirst(3, Fault.rateLimited(Duration.ofMillis(1200)))
                .failingFraction(0.25, Fault.serverError())
                .failingAlways(Fault.streamCut(4))
                .failingAlways(Fault.contentFilter())
                .failingAlways(Fault.safetyBlock())
                .failingFirst(1, Fault.midStreamError(5, Fault.rateLimited(Duration.ofMillis(700))));

        MockBehavior back = BehaviorJson.read(BehaviorJson.write(json, b));

        assertThat(back).isEqualTo(b);
    }

    @Test
    void absentFieldsKeepDefaultsAndKindsExpand() throws Exception {
        MockBehavior b = BehaviorJson.read(json.readTree(
                "{\"faults\":[{\"kind\":\"context_length_exceeded\"},{\"kind\":\"overloaded\",\"first\":2}]}"));
        assertThat(b.completionTokens()).isEqualTo(MockBehavior.DEFAULT_COMPLETION_TOKENS);
        assertThat(b.latency()).isZero();
        assertThat(b.faults()).containsExactly(FaultRule.always(Fault.contextLengthExceeded()),
                FaultRule.firstN(2, Fault.overloaded()));
    }

    @Test
    void newKindsExpandToTheirFaults() throws Exception {
        MockBehavior b = BehaviorJson.read(json.readTree("{\"faults\":[{\"kind\":\"content_filter\"},"
                + "{\"kind\":\"safety_block\"},{\"kind\":\"mid_stream_error\"},{\"kind\":\"mid_stream_error\","
                + "\"after_chunks\":1,\"error\":{\"status\":500,\"type\":\"server_error\"}}]}"));
        assertThat(b.faults()).extracting(FaultRule::fault).containsExactly(Fault.contentFilter(),
                Fault.safetyBlock(), Fault.midStreamError(),
                new Fault.MidStreamError(1, new Fault.HttpError(500, "server_error", null, null, "Injected fault.",
                        java.util.Optional.empty())));
        assertThatThrownBy(() -> new Fault.MidStreamError(-1, Fault.serverError()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsUnknownKindsAndFaultsWithoutStatus() throws Exception {
        assertThatThrownBy(() -> BehaviorJson.read(json.readTree("{\"faults\":[{\"kind\":\"boom\"}]}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("boom");
        assertThatThrownBy(() -> BehaviorJson.read(json.readTree("{\"faults\":[{\"first\":1}]}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("status");
        assertThatThrownBy(() -> BehaviorJson.read(json.readTree("[]")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsUnknownFieldsAndWrongTypesNamingThem() {
        assertThat(refusal("{\"latency\":\"PT5S\"}")).startsWith("unknown field 'latency'; known: [completion_tokens,");
        assertThat(refusal("{\"latency_ms\":\"5s\"}")).isEqualTo("'latency_ms' must be a whole number, got \"5s\"");
        assertThat(refusal("{\"latency_ms\":1.5}")).isEqualTo("'latency_ms' must be a whole number, got 1.5");
        assertThat(refusal("{\"tokens_per_second\":\"fast\"}"))
                .isEqualTo("'tokens_per_second' must be a number, got \"fast\"");
        assertThat(refusal("{\"faults\":{\"kind\":\"server_error\"}}")).isEqualTo("'faults' must be an array");
        assertThat(refusal("{\"faults\":[{\"kind\":\"rate_limited\",\"retry_after\":5}]}"))
                .startsWith("unknown field 'faults[0].retry_after'");
        assertThat(refusal("{\"faults\":[{\"kind\":\"server_error\",\"first\":\"2\"}]}"))
                .isEqualTo("'faults[0].first' must be a whole number, got \"2\"");
        assertThat(refusal("{\"faults\":[{\"kind\":\"mid_stream_error\",\"error\":{\"status\":500,\"msg\":\"x\"}}]}"))
                .startsWith("unknown field 'faults[0].error.msg'");
        assertThat(refusal("{\"faults\":[1]}")).isEqualTo("'faults[0]' must be an object");
        assertThat(refusal("{\"faults\":[{\"kind\":\"rate_limited\",\"status\":503}]}"))
                .isEqualTo("'faults[0].status' does nothing beside 'kind' ('rate_limited' answers its own error): "
                        + "give a kind, or a status with its error fields");
    }

    private String refusal(String behavior) {
        return catchThrowableOfType(IllegalArgumentException.class, () -> BehaviorJson.read(json.readTree(behavior)))
                .getMessage();
    }

    @Test
    void behaviorValidatesAndCopies() {
        assertThatThrownBy(() -> MockBehavior.defaults().withLatency(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MockBehavior.defaults().withTokensPerSecond(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MockBehavior.defaults().withCompletionTokens(-1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FaultRule.Trigger.Fraction(1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Fault.HttpError(200, "t", null, null, "m", java.util.Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        List<FaultRule> rules = new java.util.ArrayList<>(List.of(FaultRule.always(Fault.serverError())));
        MockBehavior b = new MockBehavior(Duration.ZERO, Duration.ZERO, 0, 1, rules);
        rules.clear();
        assertThat(b.faults()).hasSize(1);
    }
}
