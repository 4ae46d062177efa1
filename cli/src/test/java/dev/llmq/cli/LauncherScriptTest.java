package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./llmq} launcher's JVM options by the JDK's version and the kernel's transparent huge pages mode, run as
 * a user runs it: a copy of the script (and {@code .ci/find-jdk.sh}) beside jars that are up to date, with
 * {@code JAVA_HOME} a JDK whose {@code java} reports the version it is given and prints the arguments it gets, and
 * {@code LLMQ_THP_ENABLED} a file in place of {@code /sys/kernel/mm/transparent_hugepage/enabled}.
 */
class LauncherScriptTest {

    private static final String UNSAFE = "--sun-misc-unsafe-memory-access=allow";
    private static final String COMPACT_HEADERS = "-XX:+UseCompactObjectHeaders";
    private static final String HUGE_PAGES = "-XX:+UseTransparentHugePages";

    @TempDir
    Path root;
    /** What the launcher reads as the kernel's transparent huge pages mode (its file in /sys, the mode in brackets). */
    private String hugePagesMode = "always madvise [never]";

    @Test
    void jdk25GetsCompactHeadersBeforeTheUsersOptions() throws Exception {
        assertThat(launch(25, "-XX:-UseCompactObjectHeaders -Xmx1g", "standalone", "--http-port", "3"))
                .containsExactly(UNSAFE, COMPACT_HEADERS, "-XX:-UseCompactObjectHeaders", "-Xmx1g", "-jar", jar(),
                        "standalone", "--http-port", "3");
    }

    @Test
    void jdk23HasNoCompactHeadersYet() throws Exception {
        assertThat(launch(23, null, "standalone")).containsExactly(UNSAFE, "-jar", jar(), "standalone");
    }

    @Test
    void jdk21GetsNeitherOption() throws Exception {
        assertThat(launch(21, null, "standalone")).containsExactly("-jar", jar(), "standalone");
    }

    @Test
    void hugePagesAreAskedForWhereTheKernelGivesThemOnRequest() throws Exception {
        hugePagesMode = "always [madvise] never";
        assertThat(launch(25, "-XX:-UseTransparentHugePages", "standalone")).containsExactly(UNSAFE, COMPACT_HEADERS,
                HUGE_PAGES, "-XX:-UseTransparentHugePages", "-jar", jar(), "standalone");
        assertThat(launch(21, null, "standalone")).containsExactly(HUGE_PAGES, "-jar", jar(), "standalone");
    }

    @Test
    void hugePagesAreNotAskedForWhereTheKernelGivesThemAnywayOrNever() throws Exception {
        hugePagesMode = "[always] madvise never";
        assertThat(launch(21, null, "standalone")).as("always").containsExactly("-jar", jar(), "standalone");
        hugePagesMode = null; // no such file: not Linux, or a kernel without them
        assertThat(launch(21, null, "standalone")).as("no file").containsExactly("-jar", jar(), "standalone");
    }

    @Test
    void theDemoRunsOnTheFirstCompilerAloneUnlessTheUserSaysOtherwise() throws Exception {
        assertThat(launch(21, null, "demo", "--jobs", "3")).containsExactly("-XX:TieredStopAtLevel=1", "-jar", jar(),
                "demo", "--jobs", "3");
        assertThat(launch(25, "-XX:TieredStopAtLevel=4", "demo")).containsExactly(UNSAFE, COMPACT_HEADERS,
                "-XX:TieredStopAtLevel=1", "-XX:TieredStopAtLevel=4", "-jar", jar(), "demo");
    }

    @Test
    void benchRunsTheHarnessWithTheSameOptions() throws Exception {
        assertThat(launch(25, null, "bench", "e2e", "--duration", "5"))
                .containsExactly(UNSAFE, COMPACT_HEADERS, "--enable-native-access=ALL-UNNAMED",
                        "-Dllmq.home=" + root.toRealPath(), "-cp",
                        root.toRealPath().resolve("bench/target/benchmarks.jar").toString(),
                        "dev.llmq.bench.BenchMain", "e2e", "--duration", "5");
    }

    @Test
    void benchOnJdk23HasNoNativeAccessOptionYet() throws Exception {
        assertThat(launch(23, null, "bench", "e2e")).containsExactly(UNSAFE, "-Dllmq.home=" + root.toRealPath(), "-cp",
                root.toRealPath().resolve("bench/target/benchmarks.jar").toString(), "dev.llmq.bench.BenchMain", "e2e");
    }

    private String jar() throws IOException {
        return root.toRealPath().resolve("cli/target/llmq.jar").toString();
    }

    /** Runs the launcher with a JDK of {@code major}; returns the arguments its {@code java} was given. */
    private List<String> launch(int major, String javaOpts, String... args) throws Exception {
        Path repo = DeploymentFiles.root();
        if (!Files.exists(root.resolve("llmq"))) {
            copy(repo.resolve("llmq"), root.resolve("llmq"));
            copy(repo.resolve(".ci/find-jdk.sh"), root.resolve(".ci/find-jdk.sh"));
        }
        Path jdk = root.resolve("jdk-" + major);
        script(jdk.resolve("bin/java"), """
                #!/usr/bin/env bash
                if [ "$1" = -XshowSettings:properties ]; then
                  echo "    java.specification.version = %d" >&2
                  exit 0
                fi
                printf '%%s\\n' "$@"
                """.formatted(major));
        script(jdk.resolve("bin/javac"), "#!/usr/bin/env bash\nexit 0\n");
        for (String jar : List.of("cli/target/llmq.jar", "bench/target/benchmarks.jar")) {
            Files.createDirectories(root.resolve(jar).getParent());
            Files.write(root.resolve(jar), new byte[0]); // newer than every source (there are none here)
        }
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("llmq").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("JAVA_HOME", jdk.toString());
        Path mode = root.resolve("transparent_hugepage-enabled");
        Files.deleteIfExists(mode);
        if (hugePagesMode != null) {
            Files.writeString(mode, hugePagesMode + "\n", StandardCharsets.UTF_8);
        }
        env.put("LLMQ_THP_ENABLED", mode.toString());
        if (javaOpts == null) {
            env.remove("LLMQ_JAVA_OPTS");
        } else {
            env.put("LLMQ_JAVA_OPTS", javaOpts);
        }
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out.lines().toList();
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to);
    }

    private static void script(Path path, String text) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
