package dev.llmq.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile, read line by line without a Docker engine: the build stage copies what exists (every module of
 * the reactor, since Maven reads all their poms), builds the cli with the wrapper, and the run stage takes the jar
 * the shade plugin names, runs as a non-root user and has the tool the compose file's healthchecks call (curl), and
 * no other.
 */
class DeploymentDockerfileTest {

    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
    private static final Pattern FINAL_NAME = Pattern.compile("<finalName>([^<]+)</finalName>");

    /** One instruction (continuation lines joined), with the stage it belongs to. */
    record Instruction(int stage, String keyword, String args) {
    }

    private final List<Instruction> instructions = parse(DeploymentFiles.read(DeploymentFiles.file("Dockerfile")));

    @Test
    void twoStagesAJdk21BuildAndAJre21Run() {
        List<String> froms = instructions.stream().filter(i -> i.keyword().equals("FROM")).map(Instruction::args)
                .toList();
        assertThat(froms).hasSize(2);
        assertThat(froms.get(0)).matches("eclipse-temurin:21-jdk\\S* AS build");
        assertThat(froms.get(1)).matches("eclipse-temurin:21-jre\\S*");
    }

    @Test
    void theBuildStageCopiesEveryModuleAndOnlyWhatExists() {
        Set<String> copied = new LinkedHashSet<>();
        for (Instruction copy : of(0, "COPY")) {
            List<String> words = List.of(copy.args().split("\\s+"));
            for (String source : words.subList(0, words.size() - 1)) {
                Path path = DeploymentFiles.root().resolve(source);
                assertThat(path).as("COPY source " + source).exists();
                copied.add(source.replaceAll("/$", ""));
            }
        }
        String pom = DeploymentFiles.read(DeploymentFiles.file("pom.xml"));
        Matcher m = MODULE.matcher(pom);
        List<String> modules = new ArrayList<>();
        while (m.find()) {
            modules.add(m.group(1));
        }
        assertThat(modules).isNotEmpty();
        assertThat(copied).containsAll(modules).contains("mvnw", "pom.xml", ".mvn");
        assertThat(of(0, "RUN")).anySatisfy(run -> assertThat(run.args())
                .contains("./mvnw -B -DskipTests package -pl cli -am"));
    }

    @Test
    void theRunStageTakesTheShadedJarAndRunsItAsANonRootUser() {
        Matcher finalName = FINAL_NAME.matcher(DeploymentFiles.read(DeploymentFiles.file("cli/pom.xml")));
        assertThat(finalName.find()).as("cli/pom.xml names the shaded jar").isTrue();
        String workdir = of(0, "WORKDIR").get(0).args();
        String jar = workdir + "/cli/target/" + finalName.group(1) + ".jar";
        List<Instruction> copies = of(1, "COPY");
        assertThat(copies).hasSize(1);
        String[] words = copies.get(0).args().split("\\s+");
        assertThat(words).containsExactly("--from=build", jar, "/opt/llmq/llmq.jar");
        assertThat(Files.isDirectory(DeploymentFiles.root().resolve("cli/src/main/java"))).isTrue();
        assertThat(of(1, "ENTRYPOINT")).singleElement().extracting(Instruction::args)
                .isEqualTo("[\"java\", \"-jar\", \"/opt/llmq/llmq.jar\"]");
        assertThat(of(1, "USER")).singleElement().extracting(Instruction::args)
                .satisfies(user -> assertThat(user).doesNotStartWith("root").doesNotStartWith("0"));
    }

    @Test
    void theRunStageHasTheToolTheComposeHealthchecksCallAndNoOther() {
        String installs = String.join(" ", of(1, "RUN").stream().map(Instruction::args).toList());
        String compose = DeploymentFiles.read(DeploymentFiles.file("docker-compose.yml"));
        assertThat(compose).contains("[\"CMD\", \"curl\"").doesNotContain("socat");
        Matcher install = Pattern.compile("apt-get install -y --no-install-recommends ([a-z0-9 .+-]+?)(?: &&|$)")
                .matcher(installs);
        assertThat(install.find()).as("one apt-get install in the run stage").isTrue();
        assertThat(install.group(1).strip().split(" ")).containsExactly("curl");
    }

    @Test
    void theBuildContextLeavesOutBuildOutputAndGit() {
        List<String> ignored = DeploymentFiles.read(DeploymentFiles.file(".dockerignore")).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(ignored).contains(".git", "**/target/");
        for (Instruction copy : of(0, "COPY")) {
            assertThat(ignored).as("the Dockerfile copies %s", copy.args()).doesNotContain(copy.args().split("\\s+")[0]);
        }
    }

    private List<Instruction> of(int stage, String keyword) {
        return instructions.stream().filter(i -> i.stage() == stage && i.keyword().equals(keyword)).toList();
    }

    static List<Instruction> parse(String dockerfile) {
        List<Instruction> parsed = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int stage = -1;
        for (String raw : dockerfile.split("\n")) {
            String line = raw.strip();
            if (current.isEmpty() && (line.isEmpty() || line.startsWith("#"))) {
                continue;
            }
            if (line.startsWith("#")) {
                continue; // a comment inside a continued instruction
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            current.append(line);
            String text = current.toString().strip().replaceAll("\\s+", " ");
            current.setLength(0);
            int space = text.indexOf(' ');
            String keyword = text.substring(0, space).toUpperCase();
            if (keyword.equals("FROM")) {
                stage++;
            }
            parsed.add(new Instruction(stage, keyword, text.substring(space + 1)));
        }
        return parsed;
    }
}
