package dev.llmq.runtime;

import java.util.Map;
import java.util.Objects;

/**
 * Kafka client properties for a SASL_PLAINTEXT listener (as {@link EmbeddedKafka.Builder#sasl} starts one): the
 * {@code security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config} a client needs, as they go under
 * {@code llmq.kafka} in the config. TLS (SASL_SSL) adds only the {@code ssl.*} properties.
 */
public final class KafkaSasl {

    public static final String PLAIN = "PLAIN";
    public static final String SCRAM_SHA_512 = "SCRAM-SHA-512";

    private KafkaSasl() {
    }

    /** {@code security.protocol=SASL_PLAINTEXT}, the mechanism and its login module with the user's credentials. */
    public static Map<String, String> clientProperties(String mechanism, String user, String password) {
        return Map.of("security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", mechanism,
                "sasl.jaas.config", jaas(mechanism, user, password));
    }

    /** The {@code sasl.jaas.config} value for a client of the mechanism (PLAIN or SCRAM-SHA-256/512). */
    public static String jaas(String mechanism, String user, String password) {
        String module = switch (Objects.requireNonNull(mechanism, "mechanism")) {
            case PLAIN -> "org.apache.kafka.common.security.plain.PlainLoginModule";
            case "SCRAM-SHA-256", SCRAM_SHA_512 -> "org.apache.kafka.common.security.scram.ScramLoginModule";
            default -> throw new IllegalArgumentException("unsupported SASL mechanism " + mechanism
                    + " (known: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)");
        };
        return module + " required username=" + quoted(user) + " password=" + quoted(password) + ";";
    }

    /** A JAAS option value: in double quotes, with backslashes and quotes escaped. */
    public static String quoted(String value) {
        return "\"" + Objects.requireNonNull(value, "value").replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
