package dev.llmq.router;

/** The llmq config file is invalid; the message names the offending entry. */
public final class ConfigException extends RuntimeException {

    private final String unsetVariable;

    public ConfigException(String message) {
        this(message, (String) null);
    }

    /**
     * @param unsetVariable the environment variable whose absence is the whole problem, or null
     */
    public ConfigException(String message, String unsetVariable) {
        super(message);
        this.unsetVariable = unsetVariable;
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
        this.unsetVariable = cause instanceof ConfigException c ? c.unsetVariable : null;
    }

    /** The unset environment variable an {@code os.environ/NAME} named, when that is the whole problem; else null. */
    public String unsetVariable() {
        return unsetVariable;
    }
}
