package dev.llmq.router;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A loaded llmq config file.
 *
 * @param deployments every {@code model_list} entry, in file order
 * @param unsupportedKeys dotted names of keys llmq does not support (e.g. {@code general_settings.master_key});
 *                        the caller logs them at start-up
 */
public record LlmqConfig(List<Deployment> deployments, RouterSettings router, LlmqSettings llmq,
                         List<String> unsupportedKeys) {

    public LlmqConfig {
        deployments = List.copyOf(deployments);
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(llmq, "llmq");
        unsupportedKeys = unsupportedKeys == null ? List.of() : List.copyOf(unsupportedKeys);
    }

    /** The configured model groups, in file order. */
    public Set<String> modelGroups() {
        Set<String> groups = new LinkedHashSet<>();
        deployments.forEach(d -> groups.add(d.modelGroup()));
        return java.util.Collections.unmodifiableSet(groups);
    }

    public List<Deployment> deploymentsOf(String modelGroup) {
        return deployments.stream().filter(d -> d.modelGroup().equals(modelGroup)).toList();
    }
}
