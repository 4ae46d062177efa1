package dev.llmq.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The module boundaries of docs/ARCHITECTURE.md, checked on the main classes of every module (the cli's test
 * classpath holds them all). A forbidden import anywhere fails the build here.
 */
class LayeringTest {

    /** Every module's root package, by module. */
    private static final List<String> MODULE_ROOTS = List.of("config", "schemas", "provider", "router", "runtime",
            "testkit", "ingest", "worker", "usage", "cli");

    private static final String[] TEST_LIBRARIES = {"org.junit..", "org.testcontainers..", "org.assertj..",
        "org.awaitility..", "net.jqwik..", "org.mockito..", "dev.llmq.testkit.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        // module classes come from target/classes or, in a reactor verify, from the modules' jars: both count
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.llmq");
    }

    @Test
    void theMainClassesOfEveryModuleAreChecked() {
        for (String root : MODULE_ROOTS) {
            org.assertj.core.api.Assertions.assertThat(classes.stream()
                    .anyMatch(c -> c.getPackageName().startsWith("dev.llmq." + root)))
                    .as("classes of dev.llmq.%s imported", root).isTrue();
        }
    }

    @Test
    void providerAndRouterLibrariesDoNotReachKafka() {
        noClasses().that().resideInAnyPackage("dev.llmq.provider..", "dev.llmq.router..", "dev.llmq.config..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "kafka..")
                .because("provider-lib and router-lib are plain libraries, usable and testable without a broker")
                .check(classes);
    }

    @Test
    void theIngestApiDoesNotReachTheRouterProvidersOrWorkers() {
        noClasses().that().resideInAPackage("dev.llmq.ingest..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmq.router..", "dev.llmq.provider..",
                        "dev.llmq.worker..", "dev.llmq.runtime..")
                .because("the ingest API validates and enqueues; it never needs a deployment or a provider secret")
                .check(classes);
    }

    @Test
    void theUsageAggregatorReadsResultsOnly() {
        noClasses().that().resideInAPackage("dev.llmq.usage..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmq.ingest..", "dev.llmq.worker..",
                        "dev.llmq.provider..", "dev.llmq.runtime..", "dev.llmq.cli..")
                .because("the usage aggregator reads the results topic; it never calls a provider or a role")
                .check(classes);
    }

    @Test
    void librariesDoNotReachTheRolesAboveThem() {
        noClasses().that().resideInAnyPackage("dev.llmq.config..", "dev.llmq.schemas..", "dev.llmq.provider..",
                        "dev.llmq.router..", "dev.llmq.runtime..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmq.ingest..", "dev.llmq.worker..",
                        "dev.llmq.usage..", "dev.llmq.cli..")
                .check(classes);
        noClasses().that().resideInAnyPackage("dev.llmq.worker..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmq.ingest..", "dev.llmq.cli..",
                        "dev.llmq.runtime..")
                .check(classes);
        noClasses().that().resideInAnyPackage("dev.llmq.schemas..", "dev.llmq.config..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.llmq.provider..", "dev.llmq.router..")
                .check(classes);
    }

    static Stream<String> moduleRoots() {
        return MODULE_ROOTS.stream();
    }

    @ParameterizedTest(name = "dev.llmq.{0}..internal is private to its module")
    @MethodSource("moduleRoots")
    void noModuleImportsAnotherModulesInternals(String root) {
        ArchRule rule = noClasses().that().resideOutsideOfPackage("dev.llmq." + root + "..")
                .should().dependOnClassesThat().resideInAPackage("dev.llmq." + root + "..internal..")
                .because("internal packages are implementation details of their module");
        rule.check(classes);
    }

    @Test
    void mainCodeDoesNotUseTestCode() {
        noClasses().that().resideOutsideOfPackage("dev.llmq.testkit..")
                .should().dependOnClassesThat().resideInAnyPackage(TEST_LIBRARIES)
                .because("the llmq jar carries no test libraries; testkit is test-scope only")
                .check(classes);
    }
}
