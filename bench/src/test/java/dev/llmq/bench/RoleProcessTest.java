package dev.llmq.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoleProcessTest {

    private static final Path JAVA = Path.of("/jdk/bin/java");
    private static final Path JAR = Path.of("llmq.jar");

    @Test
    void aRoleGetsTheLaunchersOptionsForItsJdkAndThenItsOwnWhichCanOverrideThem() {
        assertThat(RoleProcess.command(JAVA, 25, false, JAR, List.of("-XX:-UseCompactObjectHeaders", "-Xmx1g"),
                List.of("ingest", "--config", "c.yaml"))).containsExactly(JAVA.toString(),
                "--sun-misc-unsafe-memory-access=allow", "-XX:+UseCompactObjectHeaders", "-XX:-UseCompactObjectHeaders",
                "-Xmx1g", "-jar", "llmq.jar", "ingest", "--config", "c.yaml");
        assertThat(RoleProcess.command(JAVA, 23, false, JAR, List.of(), List.of("broker")))
                .containsExactly(JAVA.toString(), "--sun-misc-unsafe-memory-access=allow", "-jar", "llmq.jar", "broker");
        assertThat(RoleProcess.command(JAVA, 21, false, JAR, List.of(), List.of("broker")))
                .as("a JDK 21 knows neither option").containsExactly(JAVA.toString(), "-jar", "llmq.jar", "broker");
    }

    @Test
    void aRoleAsksForHugePagesWhereTheKernelGivesThemOnRequest() {
        assertThat(RoleProcess.command(JAVA, 21, true, JAR, List.of("-XX:-UseTransparentHugePages"),
                List.of("broker"))).containsExactly(JAVA.toString(), "-XX:+UseTransparentHugePages",
                "-XX:-UseTransparentHugePages", "-jar", "llmq.jar", "broker");
    }

    @Test
    void theKernelsModeIsTheOneInBrackets(@TempDir Path dir) throws Exception {
        Path mode = dir.resolve("enabled");
        Files.writeString(mode, "always [madvise] never\n");
        assertThat(RoleProcess.hugePagesOnRequest(mode)).isTrue();
        Files.writeString(mode, "[always] madvise never\n");
        assertThat(RoleProcess.hugePagesOnRequest(mode)).as("always: the heap gets them unasked").isFalse();
        Files.writeString(mode, "always madvise [never]\n");
        assertThat(RoleProcess.hugePagesOnRequest(mode)).isFalse();
        assertThat(RoleProcess.hugePagesOnRequest(dir.resolve("missing"))).as("no such file").isFalse();
    }
}
