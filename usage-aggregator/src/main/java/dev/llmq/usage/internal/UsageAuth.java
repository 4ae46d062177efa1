package dev.llmq.usage.internal;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.usage.UsageApiException;
import dev.llmq.usage.UsageQuery;
import java.util.Objects;

/**
 * Who may ask the aggregator what. With no API key configured everything is open (the role then binds to loopback).
 * With keys, {@code GET /v1/usage} needs {@code Authorization: Bearer <key>}:
 *
 * <ul>
 *   <li>the internal key (the ingest API forwarding for a user, another aggregator instance) is trusted: its query's
 *       {@code tenant} is honoured as given;</li>
 *   <li>an API key with {@code admin} scope asks anything; one with {@code read} scope is fixed to its own tenant
 *       (a {@code tenant} naming another is a 403);</li>
 *   <li>no key or an unknown one: 401; a key without {@code read} or {@code admin}: 403.</li>
 * </ul>
 *
 * The internal route (one instance's share) takes the internal key only. Keys are swapped whole on reload.
 */
public final class UsageAuth {


    private volatile ApiKeys keys;
    private final String internalKey;

    /** @param internalKey the secret the instances share; never null here (the caller draws a random one) */
    public UsageAuth(ApiKeys keys, String internalKey) {
        this.keys = keys == null ? ApiKeys.NONE : keys;
        this.internalKey = Objects.requireNonNull(internalKey, "internalKey");
    }

    /** Takes effect for the next request. */
    public void reload(ApiKeys value) {
        this.keys = value == null ? ApiKeys.NONE : value;
    }

    /** True when API keys are configured (requests must present one). */
    public boolean required() {
        return !keys.isEmpty();
    }

    /**
     * Who asks, from the {@code Authorization} header: checked before the query is read, so that a caller without a
     * key learns nothing from parameter errors.
     *
     * @param authorization the {@code Authorization} header, or null
     * @throws UsageApiException 401 without a valid key, 403 without the {@code read} or {@code admin} scope
     */
    public Caller authenticate(String authorization) {
        ApiKeys current = keys;
        if (current.isEmpty()) {
            return Caller.ANYONE;
        }
        String presented = bearer(authorization);
        if (isInternal(presented)) {
            return Caller.ANYONE;
        }
        ApiKey key = current.find(presented).orElseThrow(() -> unauthorized("Incorrect API key provided."));
        if (key.allows(ApiKey.Scope.ADMIN)) {
            return Caller.ANYONE;
        }
        if (!key.allows(ApiKey.Scope.READ)) {
            throw forbidden("insufficient_permissions",
                    "the API key '" + key.name() + "' lacks the 'read' scope needed to read usage", null);
        }
        return new Caller(key.name(), key.tenant());
    }

    /**
     * A caller: one who may ask about any tenant (the internal key, an admin key, anyone while no key is configured),
     * or a {@code read} key bound to its tenant.
     *
     * @param keyName the key's name, for errors; null when unrestricted
     * @param tenant the only tenant the caller may ask about; null: any
     */
    public record Caller(String keyName, String tenant) {
        static final Caller ANYONE = new Caller(null, null);

        /**
         * The query as this caller may ask it: unchanged when unrestricted, else fixed to its tenant.
         *
         * @throws UsageApiException 403 when the query names another tenant
         */
        public UsageQuery scope(UsageQuery query) {
            if (tenant == null) {
                return query;
            }
            if (query.tenant() != null && !query.tenant().equals(tenant)) {
                throw forbidden("tenant_not_allowed",
                        "the API key '" + keyName + "' may read its own tenant's usage only", "tenant");
            }
            return query.withTenant(tenant);
        }
    }

    /**
     * Lets the internal key through (and anything while no key is configured).
     *
     * @throws UsageApiException 401 otherwise
     */
    public void requireInternal(String authorization) {
        if (required() && !isInternal(bearer(authorization))) {
            throw unauthorized("this route answers the other llmq instances only (the internal key).");
        }
    }

    /**
     * Whether {@code authorization} presents the internal key, whether or not API keys are configured; false for a
     * missing or malformed header (never a refusal).
     */
    public boolean presentsInternalKey(String authorization) {
        String presented = ApiKeys.bearerToken(authorization);
        return presented != null && isInternal(presented);
    }

    /** The {@code Authorization} value this instance presents to the others. */
    public String internalAuthorization() {
        return ApiKeys.authorization(internalKey);
    }

    private boolean isInternal(String presented) {
        return ApiKeys.sameKey(presented, internalKey);
    }

    private static String bearer(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            throw unauthorized("You didn't provide an API key. Send it as 'Authorization: Bearer <key>'.");
        }
        String key = ApiKeys.bearerToken(authorization);
        if (key == null) {
            throw unauthorized("The Authorization header must be 'Bearer <key>'.");
        }
        return key;
    }

    private static UsageApiException unauthorized(String message) {
        return new UsageApiException(401, "invalid_request_error", "invalid_api_key", null, message);
    }

    /** A 403 with the ingest API's codes for the same refusals. */
    private static UsageApiException forbidden(String code, String message, String param) {
        return new UsageApiException(403, "invalid_request_error", code, param, message);
    }
}
