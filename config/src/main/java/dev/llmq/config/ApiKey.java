package dev.llmq.config;

import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One API key of {@code llmq.auth.keys}, as the config holds it: never the key itself, only its hash
 * ({@link ApiKeys#hash(String)}).
 *
 * @param name a label for logs and errors (never the key), e.g. {@code acme-batch}
 * @param keyHash {@code sha256:} and 64 lowercase hex digits
 * @param tenant the tenant every job submitted with the key belongs to; the only tenant the key can read
 * @param team an optional team within the tenant, or null
 * @param tags tags added to every job submitted with the key (empty: none)
 * @param models the model groups the key may submit to; empty means every group
 * @param scopes what the key may do
 * @param rpmLimit HTTP requests per minute the key may make, or null for no limit
 * @param jobsPerMinute jobs per minute the key may submit (a batch of 100 counts 100), or null for no limit
 */
public record ApiKey(String name, String keyHash, String tenant, String team, List<String> tags, Set<String> models,
                     Set<Scope> scopes, Long rpmLimit, Long jobsPerMinute) {

    /** Tenants, teams and key names: what a topic key, a metric tag and a log line can carry without escaping. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
    public static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");

    /** What a key may do. */
    public enum Scope {
        /** {@code POST /v1/jobs}, and cancelling its tenant's jobs and batches. */
        SUBMIT,
        /** Reading its tenant's jobs, batches, results, streams and usage. */
        READ,
        /** Everything, for every tenant (operators). */
        ADMIN;

        /** The name in the config and in error messages: {@code submit}, {@code read}, {@code admin}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @throws IllegalArgumentException for anything but submit, read and admin */
        public static Scope of(String wire) {
            for (Scope s : values()) {
                if (s.wire().equals(wire)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown scope '" + wire + "' (known: submit, read, admin)");
        }

        /** Every named scope ({@link #of}); empty for none. */
        public static Set<Scope> allOf(Collection<String> wire) {
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            wire.forEach(w -> scopes.add(of(w)));
            return scopes;
        }
    }

    public ApiKey {
        requireName(name, "name");
        Objects.requireNonNull(keyHash, "keyHash");
        if (!HASH.matcher(keyHash).matches()) {
            throw new IllegalArgumentException("key_hash must be 'sha256:' and 64 lowercase hex digits (as "
                    + "`llmq keys create` prints it), never the key itself");
        }
        requireName(tenant, "tenant");
        if (team != null) {
            requireName(team, "team");
        }
        tags = tags == null ? List.of() : List.copyOf(tags);
        models = models == null ? Set.of() : Set.copyOf(models);
        scopes = scopes == null || scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
        if (scopes.isEmpty()) {
            throw new IllegalArgumentException("scopes must name at least one of submit, read, admin");
        }
        if (rpmLimit != null && rpmLimit < 1) {
            throw new IllegalArgumentException("rpm_limit must be at least 1, got " + rpmLimit);
        }
        if (jobsPerMinute != null && jobsPerMinute < 1) {
            throw new IllegalArgumentException("jobs_per_minute must be at least 1, got " + jobsPerMinute);
        }
    }

    private static void requireName(String value, String what) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " must be 1 to 128 letters, digits or . _ : @ -, got "
                    + (value == null ? "nothing" : "'" + (value.length() > 40 ? value.substring(0, 40) + "..." : value) + "'"));
        }
    }

    /** True when the key has the scope, or {@code admin} (which implies every scope). */
    public boolean allows(Scope scope) {
        return scopes.contains(scope) || scopes.contains(Scope.ADMIN);
    }

    /** True when the key may submit to the model group. */
    public boolean allowsModel(String modelGroup) {
        return models.isEmpty() || models.contains(modelGroup) || scopes.contains(Scope.ADMIN);
    }
}
