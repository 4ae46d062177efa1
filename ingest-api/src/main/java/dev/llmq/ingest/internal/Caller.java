package dev.llmq.ingest.internal;

import dev.llmq.config.ApiKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Who makes a request, as {@link Authenticator} decided it: the API key (null when no key is configured), the tenant
 * the caller acts for and whether it sees every tenant.
 *
 * <ul>
 *   <li>No keys configured (dev mode): the tenant is {@code X-Llmq-Tenant} when given, and then reads are scoped to
 *       it; without the header the caller sees every job.</li>
 *   <li>A key without {@code admin}: the key's tenant, for submitting and for reading.</li>
 *   <li>An {@code admin} key: sees every tenant and submits as its own; with {@code X-Llmq-Tenant} it acts for that
 *       tenant (submits as it, reads only its jobs).</li>
 * </ul>
 *
 * @param key the key presented, or null when no key is configured
 * @param tenant the tenant jobs are submitted as and reads are scoped to; null only in dev mode without the header
 * @param allTenants true when reads are not scoped to {@code tenant}
 */
public record Caller(ApiKey key, String tenant, boolean allTenants) {

    public Caller {
        if (key != null) {
            Objects.requireNonNull(tenant, "tenant");
        }
        if (tenant == null && !allTenants) {
            throw new IllegalArgumentException("a caller without a tenant sees every tenant");
        }
    }

    /** Dev mode (no key configured): scoped by the {@code X-Llmq-Tenant} header when it is given. */
    public static Caller withoutKey(String tenantHeader) {
        return new Caller(null, tenantHeader, tenantHeader == null);
    }

    /** A checked key; {@code tenantHeader} (null for none) must already be allowed for it. */
    public static Caller of(ApiKey key, String tenantHeader) {
        if (key.allows(ApiKey.Scope.ADMIN)) {
            return new Caller(key, tenantHeader != null ? tenantHeader : key.tenant(), tenantHeader == null);
        }
        return new Caller(key, key.tenant(), false);
    }

    /** True when a job or batch of {@code jobTenant} (null: submitted without one) is visible to this caller. */
    public boolean sees(String jobTenant) {
        return allTenants || Objects.equals(tenant, jobTenant);
    }

    /** The job when this caller may see it, else empty: another tenant's job is exactly an unknown one. */
    public Optional<JobSnapshot> visible(Optional<JobSnapshot> job) {
        return job.filter(j -> sees(j.tenant()));
    }

    /** A batch's jobs when this caller may see every one (a batch is one submission's, one tenant's), else none. */
    public List<JobSnapshot> visible(List<JobSnapshot> batch) {
        return batch.stream().allMatch(j -> sees(j.tenant())) ? batch : List.of();
    }

    /** Whether the caller may submit jobs to {@code modelGroup} (and see it in {@code GET /v1/models}). */
    public boolean mayUse(String modelGroup) {
        return key == null || key.allowsModel(modelGroup);
    }

    /** The tenant {@code GET /v1/usage} is fixed to, or null when the caller may ask about any tenant. */
    public String usageTenant() {
        return allTenants ? null : tenant;
    }

    /** For logs: the key's name (never the key), or {@code (no key)}. */
    public String name() {
        return key == null ? "(no key)" : key.name();
    }

    /** The tags the key adds to every job it submits: its {@code tags} and {@code team:<team>} when it has a team. */
    public List<String> keyTags() {
        if (key == null) {
            return List.of();
        }
        List<String> tags = new ArrayList<>(key.tags());
        if (key.team() != null) {
            tags.add("team:" + key.team());
        }
        return List.copyOf(tags);
    }

    /**
     * The submission with the key's tags added to every job (after the job's own, without repeating one), once every
     * job's model group was checked against the key: 403 {@code model_not_allowed} naming the groups refused.
     */
    public ParsedSubmission admit(ParsedSubmission submission) {
        if (key == null) {
            return submission;
        }
        checkGroups(submission.jobs().stream().map(ParsedJob::modelGroup).toList());
        List<String> extra = keyTags();
        if (extra.isEmpty()) {
            return submission;
        }
        List<ParsedJob> jobs = new ArrayList<>(submission.jobs().size());
        for (ParsedJob j : submission.jobs()) {
            LinkedHashSet<String> tags = new LinkedHashSet<>(j.tags());
            tags.addAll(extra);
            jobs.add(j.withTags(List.copyOf(tags)));
        }
        return new ParsedSubmission(submission.multi(), jobs);
    }

    /** 403 {@code model_not_allowed} naming the groups of {@code groups} the key may not use; nothing when none. */
    public void checkGroups(Collection<String> groups) {
        Set<String> refused = new TreeSet<>();
        groups.forEach(g -> {
            if (!mayUse(g)) {
                refused.add(g);
            }
        });
        if (!refused.isEmpty()) {
            throw new ApiException(403, "invalid_request_error", "model_not_allowed", "model",
                    "the API key '" + key.name() + "' may not use the model group" + (refused.size() > 1 ? "s " : " ")
                            + String.join(", ", refused) + "; nothing was enqueued", "forbidden");
        }
    }
}
