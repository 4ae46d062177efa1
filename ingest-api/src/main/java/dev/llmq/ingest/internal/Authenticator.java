package dev.llmq.ingest.internal;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides who may call which route of the ingest API: {@code Authorization: Bearer <key>} as OpenAI's clients send
 * it, looked up by hash in the configured keys ({@link ApiKeys#find}); the keys are swapped at once on reload.
 *
 * <p>With no key configured nothing is checked (dev mode, bound to loopback) and the caller is scoped by
 * {@code X-Llmq-Tenant} only. With keys: no or an unknown key is 401 {@code invalid_api_key} (the presented key is never
 * echoed), a key without the route's scope is 403 naming the scope ({@code admin} implies every scope), and
 * {@code X-Llmq-Tenant} naming another tenant than the key's is 403 unless the key is {@code admin}. The health probes
 * and {@code /metrics} are always open; the internal routes ({@code /internal/...}) need the internal key, never an
 * API key. Refusals are logged at debug with the key's name only.
 */
public final class Authenticator {

    /** What a route needs. */
    public enum Access {
        /** Probes and scrapers: no key. */
        OPEN,
        /** Another ingest instance: the internal key. */
        INTERNAL,
        /** An API key with {@code read}. */
        READ,
        /** An API key with {@code submit}. */
        SUBMIT
    }

    /** The tenant header's longest accepted value. */
    public static final int MAX_TENANT = 128;
    static final String TENANT_HEADER = "X-Llmq-Tenant";
    private static final Logger LOG = LoggerFactory.getLogger(Authenticator.class);

    private final String internalKey;
    private final KeyRateLimits rates;
    private volatile ApiKeys keys;

    /**
     * @param keys the API keys at start ({@link ApiKeys#NONE}: no authentication)
     * @param internalKey the secret the ingest instances present to each other on the internal routes
     * @param rates the per-key rates, counting each admitted request
     */
    public Authenticator(ApiKeys keys, String internalKey, KeyRateLimits rates) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.internalKey = Objects.requireNonNull(internalKey, "internalKey");
        this.rates = Objects.requireNonNull(rates, "rates");
    }

    /**
     * Replaces the keys: a revoked key is refused from the next request on, a new one accepted; the rate buckets of
     * keys no longer configured are dropped.
     */
    public void reload(ApiKeys value) {
        this.keys = Objects.requireNonNull(value, "keys");
        rates.retain(value);
    }

    /**
     * Checks one request ({@link #access}): the caller of a {@code read} or {@code submit} route, its request counted
     * against its key's {@code rpm_limit}; null for an open route or an internal one whose key was checked.
     *
     * @throws ApiException 401, 403, 429 or 400 (a malformed tenant header)
     */
    public Caller authorize(String method, String path, String authorization, String tenantHeader) {
        Caller caller = switch (access(method, path)) {
            case OPEN -> null;
            case INTERNAL -> {
                checkInternal(authorization);
                yield null;
            }
            case READ -> caller(ApiKey.Scope.READ, authorization, tenantHeader);
            case SUBMIT -> caller(ApiKey.Scope.SUBMIT, authorization, tenantHeader);
        };
        if (caller != null) {
            rates.request(caller);
        }
        return caller;
    }

    public ApiKeys keys() {
        return keys;
    }

    /** True when keys are configured (requests are authenticated). */
    public boolean enabled() {
        return !keys.isEmpty();
    }

    /**
     * What a route needs, by method and path: the probes and {@code /metrics} are open, {@code /internal/...} needs
     * the internal key, every other path (unknown ones included, so they reveal nothing) an API key with {@code read}
     * for {@code GET} and {@code HEAD}, {@code submit} for any other method.
     */
    public static Access access(String method, String path) {
        if (path.equals("/health/live") || path.equals("/health/ready") || path.equals("/metrics")) {
            return Access.OPEN;
        }
        if (path.startsWith("/internal/")) {
            return Access.INTERNAL;
        }
        return method.equals("GET") || method.equals("HEAD") ? Access.READ : Access.SUBMIT;
    }

    /**
     * The caller of a route needing {@code scope}.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param tenantHeader the {@code X-Llmq-Tenant} header, or null
     * @throws ApiException 401, 403 or 400 (a malformed tenant header)
     */
    public Caller caller(ApiKey.Scope scope, String authorization, String tenantHeader) {
        if (tenantHeader != null && !ApiKey.NAME.matcher(tenantHeader).matches()) { // as a key's tenant is named
            throw ApiException.invalid("invalid_header", TENANT_HEADER, TENANT_HEADER + " must be 1 to " + MAX_TENANT
                    + " letters, digits or . _ : @ - (as an API key's tenant)");
        }
        ApiKeys current = keys;
        if (current.isEmpty()) {
            return Caller.withoutKey(tenantHeader);
        }
        String presented = ApiKeys.bearerToken(authorization);
        if (presented == null) {
            LOG.debug("refused a request without a bearer key");
            throw unauthorized("Missing API key: send it as 'Authorization: Bearer <key>'");
        }
        ApiKey key = current.find(presented).orElse(null);
        if (key == null) {
            LOG.debug("refused a request with an unknown key");
            throw unauthorized("Incorrect API key provided. Keys are made with 'llmq keys create'.");
        }
        if (!key.allows(scope)) {
            LOG.debug("refused key '{}': no '{}' scope", key.name(), scope.wire());
            throw forbidden("insufficient_permissions", "the API key '" + key.name() + "' lacks the scope '"
                    + scope.wire() + "' this request needs");
        }
        if (tenantHeader != null && !key.allows(ApiKey.Scope.ADMIN) && !tenantHeader.equals(key.tenant())) {
            LOG.debug("refused key '{}': acting for another tenant", key.name());
            throw forbidden("tenant_not_allowed", "the API key '" + key.name() + "' may act only for its own tenant;"
                    + " drop " + TENANT_HEADER + " (only admin keys may act for another tenant)");
        }
        return Caller.of(key, tenantHeader);
    }

    /** Checks the internal key of a call on an internal route (nothing to check when no API key is configured). */
    public void checkInternal(String authorization) {
        if (keys.isEmpty()) {
            return;
        }
        if (!ApiKeys.presents(authorization, internalKey)) {
            LOG.debug("refused an internal call without this cluster's internal key");
            throw unauthorized("this internal route needs the cluster's internal key (llmq.auth.internal_key)");
        }
    }

    private static ApiException unauthorized(String message) {
        return new ApiException(401, "invalid_request_error", "invalid_api_key", null, message, "unauthorized");
    }

    private static ApiException forbidden(String code, String message) {
        return new ApiException(403, "invalid_request_error", code, null, message, "forbidden");
    }
}
