package dev.llmq.cli;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code llmq keys create} and {@code llmq keys hash}: API keys for {@code llmq.auth.keys}. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Make API keys for llmq.auth.keys (the config holds only their hashes).",
        subcommands = {KeysCommand.Create.class, KeysCommand.Hash.class})
final class KeysCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints a new key once, and the entry to paste under {@code llmq.auth.keys}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Print a new API key once and the entry to paste under llmq.auth.keys.",
                    "The key is not stored anywhere: copy it now."})
    static final class Create implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--tenant", required = true, description = "the tenant of the key's jobs")
        String tenant;

        @Option(names = "--name", description = "a label for logs and errors (default: <tenant>-<8 hex digits>)")
        String name;

        @Option(names = "--team", description = "a team within the tenant")
        String team;

        @Option(names = "--tags", split = ",", description = "tags added to every job submitted with the key")
        List<String> tags = List.of();

        @Option(names = "--models", split = ",", description = "model groups the key may submit to (default: all)")
        List<String> models = List.of();

        @Option(names = "--scopes", split = ",", defaultValue = "submit,read",
                description = "submit, read, admin (default: ${DEFAULT-VALUE})")
        List<String> scopes;

        @Option(names = "--rpm-limit", paramLabel = "N", description = "HTTP requests per minute (default: none)")
        Long rpmLimit;

        @Option(names = "--jobs-per-minute", paramLabel = "N", description = "jobs per minute (default: none)")
        Long jobsPerMinute;

        @Override
        public Integer call() {
            String key = ApiKeys.generate();
            String hash = ApiKeys.hash(key);
            ApiKey entry;
            try {
                entry = new ApiKey(name != null ? name : tenant + "-" + hash.substring("sha256:".length(),
                        "sha256:".length() + 8), hash, tenant, team, tags, new LinkedHashSet<>(models),
                        ApiKey.Scope.allOf(scopes.stream().map(String::trim).toList()), rpmLimit, jobsPerMinute);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("API key (shown once; llmq does not store it anywhere, only its hash goes into the config):");
            out.println();
            out.println("  " + key);
            out.println();
            out.println("Add this entry under llmq.auth.keys in the config, then reload or restart the roles:");
            out.println();
            out.print(yamlEntry(entry, tags, models, scopes));
            out.flush();
            return 0;
        }
    }

    /** Reads a key from the first line of stdin and prints its {@code key_hash}. */
    @Command(name = "hash", mixinStandardHelpOptions = true,
            description = "Read an API key from the first line of stdin and print its key_hash.")
    static final class Hash implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null || line.isBlank()) {
                throw new ParameterException(spec.commandLine(), "no key on stdin");
            }
            spec.commandLine().getOut().println(ApiKeys.hash(line.strip()));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** The YAML list item for one key, indented to sit under {@code llmq: auth: keys:}; every string quoted. */
    static String yamlEntry(ApiKey key, List<String> tags, List<String> models, List<String> scopes) {
        List<String> lines = new ArrayList<>();
        lines.add("- name: " + quote(key.name()));
        lines.add("  key_hash: " + quote(key.keyHash()));
        lines.add("  tenant: " + quote(key.tenant()));
        if (key.team() != null) {
            lines.add("  team: " + quote(key.team()));
        }
        if (!tags.isEmpty()) {
            lines.add("  tags: " + list(tags));
        }
        if (!models.isEmpty()) {
            lines.add("  models: " + list(models));
        }
        lines.add("  scopes: " + list(scopes));
        if (key.rpmLimit() != null) {
            lines.add("  rpm_limit: " + key.rpmLimit());
        }
        if (key.jobsPerMinute() != null) {
            lines.add("  jobs_per_minute: " + key.jobsPerMinute());
        }
        return lines.stream().map(l -> "      " + l + "\n").collect(Collectors.joining());
    }

    private static String list(List<String> values) {
        return values.stream().map(String::trim).map(KeysCommand::quote).collect(Collectors.joining(", ", "[", "]"));
    }

    private static String quote(String value) {
        return "'" + value.replace("'", "''") + "'";
    }
}
