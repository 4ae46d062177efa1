package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKey.Scope;
import dev.llmq.config.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The auth decision table: which route needs what, and what each presented key and tenant header gets. */
class AuthenticatorTest {

    static final String READER = "llmq-sk-reader-acme";
    static final String SUBMITTER = "llmq-sk-submitter-acme";
    static final String ADMIN = "llmq-sk-admin-ops";
    static final String INTERNAL = "internal-secret";

    static ApiKey key(String name, String plain, String tenant, Scope... scopes) {
        return new ApiKey(name, ApiKeys.hash(plain), tenant, null, List.of(), Set.of(), Set.of(scopes), null, null);
    }

    static final ApiKeys KEYS = ApiKeys.of(List.of(key("acme-reader", READER, "acme", Scope.READ),
            key("acme-submitter", SUBMITTER, "acme", Scope.SUBMIT), key("ops", ADMIN, "ops", Scope.ADMIN)));

    private final Authenticator auth = new Authenticator(KEYS, INTERNAL, new KeyRateLimits(java.time.Clock.systemUTC()));

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "GET, /health/live, OPEN", "GET, /health/ready, OPEN", "GET, /metrics, OPEN",
            "POST, /internal/v1/status, INTERNAL", "GET, /internal/anything, INTERNAL",
            "GET, /v1/jobs/job_1, READ", "GET, /v1/jobs/job_1/stream, READ", "GET, /v1/batches/b_1, READ",
            "GET, /v1/batches/b_1/results, READ", "GET, /v1/usage, READ", "HEAD, /v1/jobs/job_1, READ",
            "POST, /v1/jobs, SUBMIT", "POST, /v1/jobs/job_1/cancel, SUBMIT", "POST, /v1/batches/b_1/cancel, SUBMIT",
            "DELETE, /v1/jobs/job_1, SUBMIT", "PUT, /health/livex, SUBMIT",
            "GET, /health/live/, READ", "GET, /nope, READ", "GET, /metrics/../v1/jobs, READ"})
    void whatEachRouteNeeds(String method, String path, Authenticator.Access expected) {
        assertThat(Authenticator.access(method, path)).isEqualTo(expected);
    }

    static Stream<Arguments> refusals() {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("user:" + READER).getBytes(StandardCharsets.UTF_8));
        return Stream.of(
                Arguments.of("no header", null, Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("empty", "", Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("scheme only", "Bearer", Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("scheme and blank", "Bearer    ", Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("no scheme", READER, Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("Basic scheme", basic, Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("wrong key", "Bearer llmq-sk-wrong", Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("a key's hash", "Bearer " + ApiKeys.hash(READER), Scope.READ, null, 401,
                        "invalid_api_key"),
                Arguments.of("the internal key", "Bearer " + INTERNAL, Scope.READ, null, 401, "invalid_api_key"),
                Arguments.of("reader submits", "Bearer " + READER, Scope.SUBMIT, null, 403, "insufficient_permissions"),
                Arguments.of("submitter reads", "Bearer " + SUBMITTER, Scope.READ, null, 403,
                        "insufficient_permissions"),
                Arguments.of("reader acts for another tenant", "Bearer " + READER, Scope.READ, "globex", 403,
                        "tenant_not_allowed"),
                Arguments.of("blank tenant header", "Bearer " + ADMIN, Scope.READ, " ", 400, "invalid_header"),
                Arguments.of("long tenant header", "Bearer " + ADMIN, Scope.READ, "t".repeat(129), 400,
                        "invalid_header"),
                Arguments.of("a path for a tenant", "Bearer " + ADMIN, Scope.READ, "../../x y", 400,
                        "invalid_header"),
                Arguments.of("a control character", null, Scope.READ, "acme\u0000", 400, "invalid_header"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(String what, String authorization, Scope scope, String tenant, int status, String code) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> auth.caller(scope, authorization, tenant));
        assertThat(e).as(what).isNotNull();
        assertThat(e.status()).isEqualTo(status);
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.getMessage()).doesNotContain(READER).doesNotContain("llmq-sk-wrong").doesNotContain(INTERNAL);
        if (code.equals("insufficient_permissions")) {
            assertThat(e.getMessage()).contains("'" + scope.wire() + "'");
        }
    }

    static Stream<Arguments> admitted() {
        return Stream.of(
                Arguments.of("reader reads", "Bearer " + READER, Scope.READ, null, "acme", false),
                Arguments.of("scheme in any case", "bEaReR " + READER, Scope.READ, null, "acme", false),
                Arguments.of("reader names its own tenant", "Bearer " + READER, Scope.READ, "acme", "acme", false),
                Arguments.of("submitter submits", "Bearer " + SUBMITTER, Scope.SUBMIT, null, "acme", false),
                Arguments.of("admin reads everything", "Bearer " + ADMIN, Scope.READ, null, "ops", true),
                Arguments.of("admin submits", "Bearer " + ADMIN, Scope.SUBMIT, null, "ops", true),
                Arguments.of("admin acts for a tenant", "Bearer " + ADMIN, Scope.SUBMIT, "globex", "globex", false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("admitted")
    void admitted(String what, String authorization, Scope scope, String tenantHeader, String tenant,
                  boolean allTenants) {
        Caller c = auth.caller(scope, authorization, tenantHeader);
        assertThat(c.tenant()).as(what).isEqualTo(tenant);
        assertThat(c.allTenants()).as(what).isEqualTo(allTenants);
        assertThat(c.key()).isNotNull();
    }

    @Test
    void withoutKeysNothingIsCheckedAndTheHeaderScopesReads() {
        Authenticator open = new Authenticator(ApiKeys.NONE, INTERNAL, new KeyRateLimits(java.time.Clock.systemUTC()));
        assertThat(open.enabled()).isFalse();
        Caller anyone = open.caller(Scope.SUBMIT, null, null);
        assertThat(anyone).isEqualTo(Caller.withoutKey(null));
        assertThat(anyone.sees("acme")).isTrue();
        assertThat(anyone.sees(null)).isTrue();
        Caller acme = open.caller(Scope.READ, "Bearer whatever", "acme");
        assertThat(acme.tenant()).isEqualTo("acme");
        assertThat(acme.sees("acme")).isTrue();
        assertThat(acme.sees("globex")).isFalse();
        assertThat(acme.sees(null)).isFalse();
        assertThat(acme.usageTenant()).isEqualTo("acme");
        open.checkInternal(null);
    }

    @Test
    void aReloadRevokesAndAddsKeysAtOnce() {
        assertThat(auth.caller(Scope.READ, "Bearer " + READER, null).tenant()).isEqualTo("acme");
        String fresh = ApiKeys.generate();
        auth.reload(ApiKeys.of(List.of(key("globex", fresh, "globex", Scope.READ, Scope.SUBMIT))));

        assertThat(catchThrowableOfType(ApiException.class, () -> auth.caller(Scope.READ, "Bearer " + READER, null))
                .status()).isEqualTo(401);
        assertThat(auth.caller(Scope.SUBMIT, "Bearer " + fresh, null).tenant()).isEqualTo("globex");

        auth.reload(ApiKeys.NONE);
        assertThat(auth.caller(Scope.READ, null, null).key()).isNull();
    }

    @Test
    void theInternalRouteNeedsTheInternalKeyAndNoApiKeyWillDo() {
        auth.checkInternal("Bearer " + INTERNAL);
        for (String refused : new String[] {null, "Bearer ", "Bearer internal-secreT", "Bearer " + ADMIN, INTERNAL}) {
            ApiException e = catchThrowableOfType(ApiException.class, () -> auth.checkInternal(refused));
            assertThat(e).as(refused).isNotNull();
            assertThat(e.status()).isEqualTo(401);
            assertThat(e.code()).isEqualTo("invalid_api_key");
        }
    }

    @Test
    void authorizeLetsProbesThroughChecksTheInternalKeyAndCountsEachAdmittedRequest() {
        ApiKey limited = new ApiKey("limited", ApiKeys.hash(READER), "acme", null, List.of(), Set.of(),
                Set.of(Scope.READ), 1L, null);
        Authenticator a = new Authenticator(ApiKeys.of(List.of(limited)), INTERNAL,
                new KeyRateLimits(new StepClock(java.time.Instant.parse("2026-11-30T00:00:00Z"))));

        assertThat(a.authorize("GET", "/health/live", null, null)).isNull();
        assertThat(a.authorize("GET", "/metrics", "Bearer nonsense", null)).isNull();
        assertThat(a.authorize("POST", "/internal/v1/status", "Bearer " + INTERNAL, null)).isNull();
        assertThat(catchThrowableOfType(ApiException.class,
                () -> a.authorize("POST", "/internal/v1/status", "Bearer " + READER, null)).status()).isEqualTo(401);
        assertThat(catchThrowableOfType(ApiException.class,
                () -> a.authorize("POST", "/v1/jobs", "Bearer " + READER, null)).status()).isEqualTo(403);
        assertThat(a.authorize("GET", "/v1/jobs/job_1", "Bearer " + READER, null).tenant()).isEqualTo("acme");
        ApiException limitedNow = catchThrowableOfType(ApiException.class,
                () -> a.authorize("GET", "/v1/jobs/job_1", "Bearer " + READER, null));
        assertThat(limitedNow.status()).isEqualTo(429);
        assertThat(limitedNow.retryAfterSeconds()).isEqualTo(60);
    }
}
