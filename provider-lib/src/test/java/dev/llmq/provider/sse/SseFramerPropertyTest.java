package dev.llmq.provider.sse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Law: framing does not depend on how the bytes were split, nor on which line ending was used. */
class SseFramerPropertyTest {

    record Ev(String type, List<String> lines) {
    }

    @Provide
    Arbitrary<List<Ev>> streams() {
        Arbitrary<String> line = Arbitraries.of("a", "b", " ", "{", "}", "\"", ":", ",", "é", "😀", "日", "-")
                .list().ofMaxSize(12).map(parts -> String.join("", parts));
        Arbitrary<String> type = Arbitraries.of("", "message", "content_block_delta", "ping");
        Arbitrary<Ev> ev = Combinators.combine(type, line.list().ofMinSize(1).ofMaxSize(3)).as(Ev::new);
        return ev.list().ofMinSize(1).ofMaxSize(8);
    }

    static String render(List<Ev> events, String nl) {
        StringBuilder sb = new StringBuilder();
        for (Ev e : events) {
            sb.append(": comment").append(nl);
            if (!e.type().isEmpty()) {
                sb.append("event: ").append(e.type()).append(nl);
            }
            for (String l : e.lines()) {
                sb.append("data: ").append(l).append(nl);
            }
            sb.append(nl);
        }
        return sb.toString();
    }

    @Property(tries = 200)
    void anySplitAndAnyLineEndingGiveTheSameEvents(@ForAll("streams") List<Ev> events,
                                                    @ForAll @Size(max = 6) List<@IntRange(min = 0, max = 10_000) Integer> cuts,
                                                    @ForAll @IntRange(min = 0, max = 2) int ending) {
        String nl = List.of("\n", "\r\n", "\r").get(ending);
        byte[] bytes = render(events, nl).getBytes(StandardCharsets.UTF_8);
        List<Integer> points = new ArrayList<>();
        cuts.forEach(c -> points.add(c % (bytes.length + 1)));
        points.add(0);
        points.add(bytes.length);
        points.sort(Integer::compare);
        SseFramer f = new SseFramer();
        List<SseEvent> got = new ArrayList<>();
        for (int i = 1; i < points.size(); i++) {
            got.addAll(f.feed(bytes, points.get(i - 1), points.get(i) - points.get(i - 1)));
        }
        assertThat(f.finish().clean()).isTrue();
        assertThat(got).hasSize(events.size());
        for (int i = 0; i < events.size(); i++) {
            Ev e = events.get(i);
            assertThat(got.get(i).event()).isEqualTo(e.type().isEmpty() ? "message" : e.type());
            assertThat(got.get(i).data()).isEqualTo(String.join("\n", e.lines()));
        }
    }
}
