package dev.llmq.worker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.llmq.runtime.KafkaCluster;
import dev.llmq.testkit.junit.KafkaClusterExtension;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link GroupDescriber} against a real broker, with members of either group protocol. */
@ExtendWith(KafkaClusterExtension.class)
class GroupDescriberIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final KafkaCluster kafka;
    private String topic;
    private String group;

    GroupDescriberIT(KafkaCluster kafka) {
        this.kafka = kafka;
    }

    @BeforeEach
    void topic() throws Exception {
        String name = "describer-" + System.nanoTime();
        topic = name + ".jobs";
        group = name + "-workers";
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
        }
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    private KafkaConsumer<byte[], byte[]> member(String protocol) {
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol,
                ConsumerConfig.GROUP_ID_CONFIG, group), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(topic));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            c.poll(Duration.ofMillis(50));
            assertThat(c.assignment()).isNotEmpty();
        });
        return c;
    }

    @ParameterizedTest(name = "group.protocol={0}")
    @ValueSource(strings = {"classic", "consumer"})
    void describesTheMembersAndTheirPartitions(String protocol) throws Exception {
        try (Admin admin = admin(); KafkaConsumer<byte[], byte[]> member = member(protocol)) {
            GroupDescriber describer = new GroupDescriber(admin, group);
            for (int i = 0; i < 2; i++) { // the first asks the general way, the second as the first found it
                GroupDescriber.Members members = describer.describe(List.of(topic, "other"), TIMEOUT);
                assertThat(members.stable()).isTrue();
                assertThat(members.withPartitions()).isEqualTo(1);
                assertThat(members.assignments().values()).singleElement()
                        .isEqualTo(Set.of(new TopicPartition(topic, 0), new TopicPartition(topic, 1)));
                assertThat(describer.describesAsClassic()).isEqualTo(protocol.equals("classic"));
            }
        }
    }

    @Test
    void aGroupNotYetCreatedIsNotFoundAndAskedTheGeneralWayAgain() throws Exception {
        try (Admin admin = admin()) {
            GroupDescriber describer = new GroupDescriber(admin, group);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> describer.describe(List.of(topic), TIMEOUT))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupIdNotFoundException.class);
                assertThat(describer.describesAsClassic()).isFalse();
            }
        }
    }

    /**
     * A classic group is described with the classic request only once it is known: Admin#describeConsumerGroups asks
     * with the consumer protocol's request first, which the broker refuses (and counts as an error) for a classic
     * group. Which of the admin client's calls the describer makes is counted on the way to the real client, so this
     * holds against any cluster.
     */
    @Test
    void aKnownClassicGroupIsDescribedWithoutARefusedRequest() throws Exception {
        Map<String, Integer> calls = new ConcurrentHashMap<>();
        try (Admin real = admin(); KafkaConsumer<byte[], byte[]> member = member("classic")) {
            Admin counted = (Admin) Proxy.newProxyInstance(Admin.class.getClassLoader(), new Class<?>[] {Admin.class},
                    (proxy, method, args) -> {
                        calls.merge(method.getName(), 1, Integer::sum);
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            GroupDescriber describer = new GroupDescriber(counted, group);
            describer.describe(List.of(topic), TIMEOUT);
            assertThat(calls).as("the first describe goes the general way").containsOnly(
                    Map.entry("describeConsumerGroups", 1));
            for (int i = 0; i < 3; i++) {
                assertThat(describer.describe(List.of(topic), TIMEOUT).withPartitions()).isEqualTo(1);
            }
            assertThat(calls).containsOnly(Map.entry("describeConsumerGroups", 1),
                    Map.entry("describeClassicGroups", 3));
        }
    }

    @Test
    void aClassicGroupThatWentIsAskedTheGeneralWayUntilItIsBack() throws Exception {
        try (Admin admin = admin()) {
            GroupDescriber describer = new GroupDescriber(admin, group);
            try (KafkaConsumer<byte[], byte[]> member = member("classic")) {
                describer.describe(List.of(topic), TIMEOUT);
                assertThat(describer.describesAsClassic()).isTrue();
            }
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    admin.deleteConsumerGroups(List.of(group)).all().get());
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> describer.describe(List.of(topic), TIMEOUT))
                        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(GroupIdNotFoundException.class);
                assertThat(describer.describesAsClassic()).isFalse();
            }
            try (KafkaConsumer<byte[], byte[]> member = member("classic")) {
                assertThat(describer.describe(List.of(topic), TIMEOUT).withPartitions()).isEqualTo(1);
                assertThat(describer.describesAsClassic()).isTrue();
            }
        }
    }
}
