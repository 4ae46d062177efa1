package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKey.Scope;
import dev.llmq.config.ApiKeys;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a caller may see, and what its key does to a submission (model groups, tags). */
class CallerTest {

    private static final Instant T0 = Instant.parse("2026-11-30T00:00:00Z");

    private static ApiKey key(Set<String> models, List<String> tags, String team, Scope... scopes) {
        return new ApiKey("k", ApiKeys.hash("plain"), "acme", team, tags, models, Set.of(scopes), null, null);
    }

    private static ParsedJob job(String group, String... tags) {
        return new ParsedJob(null, group, Json.mapper().createObjectNode(), false, 0, null, List.of(tags), Map.of());
    }

    private static JobSnapshot snapshot(String id, String tenant) {
        return new JobSnapshot(id, "b", null, tenant, "g", false, T0, JobStatus.QUEUED, null, null, null);
    }

    @Test
    void aModelGroupTheKeyMayNotUseRefusesTheWholeSubmissionNamingEveryGroupRefused() {
        Caller c = Caller.of(key(Set.of("gpt-4o-mini"), List.of(), null, Scope.SUBMIT), null);
        ParsedSubmission s = new ParsedSubmission(true, List.of(job("gpt-4o-mini"), job("o3"), job("claude"),
                job("o3")));

        ApiException e = catchThrowableOfType(ApiException.class, () -> c.admit(s));

        assertThat(e.status()).isEqualTo(403);
        assertThat(e.code()).isEqualTo("model_not_allowed");
        assertThat(e.getMessage()).contains("model groups claude, o3;").doesNotContain("gpt-4o-mini");
        assertThat(c.admit(new ParsedSubmission(false, List.of(job("gpt-4o-mini"))))).isNotNull();
    }

    @Test
    void aKeysModelsAreTheGroupsItMayUse() {
        assertThat(Caller.of(key(Set.of("gpt-4o-mini"), List.of(), null, Scope.READ), null).mayUse("o3")).isFalse();
        assertThat(Caller.of(key(Set.of("gpt-4o-mini"), List.of(), null, Scope.READ), null).mayUse("gpt-4o-mini"))
                .isTrue();
        assertThat(Caller.of(key(Set.of(), List.of(), null, Scope.READ), null).mayUse("o3")).isTrue();
        assertThat(Caller.withoutKey(null).mayUse("o3")).isTrue();
    }

    @Test
    void anAdminKeyOrAKeyWithoutModelsMayUseEveryGroup() {
        ParsedSubmission s = new ParsedSubmission(false, List.of(job("o3")));
        assertThat(Caller.of(key(Set.of("x"), List.of(), null, Scope.ADMIN), null).admit(s)).isEqualTo(s);
        assertThat(Caller.of(key(Set.of(), List.of(), null, Scope.SUBMIT), null).admit(s)).isEqualTo(s);
        assertThat(Caller.withoutKey("acme").admit(s)).isEqualTo(s);
    }

    @Test
    void theKeysTagsAndTeamAreAddedAfterTheJobsOwnWithoutRepeats() {
        Caller c = Caller.of(key(Set.of(), List.of("prod", "batch"), "search", Scope.SUBMIT), null);
        ParsedSubmission s = new ParsedSubmission(true, List.of(job("g", "mine", "prod"), job("g")));

        List<ParsedJob> jobs = c.admit(s).jobs();

        assertThat(jobs.get(0).tags()).containsExactly("mine", "prod", "batch", "team:search");
        assertThat(jobs.get(1).tags()).containsExactly("prod", "batch", "team:search");
    }

    @Test
    void anotherTenantsJobOrBatchIsNotThere() {
        Caller acme = Caller.of(key(Set.of(), List.of(), null, Scope.READ), null);
        assertThat(acme.visible(Optional.of(snapshot("j1", "acme")))).isPresent();
        assertThat(acme.visible(Optional.of(snapshot("j1", "globex")))).isEmpty();
        assertThat(acme.visible(Optional.of(snapshot("j1", null)))).isEmpty();
        assertThat(acme.visible(List.of(snapshot("j1", "acme"), snapshot("j2", "acme")))).hasSize(2);
        assertThat(acme.visible(List.of(snapshot("j1", "globex")))).isEmpty();
        assertThat(acme.usageTenant()).isEqualTo("acme");

        Caller admin = Caller.of(key(Set.of(), List.of(), null, Scope.ADMIN), null);
        assertThat(admin.visible(Optional.of(snapshot("j1", "globex")))).isPresent();
        assertThat(admin.usageTenant()).isNull();
        Caller actingForGlobex = Caller.of(key(Set.of(), List.of(), null, Scope.ADMIN), "globex");
        assertThat(actingForGlobex.visible(Optional.of(snapshot("j1", "acme")))).isEmpty();
        assertThat(actingForGlobex.usageTenant()).isEqualTo("globex");
    }
}
