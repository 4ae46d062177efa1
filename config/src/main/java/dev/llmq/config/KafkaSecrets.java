package dev.llmq.config;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which Kafka client properties ({@code llmq.kafka.*}) hold secrets, so that llmq's own {@code toString()}s and logs
 * show them hidden, as Kafka's own config logging does for its {@code PASSWORD} types: {@code sasl.jaas.config},
 * the {@code ssl.*password}s, {@code ssl.keystore.key} and any property naming a secret, credential or token.
 */
public final class KafkaSecrets {

    /** What a hidden value shows. */
    public static final String HIDDEN = "[hidden]";

    private KafkaSecrets() {
    }

    /** True when the property's value must never be logged. */
    public static boolean isSecret(String property) {
        String name = property.toLowerCase(Locale.ROOT);
        return name.contains("jaas") || name.contains("password") || name.contains("secret")
                || name.contains("credential") || name.contains("token") || name.equals("ssl.keystore.key");
    }

    /** The properties, sorted, with every secret value replaced by {@link #HIDDEN}: for logs and toString(). */
    public static Map<String, String> redacted(Map<String, ?> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((name, value) -> out.put(name, isSecret(name) ? HIDDEN : String.valueOf(value)));
        return out;
    }
}
