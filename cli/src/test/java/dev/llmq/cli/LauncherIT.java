package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code java -jar llmq.jar} starts at {@link Launcher}: on Java 21 or newer llmq runs exactly as with {@link Main} as
 * the main class; on an older Java (a JDK 17 under /usr/lib/jvm or on {@code PATH}, where there is one) it prints one
 * line naming the Java it needs and exits 1.
 */
class LauncherIT {

    private static final Path JAR = Path.of("target", "llmq.jar").toAbsolutePath();
    /** The JVM running this test: Java 21 or newer, since the build requires it. */
    private static final Path NEW_JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path dir;

    record Result(int exitCode, String out, String err) {
    }

    /** What a {@code java} prints of itself: its system properties, by name. */
    record Java(Path binary, Map<String, String> properties) {
        String property(String name) {
            return properties.getOrDefault(name, "");
        }
    }

    @Test
    void theJarStartsAtTheLauncherCompiledForJava8() throws Exception {
        assertThat(JAR).as("the shaded jar (package runs before integration-test)").exists();
        try (JarFile jar = new JarFile(JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("dev.llmq.cli.Launcher");
            assertThat(majorVersion(jar, "dev/llmq/cli/Launcher.class")).as("Launcher's class-file version")
                    .isEqualTo(52);
            assertThat(majorVersion(jar, "dev/llmq/cli/Main.class")).as("Main's class-file version: Java 21+")
                    .isGreaterThanOrEqualTo(65);
        }
    }

    @ParameterizedTest(name = "llmq {0}")
    @ValueSource(strings = {"--version", "--help", "--no-such-option"})
    void onJava21OrNewerTheJarRunsLlmqAsMainDoes(String argument) throws Exception {
        Result launched = run(NEW_JAVA.toString(), "-jar", JAR.toString(), argument);
        Result direct = run(NEW_JAVA.toString(), "-cp", JAR.toString(), "dev.llmq.cli.Main", argument);

        assertThat(launched).isEqualTo(direct);
    }

    @Test
    void onJava21OrNewerVersionPrintsTheVersionAndExits0() throws Exception {
        Result result = run(NEW_JAVA.toString(), "-jar", JAR.toString(), "--version");

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).startsWith("llmq ");
    }

    @Test
    void anOlderJavaIsToldWhichJavaLlmqNeeds() throws Exception {
        Optional<Java> older = olderJava();
        if (older.isEmpty()) {
            // no Java older than 21 on this machine: the launcher must at least run llmq on this one
            System.err.println("LauncherIT: no Java older than 21 found; checked Java " + System.getProperty(
                    "java.version") + " runs llmq");
            Result result = run(NEW_JAVA.toString(), "-jar", JAR.toString(), "--version");
            assertThat(result.exitCode()).as(result.err()).isZero();
            assertThat(result.out()).startsWith("llmq ");
            return;
        }
        Java java = older.get();

        Result result = run(java.binary().toString(), "-jar", JAR.toString(), "--version");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("llmq needs Java 21 or newer; this is Java " + java.property("java.version")
                + " at " + java.property("java.home") + ": run it with a JDK 21+ (set JAVA_HOME, or use ./llmq, which"
                + " finds one)" + System.lineSeparator());
        System.err.println("LauncherIT: " + java.binary() + " printed: " + result.err().strip());
    }

    @Test
    void javaOlderThan21IsRefusedWithTheVersionAndHomeItRunsOn() {
        assertThat(Launcher.refusal("1.8", "1.8.0_402", "/usr/lib/jvm/java-8/jre")).isEqualTo("llmq needs Java 21 or"
                + " newer; this is Java 1.8.0_402 at /usr/lib/jvm/java-8/jre: run it with a JDK 21+ (set JAVA_HOME,"
                + " or use ./llmq, which finds one)");
        assertThat(Launcher.refusal("17", "17.0.15", "/usr/lib/jvm/java-17"))
                .startsWith("llmq needs Java 21 or newer; this is Java 17.0.15 at /usr/lib/jvm/java-17: ");
        assertThat(Launcher.refusal("20", "20.0.2", "/opt/jdk-20")).isNotNull();
    }

    @Test
    void java21OrNewerAndAnUnreadableVersionAreLetThrough() {
        assertThat(Launcher.refusal("21", "21.0.9", "/opt/jdk-21")).isNull();
        assertThat(Launcher.refusal("25", "25.0.1", "/opt/jdk-25")).isNull();
        assertThat(Launcher.refusal(null, null, null)).as("no java.specification.version").isNull();
        assertThat(Launcher.refusal("next", "next", "/opt/jdk")).isNull();
    }

    @Test
    void featureVersionReadsBothSpecificationVersionSchemes() {
        assertThat(Launcher.featureVersion("1.8")).isEqualTo(8);
        assertThat(Launcher.featureVersion("9")).isEqualTo(9);
        assertThat(Launcher.featureVersion("17")).isEqualTo(17);
        assertThat(Launcher.featureVersion("21")).isEqualTo(21);
        assertThat(Launcher.featureVersion("25")).isEqualTo(25);
        assertThat(Launcher.featureVersion("")).isEqualTo(-1);
        assertThat(Launcher.featureVersion(null)).isEqualTo(-1);
    }

    /** A Java older than 21: a JDK 17 under /usr/lib/jvm, else the {@code java} on {@code PATH} if it is one. */
    private Optional<Java> olderJava() throws Exception {
        List<Path> candidates = new ArrayList<>();
        Path jvms = Path.of("/usr/lib/jvm");
        if (Files.isDirectory(jvms)) {
            try (DirectoryStream<Path> homes = Files.newDirectoryStream(jvms, "*17*")) {
                homes.forEach(home -> candidates.add(home.resolve("bin").resolve("java")));
            }
        }
        for (String folder : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!folder.isEmpty()) {
                candidates.add(Path.of(folder, "java"));
            }
        }
        for (Path candidate : candidates) {
            if (!Files.isExecutable(candidate)) {
                continue;
            }
            Java java = describe(candidate);
            assertThat(java.property("java.specification.version")).as("%s's properties", candidate).isNotEmpty();
            int feature = Launcher.featureVersion(java.property("java.specification.version"));
            if (feature > 0 && feature < Launcher.REQUIRED) {
                return Optional.of(java);
            }
        }
        return Optional.empty();
    }

    /** The system properties {@code java -XshowSettings:properties -version} lists (on stderr). */
    private Java describe(Path binary) throws Exception {
        Result result = run(binary.toString(), "-XshowSettings:properties", "-version");
        Map<String, String> properties = new HashMap<>();
        for (String line : result.err().split("\\R")) {
            int eq = line.indexOf(" = ");
            if (eq > 0 && line.startsWith("    ") && !line.startsWith("     ")) {
                properties.putIfAbsent(line.substring(0, eq).strip(), line.substring(eq + 3));
            }
        }
        return new Java(binary, properties);
    }

    /** Runs a command with its output in files (no pipe to fill), for at most a minute. */
    private Result run(String... command) throws Exception {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        boolean ended = process.waitFor(60, TimeUnit.SECONDS);
        if (!ended) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(ended).as("%s ended within a minute", List.of(command)).isTrue();
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static int majorVersion(JarFile jar, String entry) throws IOException {
        try (InputStream in = jar.getInputStream(jar.getEntry(entry));
                DataInputStream data = new DataInputStream(in)) {
            assertThat(data.readInt()).as("class-file magic of %s", entry).isEqualTo(0xCAFEBABE);
            data.readUnsignedShort(); // minor version
            return data.readUnsignedShort();
        }
    }
}
