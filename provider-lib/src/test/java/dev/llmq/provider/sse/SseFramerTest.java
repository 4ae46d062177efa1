package dev.llmq.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SseFramerTest {

    static byte[] fixture(String name) {
        try (InputStream in = SseFramerTest.class.getResourceAsStream("/sse/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<SseEvent> whole(byte[] bytes) {
        SseFramer f = new SseFramer();
        List<SseEvent> events = new ArrayList<>(f.feed(bytes));
        assertThat(f.finish().clean()).isTrue();
        return events;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lf.sse", "crlf.sse", "cr.sse", "mixed.sse"})
    void everySplitPointGivesTheSameEvents(String name) {
        byte[] bytes = fixture(name);
        List<SseEvent> expected = whole(bytes);
        assertThat(expected).isNotEmpty();
        for (int cut = 0; cut <= bytes.length; cut++) {
            SseFramer f = new SseFramer();
            List<SseEvent> got = new ArrayList<>(f.feed(bytes, 0, cut));
            got.addAll(f.feed(bytes, cut, bytes.length - cut));
            assertThat(got).as("split at %d", cut).isEqualTo(expected);
            assertThat(f.finish().clean()).as("clean end, split at %d", cut).isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"lf.sse", "crlf.sse", "cr.sse", "mixed.sse"})
    void byteByByteGivesTheSameEvents(String name) {
        byte[] bytes = fixture(name);
        SseFramer f = new SseFramer();
        List<SseEvent> got = new ArrayList<>();
        for (int i = 0; i < bytes.length; i++) {
            got.addAll(f.feed(bytes, i, 1));
        }
        assertThat(got).isEqualTo(whole(bytes));
    }

    @Test
    void dataOnlyStreamWithCommentsAndMultiByteText() {
        List<SseEvent> events = whole(fixture("lf.sse"));
        assertThat(events).extracting(SseEvent::data).containsExactly(
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé 😀 ok\"}}]}",
                "[DONE]");
        assertThat(events).extracting(SseEvent::event).containsOnly("message");
    }

    @Test
    void eventTypesMultiLineDataAndIdsWithCrlf() {
        List<SseEvent> events = whole(fixture("crlf.sse"));
        assertThat(events).extracting(SseEvent::event)
                .containsExactly("message_start", "content_block_delta", "message_stop");
        assertThat(events.get(1).data()).isEqualTo("{\"type\":\"content_block_delta\",\n \"text\":\"a\"}");
        assertThat(events.get(1).id()).isEqualTo("7");
        assertThat(events.get(2).id()).isEqualTo("7");
    }

    @Test
    void bareCrLineEndingsEmptyDataFieldAndRetry() {
        List<SseEvent> events = whole(fixture("cr.sse"));
        assertThat(events).extracting(SseEvent::data).containsExactly("one", "two\n", "three");
        assertThat(events.get(2).retry()).isEqualTo(Duration.ofMillis(1500));
        assertThat(events.get(0).retry()).isNull();
    }

    @Test
    void bomEventWithoutDataUnknownFieldsAndBadRetryAreIgnored() {
        List<SseEvent> events = whole(fixture("mixed.sse"));
        assertThat(events).containsExactly(
                new SseEvent("custom", "x", "2", null),
                new SseEvent("message", "日本語テキスト", "2", null));
    }

    @Test
    void streamCutMidEventIsNotClean() {
        SseFramer f = new SseFramer();
        List<SseEvent> events = f.feed("data: {\"a\":1}\n\ndata: {\"b\"".getBytes(StandardCharsets.UTF_8));
        assertThat(events).hasSize(1);
        SseEnd end = f.finish();
        assertThat(end.clean()).isFalse();
        assertThat(end.pendingBytes()).isPositive();
    }

    @Test
    void eventWithoutItsBlankLineIsNotCleanAndNotDispatched() {
        SseFramer f = new SseFramer();
        assertThat(f.feed("data: last\n".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(f.finish().clean()).isFalse();
    }

    @Test
    void trailingCommentAfterLastEventIsAStillCleanEnd() {
        SseFramer f = new SseFramer();
        assertThat(f.feed("data: a\n\n: bye\n".getBytes(StandardCharsets.UTF_8))).hasSize(1);
        assertThat(f.finish().clean()).isTrue();
    }

    @Test
    void aLineOverTheLimitThrowsBeforeItIsBuffered() {
        SseFramer f = new SseFramer(64);
        byte[] piece = "xxxxxxxxxxxxxxxx".getBytes(StandardCharsets.UTF_8);
        f.feed("data: ".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 3; i++) {
            f.feed(piece);
        }
        assertThatThrownBy(() -> f.feed(piece)).isInstanceOfSatisfying(SseTooLargeException.class,
                e -> assertThat(e.limit()).isEqualTo(64)).hasMessageContaining("64 bytes");
    }

    @Test
    void aLineOverTheLimitIsRefusedWhetherItArrivesWholeOrInPieces() {
        for (String text : List.of("data: " + "x".repeat(80) + "\n\n", ": " + "p".repeat(80) + "\n")) {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> new SseFramer(64).feed(bytes)).as("whole: %s", text)
                    .isInstanceOf(SseTooLargeException.class);
            SseFramer split = new SseFramer(64);
            assertThatThrownBy(() -> {
                for (byte b : bytes) {
                    split.feed(new byte[] {b});
                }
            }).as("byte by byte: %s", text).isInstanceOf(SseTooLargeException.class);
        }
    }

    @Test
    void manyShortLinesOfOneEventCountTogether() {
        SseFramer f = new SseFramer(64);
        byte[] line = "data: 0123456789\n".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            assertThat(f.feed(line)).isEmpty();
        }
        assertThatThrownBy(() -> {
            for (int i = 0; i < 3; i++) {
                f.feed(line);
            }
        }).isInstanceOf(SseTooLargeException.class);
    }

    @Test
    void eventsUnderTheLimitPassHoweverManyThereAre() {
        SseFramer f = new SseFramer(64);
        byte[] event = "data: 0123456789\n\n".getBytes(StandardCharsets.UTF_8);
        int events = 0;
        for (int i = 0; i < 1000; i++) {
            events += f.feed(event).size();
        }
        assertThat(events).isEqualTo(1000);
        assertThatThrownBy(() -> new SseFramer(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
