package dev.llmq.router;

/** The llmq config file is invalid; the message names the offending entry. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
