package dev.llmq.provider.sse;

import java.time.Duration;
import java.util.Objects;

/**
 * One server-sent event as the framer dispatched it.
 *
 * @param event the {@code event:} field, or {@code "message"} when the event named none
 * @param data the {@code data:} lines joined with {@code \n}
 * @param id the last {@code id:} seen in the stream so far, or null
 * @param retry the {@code retry:} reconnection time carried by this event, or null
 */
public record SseEvent(String event, String data, String id, Duration retry) {

    public static final String DEFAULT_EVENT = "message";

    public SseEvent {
        event = event == null || event.isEmpty() ? DEFAULT_EVENT : event;
        Objects.requireNonNull(data, "data");
    }

    public static SseEvent data(String data) {
        return new SseEvent(DEFAULT_EVENT, data, null, null);
    }
}
