package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Fingerprints of submitted jobs, so a retry under the same {@code Idempotency-Key} can be told apart from a
 * different submission reusing the key. Computed the same way from a parsed request and from a {@code JobRequest}
 * read back from Kafka.
 */
public final class Fingerprints {

    private Fingerprints() {
    }

    public static String ofJob(ObjectMapper mapper, String customId, String modelGroup, ObjectNode body) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(String.valueOf(customId).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(modelGroup.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(mapper.writeValueAsBytes(body));
            return HexFormat.of().formatHex(sha.digest(), 0, 12);
        } catch (NoSuchAlgorithmException | JsonProcessingException e) {
            throw new IllegalStateException("cannot fingerprint a job", e);
        }
    }

    public static String ofSubmission(List<String> jobFingerprints) {
        return String.join(",", jobFingerprints);
    }
}
