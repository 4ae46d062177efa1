package dev.llmq.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * {@code --log-format json}: one JSON object per line, {@code timestamp} (ISO-8601, UTC), {@code level},
 * {@code logger}, {@code thread}, {@code message}, then the MDC entries (such as {@code job_id}, {@code batch_id},
 * {@code deployment}, {@code trace_id}) and SLF4J key-value pairs as top-level fields, and {@code exception} (the
 * whole stack trace as one string) when the event carries one. An MDC key that would replace one of the fixed fields
 * is written as {@code mdc.<key>}.
 *
 * <p>Logback's own {@code JsonEncoder} nests the MDC under {@code mdc}, writes the throwable as a tree and adds the
 * logger context to every line, which log pipelines then have to flatten; this keeps the line flat.
 */
final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

    private static final JsonFactory JSON = new JsonFactory();
    private static final Set<String> FIXED = Set.of("timestamp", "level", "logger", "thread", "message", "exception");
    private static final byte[] NO_BYTES = new byte[0];

    @Override
    public byte[] headerBytes() {
        return NO_BYTES;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("timestamp", event.getInstant().toString());
            json.writeStringField("level", event.getLevel().toString());
            json.writeStringField("logger", event.getLoggerName());
            json.writeStringField("thread", event.getThreadName());
            json.writeStringField("message", event.getFormattedMessage());
            Map<String, String> mdc = event.getMDCPropertyMap();
            if (mdc != null) {
                for (Map.Entry<String, String> entry : mdc.entrySet()) {
                    json.writeStringField(field(entry.getKey()), entry.getValue());
                }
            }
            if (event.getKeyValuePairs() != null) {
                for (KeyValuePair pair : event.getKeyValuePairs()) {
                    json.writeStringField(field(pair.key), String.valueOf(pair.value));
                }
            }
            if (event.getThrowableProxy() != null) {
                json.writeStringField("exception", ThrowableProxyUtil.asString(event.getThrowableProxy()));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static String field(String key) {
        return FIXED.contains(key) ? "mdc." + key : key;
    }

    @Override
    public byte[] footerBytes() {
        return NO_BYTES;
    }
}
