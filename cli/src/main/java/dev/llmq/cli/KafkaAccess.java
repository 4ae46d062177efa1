package dev.llmq.cli;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, before a role starts its Kafka clients, that the cluster lets it in: that it authenticates (a wrong
 * password, mechanism or protocol) and may see llmq's topics (ACLs). Either failing ends the start with one clear
 * message, where the role's clients would otherwise keep retrying and the role never become ready. A cluster that
 * does not answer in time is only logged: the role's clients wait for it as they always did.
 */
final class KafkaAccess {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaAccess.class);

    private KafkaAccess() {
    }

    /**
     * @param clientProperties the role's Kafka client properties ({@link LoadedConfig#clientProperties})
     * @param topic one of llmq's topics, which the role must be allowed to describe (it need not exist yet)
     * @throws IllegalStateException naming authentication or authorization when the cluster turns the role away
     */
    static void check(Map<String, String> clientProperties, String topic, Duration timeout)
            throws InterruptedException {
        Map<String, Object> props = new HashMap<>(clientProperties);
        int millis = (int) timeout.toMillis();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        String servers = clientProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
        String protocol = clientProperties.getOrDefault(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster().clusterId().get(millis, TimeUnit.MILLISECONDS);
            try {
                admin.describeTopics(List.of(topic)).allTopicNames().get(millis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof AuthenticationException) {
                throw new IllegalStateException("Kafka authentication failed at " + servers + " (security.protocol "
                        + protocol + ", sasl.mechanism " + clientProperties.getOrDefault("sasl.mechanism", "GSSAPI")
                        + "): " + cause.getMessage() + "; check llmq.kafka.sasl.jaas.config (or "
                        + "LLMQ_KAFKA_SASL_JAAS_CONFIG) and llmq.kafka.ssl.*", cause);
            }
            if (cause instanceof AuthorizationException) {
                throw new IllegalStateException("Kafka authorization failed at " + servers + ": " + cause.getMessage()
                        + "; the user needs ACLs on llmq's topics, consumer groups and transactional ids (see "
                        + "README, Kafka security)", cause);
            }
            LOG.warn("Kafka at {} could not be checked ({}); starting anyway", servers, String.valueOf(cause));
        } catch (TimeoutException e) {
            LOG.warn("Kafka at {} did not answer within {} s; starting anyway, the clients keep trying", servers,
                    timeout.toSeconds());
        }
    }
}
