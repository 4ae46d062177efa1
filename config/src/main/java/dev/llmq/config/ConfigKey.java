package dev.llmq.config;

import java.util.Objects;

/**
 * One configuration key: its dotted name, type, default, validator and doc, in one place. Parsers read values through
 * {@link #parse}, settings classes take defaults from {@link #defaultValue()} and check values with
 * {@link #validate}, and {@code docs/configuration.md} is generated from the definitions.
 *
 * @param name the dotted YAML path, e.g. {@code llmq.worker.max_in_flight}; {@code <provider>}-style parts stand for
 *             a name the user chooses
 * @param defaultValue the value when the key is absent, or null when absence means "not set"
 * @param example a YAML value for the docs and for the test that every documented key is read
 */
public record ConfigKey<T>(String name, ConfigType<T> type, T defaultValue, Validator<? super T> validator,
                           String doc, String example) {

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z_]+(\\.([a-z0-9_]+(\\[\\])?|<[a-z_]+>|\\*))*")) {
            throw new IllegalArgumentException("key names are dotted snake_case: " + name);
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(validator, "validator");
        Objects.requireNonNull(doc, "doc");
        Objects.requireNonNull(example, "example");
        if (defaultValue != null) {
            String problem = validator.problem(defaultValue);
            if (problem != null) {
                throw new IllegalArgumentException(name + ": default " + problem);
            }
        }
    }

    /**
     * The value of a raw YAML scalar: converted, validated, or the default when absent.
     *
     * @param raw a String, Number or Boolean, or null when the key is absent
     * @throws IllegalArgumentException naming the key and the problem
     */
    public T parse(Object raw) {
        return parse(raw, name);
    }

    /**
     * As {@link #parse(Object)}, with the concrete key name for errors (e.g. {@code llmq.providers.openai.rpm} for
     * {@code llmq.providers.<provider>.rpm}).
     */
    public T parse(Object raw, String concreteName) {
        if (raw == null) {
            return defaultValue;
        }
        T value;
        try {
            value = type.convert(raw);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(concreteName + ": " + e.getMessage(), e);
        }
        return validate(value, concreteName);
    }

    /**
     * Checks a value against the key's rule; null passes (not set).
     *
     * @return the value
     * @throws IllegalArgumentException naming the key and the problem
     */
    public T validate(T value) {
        return validate(value, name);
    }

    /** As {@link #validate(Object)}, naming the value as the caller knows it (e.g. {@code weight}). */
    public T validate(T value, String concreteName) {
        if (value != null) {
            String problem = validator.problem(value);
            if (problem != null) {
                throw new IllegalArgumentException(concreteName + " " + problem);
            }
        }
        return value;
    }

    /** The last part of the name, as it appears in its YAML map (e.g. {@code max_in_flight}). */
    public String leaf() {
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
