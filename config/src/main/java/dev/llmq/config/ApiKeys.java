package dev.llmq.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The API keys of {@code llmq.auth.keys}, looked up by the hash of a presented key. Keys are 256 random bits
 * ({@link #generate()}), so one SHA-256 is enough to keep the config from holding anything usable: no salt or slow
 * hash is needed against guessing (as for GitHub or Stripe tokens).
 */
public final class ApiKeys {

    /** The prefix of every key {@link #generate()} makes; lets secret scanners and people recognise one. */
    public static final String KEY_PREFIX = "llmq-sk-";
    public static final ApiKeys NONE = new ApiKeys(List.of());

    private static final String BEARER = "Bearer ";

    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<ApiKey> keys;
    private final Map<String, ApiKey> byHash;

    private ApiKeys(List<ApiKey> keys) {
        this.keys = List.copyOf(keys);
        Map<String, ApiKey> map = new HashMap<>();
        Map<String, ApiKey> byName = new HashMap<>();
        for (ApiKey k : this.keys) {
            if (map.putIfAbsent(k.keyHash(), k) != null) {
                throw new IllegalArgumentException("two keys with the same key_hash ('" + map.get(k.keyHash()).name()
                        + "' and '" + k.name() + "')");
            }
            if (byName.putIfAbsent(k.name(), k) != null) {
                throw new IllegalArgumentException("two keys named '" + k.name() + "'");
            }
        }
        this.byHash = Map.copyOf(map);
    }

    /** @throws IllegalArgumentException when two keys share a hash or a name */
    public static ApiKeys of(List<ApiKey> keys) {
        return keys == null || keys.isEmpty() ? NONE : new ApiKeys(keys);
    }

    public List<ApiKey> all() {
        return keys;
    }

    /** True when no key is configured: the roles then run without authentication, bound to loopback. */
    public boolean isEmpty() {
        return keys.isEmpty();
    }

    /** The key whose hash matches the presented key, if any. */
    public Optional<ApiKey> find(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty() || presentedKey.length() > 512) {
            return Optional.empty();
        }
        return Optional.ofNullable(byHash.get(hash(presentedKey)));
    }

    /**
     * The key of an {@code Authorization: Bearer <key>} header as OpenAI's clients send it (the scheme in any case,
     * spaces around the key ignored), or null when the header is missing, names another scheme or holds no key.
     */
    public static String bearerToken(String authorization) {
        if (authorization == null) {
            return null;
        }
        String value = authorization.strip();
        if (value.length() <= BEARER.length() || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String key = value.substring(BEARER.length()).strip();
        return key.isEmpty() ? null : key;
    }

    /** The {@code Authorization} header value that presents {@code key}: {@code Bearer <key>}. */
    public static String authorization(String key) {
        return BEARER + key;
    }

    /**
     * Whether the key of an {@code Authorization} header is {@code secret} (the instances' internal key), compared in
     * constant time.
     */
    public static boolean presents(String authorization, String secret) {
        String presented = bearerToken(authorization);
        return presented != null && sameKey(presented, secret);
    }

    /** Whether a presented key is {@code secret}, compared in constant time. */
    public static boolean sameKey(String presented, String secret) {
        return MessageDigest.isEqual(secret.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code sha256:} and the lowercase hex SHA-256 of the key's UTF-8 bytes: what {@code key_hash} holds. */
    public static String hash(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /** A new key: {@link #KEY_PREFIX} and 256 random bits, base64url without padding. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public String toString() {
        return "ApiKeys" + keys.stream().map(ApiKey::name).toList();
    }
}
