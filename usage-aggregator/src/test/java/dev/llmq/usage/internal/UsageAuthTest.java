package dev.llmq.usage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.usage.UsageApiException;
import dev.llmq.usage.UsageQuery;
import dev.llmq.usage.UsageWindow;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Who may ask the aggregator what: 401, 403, and a read key fixed to its tenant. */
class UsageAuthTest {

    private static final String INTERNAL = "internal-secret";
    private static final String ACME_READ = "llmq-sk-acme-read";
    private static final String ACME_SUBMIT = "llmq-sk-acme-submit";
    private static final String OPS_ADMIN = "llmq-sk-ops-admin";
    private static final ApiKeys KEYS = ApiKeys.of(List.of(
            key("acme-read", ACME_READ, "acme", ApiKey.Scope.READ),
            key("acme-submit", ACME_SUBMIT, "acme", ApiKey.Scope.SUBMIT),
            key("ops", OPS_ADMIN, "ops", ApiKey.Scope.ADMIN)));
    private static final UsageQuery ALL = new UsageQuery("model", UsageWindow.TOTAL, null, null, null);

    private final UsageAuth auth = new UsageAuth(KEYS, INTERNAL);

    private static ApiKey key(String name, String key, String tenant, ApiKey.Scope scope) {
        return new ApiKey(name, ApiKeys.hash(key), tenant, null, List.of(), Set.of(), Set.of(scope), null, null);
    }

    @Test
    void aReadKeyIsFixedToItsOwnTenant() {
        assertThat(auth.authenticate("Bearer " + ACME_READ).scope(ALL).tenant()).isEqualTo("acme");
        assertThat(auth.authenticate("bearer  " + ACME_READ).scope(ALL.withTenant("acme")).tenant())
                .isEqualTo("acme");
    }

    @Test
    void aReadKeyNamingAnotherTenantIsA403OnTheTenantParameter() {
        UsageAuth.Caller acme = auth.authenticate("Bearer " + ACME_READ);
        assertThatThrownBy(() -> acme.scope(ALL.withTenant("globex")))
                .isInstanceOfSatisfying(UsageApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.body().at("/error/param").asText()).isEqualTo("tenant");
                    assertThat(e.body().at("/error/code").asText()).as("the ingest API's code")
                            .isEqualTo("tenant_not_allowed");
                })
                .hasMessageContaining("acme-read").hasMessageNotContaining(ACME_READ);
    }

    @Test
    void theInternalKeyAndAnAdminKeyAskAboutAnyTenantOrAll() {
        assertThat(auth.authenticate("Bearer " + INTERNAL).scope(ALL.withTenant("globex")).tenant())
                .isEqualTo("globex");
        assertThat(auth.authenticate("Bearer " + INTERNAL).scope(ALL).tenant()).isNull();
        assertThat(auth.authenticate("Bearer " + OPS_ADMIN).scope(ALL)).isEqualTo(ALL);
        assertThat(auth.authenticate("Bearer " + OPS_ADMIN).scope(ALL.withTenant("acme")).tenant())
                .isEqualTo("acme");
    }

    @Test
    void aKeyWithoutReadOrAdminIsA403NamingTheScope() {
        assertThatThrownBy(() -> auth.authenticate("Bearer " + ACME_SUBMIT))
                .isInstanceOfSatisfying(UsageApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.body().at("/error/code").asText()).isEqualTo("insufficient_permissions");
                })
                .hasMessageContaining("'read' scope");
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "Bearer", "Bearer ", "Basic YWJjOmRlZg==", ACME_READ, "Bearer wrong-key",
        "Bearer " + INTERNAL + "x"})
    void noValidKeyIsA401InOpenAisShape(String authorization) {
        assertThatThrownBy(() -> auth.authenticate(authorization))
                .isInstanceOfSatisfying(UsageApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.body().path("error").fieldNames()).toIterable()
                            .containsExactly("message", "type", "param", "code");
                    assertThat(e.body().at("/error/code").asText()).isEqualTo("invalid_api_key");
                });
    }

    @Test
    void theInternalRouteTakesTheInternalKeyOnly() {
        auth.requireInternal("Bearer " + INTERNAL);
        assertThat(auth.internalAuthorization()).isEqualTo("Bearer " + INTERNAL);
        assertThatThrownBy(() -> auth.requireInternal("Bearer " + OPS_ADMIN))
                .isInstanceOfSatisfying(UsageApiException.class, e -> assertThat(e.status()).isEqualTo(401));
        assertThatThrownBy(() -> auth.requireInternal(null))
                .isInstanceOfSatisfying(UsageApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }

    @Test
    void withoutKeysAnyoneAsksAnythingAndAReloadTurnsAuthenticationOnAndOff() {
        UsageAuth open = new UsageAuth(ApiKeys.NONE, INTERNAL);
        assertThat(open.required()).isFalse();
        assertThat(open.authenticate(null).scope(ALL.withTenant("globex")).tenant()).isEqualTo("globex");
        open.requireInternal(null);

        open.reload(KEYS);
        assertThat(open.required()).isTrue();
        assertThatThrownBy(() -> open.authenticate(null)).isInstanceOf(UsageApiException.class);
        assertThat(open.authenticate("Bearer " + ACME_READ).tenant()).isEqualTo("acme");

        open.reload(ApiKeys.of(List.of(key("ops", OPS_ADMIN, "ops", ApiKey.Scope.ADMIN))));
        assertThatThrownBy(() -> open.authenticate("Bearer " + ACME_READ))
                .isInstanceOfSatisfying(UsageApiException.class, e -> assertThat(e.status()).isEqualTo(401));
    }
}
