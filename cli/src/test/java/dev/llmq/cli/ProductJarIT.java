package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The shaded {@code llmq.jar} (built at {@code package}, checked at {@code integration-test}) carries the product
 * only: the embedded broker and the mock LLM server (product features, in the {@code runtime} module), and no test
 * library or test helper.
 */
class ProductJarIT {

    private static final Path JAR = Path.of("target", "llmq.jar");

    /** Class-path prefixes of test code: JUnit, Testcontainers, AssertJ, Awaitility, Mockito, jqwik, llmq's testkit. */
    private static final List<String> TEST_CODE = List.of("org/junit/", "org/opentest4j/", "org/testcontainers/",
            "org/assertj/", "org/awaitility/", "org/mockito/", "net/jqwik/", "dev/llmq/testkit/");

    private static List<String> entries() throws Exception {
        assertThat(JAR).as("the shaded jar (package runs before integration-test)").exists();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            return jar.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void carriesNoTestCode() throws Exception {
        assertThat(entries()).as("entries of %s", JAR.toAbsolutePath())
                .filteredOn(name -> TEST_CODE.stream().anyMatch(name::startsWith))
                .isEmpty();
    }

    @Test
    void carriesTheEmbeddedBrokerAndTheMockLlmServer() throws Exception {
        assertThat(entries()).contains("dev/llmq/runtime/EmbeddedKafka.class",
                "dev/llmq/runtime/mock/MockLlmServer.class", "dev/llmq/cli/Main.class");
        System.err.printf("ProductJarIT: %s is %,d bytes%n", JAR, Files.size(JAR));
    }
}
