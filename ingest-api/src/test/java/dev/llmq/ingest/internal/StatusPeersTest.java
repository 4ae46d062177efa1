package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.Json;
import dev.llmq.testkit.http.CannedPeer;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What {@link StatusPeers#ask} makes of another instance's answers, from a real HTTP peer on loopback. */
class StatusPeersTest {

    private final StatusPeers peers = new StatusPeers(Json.mapper(), "http", "self", Duration.ofSeconds(5), "key");
    private CannedPeer peer;
    private HostInfo owner;

    @BeforeEach
    void start() {
        peer = CannedPeer.answering(StatusPeers.PATH);
        owner = new HostInfo("127.0.0.1", peer.port());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    private StatusPeers.Query query() {
        return StatusPeers.Query.jobs(List.of("job-1"));
    }

    @Test
    void anAnswerIsRead() {
        peer.answer(200, "{\"jobs\":[],\"job_ids\":[\"a\",\"b\"]}");
        assertThat(peers.ask(owner, query()))
                .isEqualTo(new StatusPeers.Answer(List.of(), List.of("a", "b"), List.of()));
        peer.answer(200, "{\"batch_ids\":[\"batch_2\",\"batch_1\"]}");
        assertThat(peers.ask(owner, StatusPeers.Query.batches(new StatusPeers.Batches(null, 5, "t", false)))
                .batchIds()).containsExactly("batch_2", "batch_1");
    }

    @Test
    void aBatchListQuestionIsAboutATenantOrEveryOne() {
        assertThat(new StatusPeers.Batches(null, 1, "t", false).sees("t")).isTrue();
        assertThat(new StatusPeers.Batches(null, 1, "t", false).sees("u")).isFalse();
        // a batch whose list entry names no tenant is left to its jobs to decide
        assertThat(new StatusPeers.Batches(null, 1, "t", false).sees(null)).isTrue();
        assertThat(new StatusPeers.Batches(null, 1, null, true).sees(null)).isTrue();
        assertThatThrownBy(() -> new StatusPeers.Batches(null, 1, null, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatusPeers.Batches(null, 0, null, true))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StatusPeers.Query(List.of("j"), null, null,
                new StatusPeers.Batches(null, 1, null, true))).hasMessageContaining("one of");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "", "[]", "\"x\"", "{\"jobs\":[null]}", "{\"jobs\":"})
    void anAnswerThatIsNoObjectIsA503(String answer) {
        peer.answer(200, answer);
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }

    @Test
    void aRefusalIsA503() {
        peer.answer(500, "{}");
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo("status_unavailable"));
        // an owner with another internal key: what to set, since asking again never helps
        peer.answer(401, "{}");
        assertThatThrownBy(() -> peers.ask(owner, query())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.getMessage()).contains("llmq.auth.internal_key"));
    }
}
