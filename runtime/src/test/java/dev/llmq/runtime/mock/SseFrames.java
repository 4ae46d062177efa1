package dev.llmq.runtime.mock;

import java.util.ArrayList;
import java.util.List;

/** Strict SSE parsing for tests: every event must be framed exactly as the provider frames it. */
final class SseFrames {

    /** One event: its {@code event:} name (null when absent) and its single {@code data:} line. */
    record Frame(String event, String data) {
    }

    private SseFrames() {
    }

    /**
     * Splits {@code body} at {@code separator} ({@code "\n\n"} or {@code "\r\n\r\n"}); an event is an optional
     * {@code event: NAME} line and one {@code data: X} line, lines ending with half the separator.
     */
    static List<Frame> parse(String body, String separator) {
        String lineEnd = separator.substring(0, separator.length() / 2);
        List<Frame> out = new ArrayList<>();
        int i = 0;
        while (i < body.length()) {
            int end = body.indexOf(separator, i);
            if (end < 0) {
                throw new AssertionError("unterminated event at offset " + i + ": " + body.substring(i));
            }
            String block = body.substring(i, end);
            String[] lines = block.split(java.util.regex.Pattern.quote(lineEnd), -1);
            String event = null;
            String data;
            if (lines.length == 2 && lines[0].startsWith("event: ")) {
                event = lines[0].substring(7);
                data = lines[1];
            } else if (lines.length == 1) {
                data = lines[0];
            } else {
                throw new AssertionError("unexpected event block: " + block);
            }
            if (!data.startsWith("data: ") || data.contains("\n") || data.contains("\r")) {
                throw new AssertionError("not a single data line: " + block);
            }
            out.add(new Frame(event, data.substring(6)));
            i = end + separator.length();
        }
        return out;
    }
}
