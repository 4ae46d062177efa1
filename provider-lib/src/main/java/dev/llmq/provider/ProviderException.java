package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * Thrown by a provider call that failed; carries the classified {@link ProviderError} and, for a stream that failed
 * part-way (truncated, timed out, or an error event), the {@code chat.completion} assembled from what had arrived.
 */
public final class ProviderException extends RuntimeException {

    private final transient ProviderError error;
    private final transient ObjectNode partialCompletion;

    public ProviderException(ProviderError error) {
        this(error, null);
    }

    public ProviderException(ProviderError error, Throwable cause) {
        this(error, cause, null);
    }

    public ProviderException(ProviderError error, Throwable cause, ObjectNode partialCompletion) {
        super(Objects.requireNonNull(error, "error").kind().wire() + ": " + error.message(), cause);
        this.error = error;
        this.partialCompletion = partialCompletion == null ? null : partialCompletion.deepCopy();
    }

    public static ProviderException of(ErrorKind kind, String message) {
        return new ProviderException(ProviderError.of(kind, message));
    }

    public ProviderError error() {
        return error;
    }

    /** What a failed stream had produced before it failed (tokens received so far), if anything. */
    public Optional<ObjectNode> partialCompletion() {
        return Optional.ofNullable(partialCompletion).map(ObjectNode::deepCopy);
    }

    /** This error with the partial completion of a failed stream attached. */
    public ProviderException withPartial(ObjectNode partial) {
        return new ProviderException(error, this, partial);
    }
}
