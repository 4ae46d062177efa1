package dev.llmq.router;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A loaded llmq config file.
 *
 * @param deployments every {@code model_list} entry, in file order; empty when read in {@link ConfigScope#NAMES}
 * @param modelGroups the configured model groups, in file order
 * @param unsupportedKeys dotted names of keys llmq does not support (e.g. {@code general_settings.master_key});
 *                        the caller logs them at start-up
 * @param leftOut the {@code model_list} entries a reload left out because they name an unset environment variable
 *                ({@link ConfigLoader#parse(String, Map, ConfigScope, Set, boolean)}): why, by model group; empty
 *                otherwise
 * @param notes what llmq read in the file but does not act on, for a reason other than not supporting it (a key of
 *              {@code litellm_settings} that {@code router_settings} overrides, as in LiteLLM), each a sentence; the
 *              caller prints or logs them as it does the unsupported keys
 */
public record LlmqConfig(List<Deployment> deployments, Set<String> modelGroups, RouterSettings router,
                         LlmqSettings llmq, List<String> unsupportedKeys, Map<String, List<String>> leftOut,
                         List<String> notes) {

    /** A config whose model groups are those of its deployments. */
    public LlmqConfig(List<Deployment> deployments, RouterSettings router, LlmqSettings llmq,
                      List<String> unsupportedKeys) {
        this(deployments, groupsOf(deployments), router, llmq, unsupportedKeys, Map.of());
    }

    /** A config whose model groups are those of its deployments, with entries a reload left out and notes. */
    public LlmqConfig(List<Deployment> deployments, RouterSettings router, LlmqSettings llmq,
                      List<String> unsupportedKeys, Map<String, List<String>> leftOut, List<String> notes) {
        this(deployments, groupsOf(deployments), router, llmq, unsupportedKeys, leftOut, notes);
    }

    /** A config without notes. */
    public LlmqConfig(List<Deployment> deployments, Set<String> modelGroups, RouterSettings router,
                      LlmqSettings llmq, List<String> unsupportedKeys, Map<String, List<String>> leftOut) {
        this(deployments, modelGroups, router, llmq, unsupportedKeys, leftOut, List.of());
    }

    /** A config with nothing left out. */
    public LlmqConfig(List<Deployment> deployments, Set<String> modelGroups, RouterSettings router,
                      LlmqSettings llmq, List<String> unsupportedKeys) {
        this(deployments, modelGroups, router, llmq, unsupportedKeys, Map.of());
    }

    public LlmqConfig {
        deployments = List.copyOf(deployments);
        modelGroups = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(modelGroups));
        if (!deployments.isEmpty() && !modelGroups.equals(groupsOf(deployments))) {
            throw new IllegalArgumentException("model groups " + modelGroups + " do not match the deployments' "
                    + groupsOf(deployments));
        }
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(llmq, "llmq");
        unsupportedKeys = unsupportedKeys == null ? List.of() : List.copyOf(unsupportedKeys);
        Map<String, List<String>> out = new LinkedHashMap<>();
        (leftOut == null ? Map.<String, List<String>>of() : leftOut).forEach((g, why) -> out.put(g, List.copyOf(why)));
        leftOut = java.util.Collections.unmodifiableMap(out);
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** The names a job may give as its {@code model}: the model groups and their aliases. */
    public Set<String> jobModels() {
        Set<String> names = new LinkedHashSet<>(modelGroups);
        router.modelGroupAlias().forEach((alias, group) -> {
            if (modelGroups.contains(group)) {
                names.add(alias);
            }
        });
        return java.util.Collections.unmodifiableSet(names);
    }

    private static Set<String> groupsOf(List<Deployment> deployments) {
        Set<String> groups = new LinkedHashSet<>();
        deployments.forEach(d -> groups.add(d.modelGroup()));
        return groups;
    }

    public List<Deployment> deploymentsOf(String modelGroup) {
        return deployments.stream().filter(d -> d.modelGroup().equals(modelGroup)).toList();
    }
}
