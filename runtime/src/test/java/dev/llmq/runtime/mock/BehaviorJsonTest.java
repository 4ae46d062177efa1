package dev.llmq.runtime.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
