package dev.llmq.schemas;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Jackson serde for one message record. Deserialization failures throw Kafka's {@link SerializationException} with
 * the reason, so consumers can dead-letter the record.
 */
public final class JsonSerde<T> implements Serde<T> {

    private final Class<T> type;
    private final ObjectMapper mapper;

    public JsonSerde(Class<T> type) {
        this(type, Json.mapper());
    }

    public JsonSerde(Class<T> type, ObjectMapper mapper) {
        this.type = Objects.requireNonNull(type, "type");
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    public static JsonSerde<JobRequest> jobRequest() {
        return new JsonSerde<>(JobRequest.class);
    }

    public static JsonSerde<StreamChunk> streamChunk() {
        return new JsonSerde<>(StreamChunk.class);
    }

    public static JsonSerde<JobResult> jobResult() {
        return new JsonSerde<>(JobResult.class);
    }

    public static JsonSerde<JobStatusEvent> jobStatusEvent() {
        return new JsonSerde<>(JobStatusEvent.class);
    }

    public static JsonSerde<JobControlMessage> jobControl() {
        return new JsonSerde<>(JobControlMessage.class);
    }

    public static JsonSerde<BatchManifest> batchManifest() {
        return new JsonSerde<>(BatchManifest.class);
    }

    public static JsonSerde<StoredFile> storedFile() {
        return new JsonSerde<>(StoredFile.class);
    }

    public static JsonSerde<BudgetMessage> budget() {
        return new JsonSerde<>(BudgetMessage.class);
    }

    public static JsonSerde<UsageRecord> usageRecord() {
        return new JsonSerde<>(UsageRecord.class);
    }

    public byte[] toBytes(T value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + type.getSimpleName(), e);
        }
    }

    /**
     * The record's value; null for no bytes (a tombstone).
     *
     * @throws SerializationException when the bytes are not a valid {@code T}, the JSON document {@code null} included
     */
    public T fromBytes(byte[] bytes) {
        return bytes == null ? null : fromBytes(bytes, 0, bytes.length);
    }

    /**
     * The value held in {@code length} bytes of {@code bytes} from {@code offset} (a part of a larger value).
     *
     * @throws SerializationException when those bytes are not a valid {@code T}, the JSON document {@code null}
     *                                included
     */
    public T fromBytes(byte[] bytes, int offset, int length) {
        try {
            T value = mapper.readValue(bytes, offset, length, type);
            if (value == null) {
                throw new SerializationException("not a valid " + type.getSimpleName() + ": the JSON document is null");
            }
            return value;
        } catch (SerializationException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            int newline = reason.indexOf('\n');
            throw new SerializationException("not a valid " + type.getSimpleName() + ": "
                    + (newline > 0 ? reason.substring(0, newline) : reason), e);
        }
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, data) -> data == null ? null : toBytes(data);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, data) -> fromBytes(data);
    }
}
