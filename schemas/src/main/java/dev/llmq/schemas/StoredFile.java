package dev.llmq.schemas;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.Objects;

/**
 * A file uploaded to the ingest ({@code POST /v1/files}), on {@code llmq.files.v1} keyed by its id: what OpenAI's File
 * object says of it, and where its content is. The content is on {@code llmq.file-parts.v1}, in {@code parts} records
 * keyed {@link #partKey}, from offset {@code firstOffset} on (other files' parts may come between), written in the
 * transaction that writes this record; deleting the file writes tombstones for both.
 *
 * @param id          the file id ({@code file-...})
 * @param tenant      the tenant that uploaded it, or null for none
 * @param filename    the name it was uploaded with
 * @param purpose     what it is for ({@code batch})
 * @param bytes       its size
 * @param lines       how many requests it holds (its non-blank lines)
 * @param createdAt   when it was uploaded
 * @param expiresAt   when it is deleted by itself, or null for never
 * @param firstOffset the offset of its first part on the parts topic (partition 0)
 * @param parts       how many parts its content is in
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record StoredFile(int schemaVersion, String id, @JsonInclude(JsonInclude.Include.NON_NULL) String tenant,
                         String filename, String purpose, long bytes, int lines, Instant createdAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Instant expiresAt, long firstOffset, int parts) {

    public static final int SCHEMA_VERSION = 1;
    /** The most content bytes in one part record (half of Kafka's default largest record). */
    public static final int PART_BYTES = 512 * 1024;

    public StoredFile {
        JobRequest.requireText(id, "id");
        Objects.requireNonNull(filename, "filename");
        JobRequest.requireText(purpose, "purpose");
        Objects.requireNonNull(createdAt, "created_at");
        if (bytes < 0 || lines < 0 || firstOffset < 0 || parts < 1) {
            throw new IllegalArgumentException("bytes, lines and first_offset must be at least 0 and parts at least 1"
                    + " (bytes " + bytes + ", lines " + lines + ", first_offset " + firstOffset + ", parts " + parts
                    + ")");
        }
        if (schemaVersion <= 0) {
            schemaVersion = SCHEMA_VERSION;
        }
    }

    /** The key of part {@code part} of file {@code fileId} on the parts topic: the id, a slash, 8 digits. */
    public static String partKey(String fileId, int part) {
        return fileId + "/" + String.format("%08d", part);
    }

    /** How many parts {@code bytes} of content take (at least one, for an empty file). */
    public static int partsOf(long bytes) {
        return (int) Math.max(1, (bytes + PART_BYTES - 1) / PART_BYTES);
    }
}
