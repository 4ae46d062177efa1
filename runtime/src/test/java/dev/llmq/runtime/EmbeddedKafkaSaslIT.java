package dev.llmq.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmq.schemas.LeftOpenTransactions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaSaslIT {

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).sasl("broker", "broker-secret")
                .saslUser("alice", "alice-secret").saslUser("bob", "bob \"quoted\" secret").build().start();
        try (Admin admin = Admin.create(props(kafka.superUserProperties()))) {
            admin.createTopics(List.of(new NewTopic("granted", 1, (short) 1), new NewTopic("denied", 1, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
            admin.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "gran",
                    PatternType.PREFIXED), new AccessControlEntry("User:alice", "*", AclOperation.ALL,
                    AclPermissionType.ALLOW)))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private static Map<String, Object> props(Map<String, String> security) {
        Map<String, Object> props = new HashMap<>(security);
        props.put("bootstrap.servers", kafka.bootstrapServers());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return props;
    }

    private static void send(Map<String, String> security, String topic) throws Exception {
        try (var producer = new KafkaProducer<>(props(security), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aUserWritesWhereItsAclsAllowWithScramAndPlainAlike() throws Exception {
        send(KafkaSasl.clientProperties(KafkaSasl.SCRAM_SHA_512, "alice", "alice-secret"), "granted");
        send(KafkaSasl.clientProperties(KafkaSasl.PLAIN, "alice", "alice-secret"), "granted");
    }

    /** A role whose principal may not describe transactions and producers runs as it did before the check. */
    @Test
    void withoutTheRightsToLookForTransactionsLeftOpenAProducerGoesOnWithout() {
        Map<String, Object> bob = props(KafkaSasl.clientProperties(KafkaSasl.PLAIN, "bob", "bob \"quoted\" secret"));
        try (LeftOpenTransactions leftOpen = new LeftOpenTransactions(() -> Admin.create(bob), List.of("granted"),
                null, Duration.ofSeconds(20))) {
            assertThat(leftOpen.describe("bob-tx")).as("not authorised: as unknown").isNull();
            assertThat(leftOpen.abortLeftOpen("bob-tx", null)).isEmpty();
        }
    }

    @Test
    void withoutAnAclTheBrokerSaysNotAuthorized() {
        assertThatThrownBy(() -> send(KafkaSasl.clientProperties(KafkaSasl.SCRAM_SHA_512, "alice", "alice-secret"),
                "denied")).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send(KafkaSasl.clientProperties(KafkaSasl.PLAIN, "bob", "bob \"quoted\" secret"),
                "granted")).isInstanceOf(ExecutionException.class).cause()
                .isInstanceOf(TopicAuthorizationException.class);
    }

    @Test
    void aWrongPasswordFailsAuthenticationForBothMechanisms() {
        for (String mechanism : List.of(KafkaSasl.PLAIN, KafkaSasl.SCRAM_SHA_512)) {
            try (Admin admin = Admin.create(props(KafkaSasl.clientProperties(mechanism, "alice", "wrong")))) {
                assertThatThrownBy(() -> admin.listTopics().names().get(30, TimeUnit.SECONDS)).as(mechanism)
                        .cause().isInstanceOf(SaslAuthenticationException.class)
                        .hasMessageContaining("Authentication failed");
            }
        }
    }
}
