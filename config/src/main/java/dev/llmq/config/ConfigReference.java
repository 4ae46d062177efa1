package dev.llmq.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Renders {@code docs/configuration.md}, the reference of every key, from the definitions. A test fails when the
 * committed file differs; {@link #main} writes it.
 */
public final class ConfigReference {

    /** Every section, in the order of the reference. */
    public static final List<ConfigDef> SECTIONS = List.of(DeploymentKeys.DEF, RouterKeys.DEF, LlmqKeys.DEF);

    private ConfigReference() {
    }

    public static String markdown() {
        StringBuilder out = new StringBuilder();
        out.append("# Configuration reference\n\n");
        out.append("<!-- Generated from the key definitions in config/src/main/java/dev/llmq/config; do not edit.\n");
        out.append("     Regenerate: ./mvnw -q -pl config test -Dllmq.docs.write=true -->\n\n");
        out.append("llmq reads one YAML file (`--config FILE`), compatible with LiteLLM's proxy `config.yaml` where "
                + "the concepts overlap, plus llmq's own `llmq:` section. Any value may be `os.environ/NAME`; "
                + "in `llmq:` an unset one stops only the roles that use its part (`llmq.ingest` the ingest, "
                + "`llmq.usage` the usage aggregator, and so on). "
                + "A file change is picked up without a restart: the deployments, router settings, API keys, "
                + "budgets, providers' limits and health settings; the rest of `llmq:` (topics, Kafka, the roles' "
                + "own settings) applies at a role's next start, which a reload that changes it says in a warning. "
                + "Keys llmq does not support are logged at start-up "
                + "and have no effect; keys llmq has removed are refused with the reason, and each section lists "
                + "its removed keys after its table.\n\n");
        for (ConfigDef def : SECTIONS) {
            out.append("## `").append(def.section()).append("`\n\n").append(def.intro()).append("\n\n")
                    .append(def.markdownTable()).append('\n');
            if (!def.removed().isEmpty()) {
                out.append("Removed keys: a config that still sets one of these is refused, naming the key and the "
                        + "reason. Delete them when upgrading.\n\n").append(def.removedTable()).append('\n');
            }
        }
        return out.toString();
    }

    /** Writes the reference to the given file (default {@code docs/configuration.md}). */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args.length > 0 ? args[0] : "docs/configuration.md");
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, markdown(), StandardCharsets.UTF_8);
    }
}
