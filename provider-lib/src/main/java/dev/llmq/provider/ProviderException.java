package dev.llmq.provider;

import java.util.Objects;

/** Thrown by a provider call that failed; carries the classified {@link ProviderError}. */
public final class ProviderException extends RuntimeException {

    private final transient ProviderError error;

    public ProviderException(ProviderError error) {
        this(error, null);
    }

    public ProviderException(ProviderError error, Throwable cause) {
        super(Objects.requireNonNull(error, "error").kind().wire() + ": " + error.message(), cause);
        this.error = error;
    }

    public ProviderError error() {
        return error;
    }
}
