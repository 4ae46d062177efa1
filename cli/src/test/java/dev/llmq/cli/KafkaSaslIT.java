package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.llmq.runtime.EmbeddedKafka;
import dev.llmq.runtime.KafkaSasl;
import dev.llmq.runtime.mock.MockLlmServer;
import dev.llmq.schemas.JobResult;
import dev.llmq.schemas.JobStatus;
import dev.llmq.schemas.JsonSerde;
import dev.llmq.schemas.TopicNames;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * llmq against a broker with a SASL_PLAINTEXT listener and ACLs: the user {@code llmq} has only the ACLs the README
 * lists (its topics, consumer groups and transactional ids by prefix, creating topics), its password comes from the
 * environment ({@code LLMQ_KAFKA_SASL_JAAS_CONFIG}) and every Kafka client of every component must carry it, or the
 * role never gets ready. A wrong password and a user without ACLs end the start with a clear message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KafkaSaslIT {

    private static final String PREFIX = "llmq";
    private static final int JOBS = 20;

    private EmbeddedKafka kafka;
    private MockLlmServer mock;
    private Path dir;

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        kafka = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).sasl("broker", "broker-secret")
                .saslUser("llmq", "llmq-secret").saslUser("stranger", "stranger-secret").build().start();
        try (Admin admin = Admin.create(superUser())) {
            admin.createAcls(llmqAcls("User:llmq")).all().get(30, TimeUnit.SECONDS);
        }
        mock = MockLlmServer.builder().port(0).build().start();
    }

    @AfterAll
    void stop() throws Exception {
        TestConfigs.closeAll(mock, kafka);
    }

    /** What the README's "Kafka security" section tells an operator to grant. */
    static List<AclBinding> llmqAcls(String principal) {
        return List.of(
                allow(principal, ResourceType.TOPIC, PREFIX, AclOperation.ALL),
                allow(principal, ResourceType.GROUP, PREFIX, AclOperation.ALL),
                allow(principal, ResourceType.TRANSACTIONAL_ID, PREFIX, AclOperation.ALL),
                new AclBinding(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL),
                        new AccessControlEntry(principal, "*", AclOperation.CREATE, AclPermissionType.ALLOW)));
    }

    private static AclBinding allow(String principal, ResourceType type, String prefix, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, prefix, PatternType.PREFIXED),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }

    private Map<String, Object> superUser() {
        Map<String, Object> props = new HashMap<>(kafka.superUserProperties());
        props.put("bootstrap.servers", kafka.bootstrapServers());
        return props;
    }

    /** The standard config with SASL over SCRAM-SHA-512 in {@code llmq.kafka}, plus {@code extraKafka}. */
    private Path config(String name, String extraKafka) throws Exception {
        Path config = TestConfigs.write(Files.createDirectories(dir.resolve(name)), mock.openAiBaseUrl(), PREFIX);
        Files.writeString(config, Files.readString(config) + "  kafka: { security.protocol: SASL_PLAINTEXT, "
                + "sasl.mechanism: SCRAM-SHA-512" + extraKafka + " }\n");
        return config;
    }

    private Standalone standalone(Path config, String user, String password) {
        return Standalone.start(new Standalone.Options(config, config.getParent(), "127.0.0.1", 0, 0,
                Map.of("LLMQ_KAFKA_SASL_JAAS_CONFIG", KafkaSasl.jaas(KafkaSasl.SCRAM_SHA_512, user, password)),
                kafka.bootstrapServers()));
    }

    @Test
    void everyComponentRunsOverSaslWithOnlyLlmqsAcls() throws Exception {
        try (Standalone llmq = standalone(config("ok", ""), "llmq", "llmq-secret")) {
            await().atMost(Duration.ofSeconds(120)).until(llmq::ready);
            IngestClient client = new IngestClient(llmq.httpUrl());
            BatchRunner runner = new BatchRunner(client, JOBS, System.err);
            List<IngestClient.Submission> submissions = runner.submit(DemoSample.lines(JOBS));
            List<String> jobIds = submissions.stream().flatMap(s -> s.jobIds().stream()).toList();
            assertThat(runner.await(BatchRunner.batches(submissions), JOBS, false, System.nanoTime()).succeeded())
                    .isEqualTo(JOBS);

            Map<String, String> consumer = new HashMap<>(KafkaSasl.clientProperties(KafkaSasl.PLAIN, "llmq",
                    "llmq-secret"));
            consumer.put("bootstrap.servers", kafka.bootstrapServers());
            consumer.put("group.id", PREFIX + "-sasl-it-reader");
            List<JobResult> results = TopicReader.readAll(consumer, new TopicNames(PREFIX).results(),
                    JsonSerde.jobResult()::fromBytes, JOBS);
            assertThat(results).extracting(JobResult::jobId).containsExactlyInAnyOrderElementsOf(jobIds);
            assertThat(results).extracting(JobResult::status).containsOnly(JobStatus.SUCCEEDED);
        }
    }

    @Test
    void aWrongPasswordEndsEveryRolesStartWithOneLineNamingAuthentication() throws Exception {
        String wrong = KafkaSasl.jaas(KafkaSasl.SCRAM_SHA_512, "llmq", "not-the-password").replace("\"", "'");
        Path config = config("wrong", ", sasl.jaas.config: \"" + wrong + "\"");
        for (String role : List.of("ingest", "worker", "usage-aggregator")) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
                CommandLine cli = Main.commandLine();
                cli.setOut(new PrintWriter(out, true));
                cli.setErr(new PrintWriter(err, true));
                return cli.execute(role, "--config", config.toString(), "--bootstrap-servers",
                        kafka.bootstrapServers(), "--http-port", "0");
            });

            assertThat(exit).as(role).isEqualTo(1);
            assertThat(err.toString()).as(role)
                    .startsWith("llmq " + role + ": Kafka authentication failed at " + kafka.bootstrapServers())
                    .contains("SCRAM-SHA-512").doesNotContain("not-the-password").doesNotContain("\tat ");
            assertThat(err.toString().lines()).as(role).hasSize(1);
        }
    }

    @Test
    void aUserWithoutAclsIsToldItIsNotAuthorized() throws Exception {
        Path config = config("stranger", "");
        assertThatThrownBy(() -> standalone(config, "stranger", "stranger-secret"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("Kafka authorization failed at " + kafka.bootstrapServers())
                .hasMessageContaining("ACLs");
    }
}
