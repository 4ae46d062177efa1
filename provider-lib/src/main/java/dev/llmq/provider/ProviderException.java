package dev.llmq.provider;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.spi.Redaction;
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

    /**
     * This exception with {@code secret} (and its partial forms, see {@link dev.llmq.provider.spi.Redaction}) removed
     * from every text of its error; a cause chain whose messages reveal the secret is dropped, since whoever logs this
     * exception logs its causes too. Itself when there is nothing to remove.
     */
    public ProviderException scrubbed(String secret) {
        if (secret == null || secret.isBlank()) {
            return this;
        }
        ProviderError e = error;
        ProviderError clean = new ProviderError(e.kind(), e.httpStatus(), scrub(e.providerType(), secret),
                scrub(e.providerCode(), secret), scrub(e.message(), secret), scrub(e.param(), secret), e.retryAfter(),
                scrub(e.requestId(), secret), scrub(e.snippet(), secret), e.sent());
        boolean causeReveals = false;
        for (Throwable t = getCause(); t != null && !causeReveals; t = t.getCause() == t ? null : t.getCause()) {
            causeReveals = t instanceof ProviderException pe ? pe != this && revealsIn(pe.error, secret)
                    : Redaction.revealsSecret(t.getMessage(), secret);
        }
        if (clean.equals(e) && !causeReveals) {
            return this;
        }
        return new ProviderException(clean, causeReveals ? null : getCause(), partialCompletion);
    }

    private static boolean revealsIn(ProviderError e, String secret) {
        return Redaction.revealsSecret(e.message(), secret)
                || Redaction.revealsSecret(e.snippet(), secret);
    }

    private static String scrub(String text, String secret) {
        return Redaction.scrubSecret(text, secret);
    }

    /**
     * This exception for a request that never reached the provider: thrown while it was being prepared (mapped,
     * checked), so its error says {@code sent} false; itself when it already does.
     */
    public ProviderException notSent() {
        return error.sent() ? new ProviderException(error.notSent(), getCause(), partialCompletion) : this;
    }

    /** This error with the partial completion of a failed stream attached. */
    public ProviderException withPartial(ObjectNode partial) {
        return new ProviderException(error, this, partial);
    }
}
