package dev.llmq.config;

import java.util.Objects;

/**
 * A key llmq used to read and no longer does. A config that still sets it is refused with {@link #message()}
 * instead of having the key ignored like any unsupported one, so whoever upgrades learns which line to delete and
 * why. {@code docs/configuration.md} lists the removed keys after their section's table.
 *
 * @param name the dotted YAML path the key had, e.g. {@code llmq.worker.state_dir}
 * @param reason why the key went, written to follow "was removed: " in the message
 */
public record RemovedKey(String name, String reason) {

    public RemovedKey {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z_]+(\\.[a-z0-9_]+)+")) {
            throw new IllegalArgumentException("removed key names are dotted snake_case: " + name);
        }
        Objects.requireNonNull(reason, "reason");
        if (reason.isBlank()) {
            throw new IllegalArgumentException(name + ": the reason of a removed key must be given");
        }
    }

    /** What a config that sets the key is refused with: the key, that it was removed, why, and what to do. */
    public String message() {
        return name + " was removed: " + reason + ". Delete it from the config file.";
    }
}
