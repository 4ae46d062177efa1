package dev.llmq.router;

import dev.llmq.config.ConfigDef;
import dev.llmq.config.ConfigKey;
import dev.llmq.config.ConfigReference;
import dev.llmq.config.DeploymentKeys;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * "Did you mean": the supported key an unsupported one was most likely meant to be, for the warning that names
 * unsupported keys ({@code router_setings} is {@code router_settings}, {@code llmq.worker.max_inflight} is
 * {@code llmq.worker.max_in_flight}). A key matches a supported one, or a section of one, of as many parts when all
 * its parts but one are the same ({@code <provider>}-like parts match any) and that one is at most two edits away
 * (one for parts of up to four characters).
 */
public final class KeySuggestions {

    private static final Pattern ENTRY = Pattern.compile("^(model_list\\[\\d+]\\.)(.+)$");
    private static final Pattern INDEX = Pattern.compile("\\[\\d+]");
    /** Distances up to a bound (-1 beyond it); thread-safe. */
    private static final LevenshteinDistance ONE_EDIT = new LevenshteinDistance(1);
    private static final LevenshteinDistance TWO_EDITS = new LevenshteinDistance(2);

    /** Every supported key outside {@code model_list} and every section of one, split into its parts. */
    private static final List<String[]> TOP = candidates(ConfigReference.SECTIONS.stream()
            .filter(d -> d != DeploymentKeys.DEF).toList(), List.of("model_list"));
    /** The same inside a {@code model_list} entry. */
    private static final List<String[]> ENTRY_KEYS = candidates(List.of(DeploymentKeys.DEF), List.of());

    private KeySuggestions() {
    }

    /** {@code key}, followed by {@code (did you mean ...?)} when a supported key is near. */
    public static String describe(String key) {
        return suggest(key).map(s -> key + " (did you mean " + s + "?)").orElse(key);
    }

    /** The supported key {@code key} (as the parser reports it, indices included) was most likely meant to be. */
    public static Optional<String> suggest(String key) {
        Matcher entry = ENTRY.matcher(key);
        String prefix = entry.matches() ? entry.group(1) : "";
        String rest = entry.matches() ? entry.group(2) : key;
        String[] parts = rest.split("\\.", -1);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String[] candidate : entry.matches() ? ENTRY_KEYS : TOP) {
            if (candidate.length != parts.length) {
                continue;
            }
            int differing = -1;
            for (int i = 0; i < parts.length && differing != -2; i++) {
                if (!same(parts[i], candidate[i])) {
                    differing = differing == -1 ? i : -2;
                }
            }
            if (differing < 0) {
                continue; // the same key (reported for another reason), or more than one part differs
            }
            String typed = INDEX.matcher(parts[differing]).replaceAll("");
            String meant = candidate[differing].replace("[]", "");
            int distance = (typed.length() <= 4 ? ONE_EDIT : TWO_EDITS).apply(typed, meant);
            if (distance >= 0 && distance < bestDistance) {
                String[] fixed = parts.clone();
                fixed[differing] = parts[differing].replace(typed, meant);
                best = prefix + String.join(".", fixed);
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    private static boolean same(String typed, String supported) {
        if (supported.startsWith("<")) {
            return true;
        }
        return INDEX.matcher(typed).replaceAll("[]").equals(supported)
                || INDEX.matcher(typed).replaceAll("").equals(supported);
    }

    private static List<String[]> candidates(List<ConfigDef> defs, List<String> sections) {
        Set<String> names = new LinkedHashSet<>(sections);
        for (ConfigDef def : defs) {
            for (ConfigKey<?> k : def.keys()) {
                String[] parts = k.name().split("\\.");
                for (int n = 1; n <= parts.length; n++) {
                    names.add(String.join(".", java.util.Arrays.copyOf(parts, n)));
                }
            }
        }
        List<String[]> out = new ArrayList<>();
        names.forEach(n -> out.add(n.split("\\.")));
        return List.copyOf(out);
    }
}
