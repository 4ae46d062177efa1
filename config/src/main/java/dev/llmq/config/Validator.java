package dev.llmq.config;

/**
 * A rule a configuration value must follow, with the words the docs use for it.
 *
 * @see Validators
 */
public interface Validator<T> {

    /** @return null when the value is valid, else what is wrong (e.g. {@code must be >= 1}) */
    String problem(T value);

    /** The rule in a few words, for the docs (e.g. {@code >= 1}); empty when anything goes. */
    String describe();
}
