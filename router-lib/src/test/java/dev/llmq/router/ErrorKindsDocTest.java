package dev.llmq.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The table of docs/ARCHITECTURE.md that says what the router does after each kind of provider error is generated
 * here from what a real {@link Router} does (calls, waits, fallbacks, cooldowns, on a test clock): this fails when
 * the router's behaviour and the table part.
 */
class ErrorKindsDocTest {

    private static final Path DOC = Path.of("..", "docs", "ARCHITECTURE.md");
    private static final String BEGIN = "<!-- error-kinds:begin";
    private static final String END = "<!-- error-kinds:end -->";
    /** Jobs run against a failing deployment to see whether, and when, it cools. */
    private static final int JOBS_FOR_COOLDOWN = 30;

    /** The HTTP status each kind is simulated with: the one providers most often give it (0: no answer). */
    private static final Map<ErrorKind, Integer> STATUS = statuses();

    private static Map<ErrorKind, Integer> statuses() {
        Map<ErrorKind, Integer> m = new LinkedHashMap<>();
        m.put(ErrorKind.INVALID_REQUEST, 400);
        m.put(ErrorKind.UNSUPPORTED_PARAMETER, 400);
        m.put(ErrorKind.CONTEXT_WINDOW_EXCEEDED, 400);
        m.put(ErrorKind.CONTENT_POLICY, 400);
        m.put(ErrorKind.AUTHENTICATION, 401);
        m.put(ErrorKind.PERMISSION_DENIED, 403);
        m.put(ErrorKind.NOT_FOUND, 404);
        m.put(ErrorKind.RATE_LIMITED, 429);
        m.put(ErrorKind.QUOTA_EXHAUSTED, 429);
        m.put(ErrorKind.SERVER_ERROR, 500);
        m.put(ErrorKind.OVERLOADED, 503);
        m.put(ErrorKind.TIMEOUT, 0);
        m.put(ErrorKind.CONNECTION_ERROR, 0);
        m.put(ErrorKind.STREAM_TRUNCATED, 0);
        return m;
    }

    @Test
    void everyKindAProviderCallCanEndWithIsInTheTable() {
        Set<ErrorKind> notFromProviders = Set.of(ErrorKind.CANCELLED, ErrorKind.EXPIRED, ErrorKind.BUDGET_EXCEEDED);
        for (ErrorKind kind : ErrorKind.values()) {
            assertThat(STATUS.containsKey(kind) || notFromProviders.contains(kind))
                    .as("%s has a row in the table (a status to simulate it with)", kind).isTrue();
        }
    }

    @Test
    void theArchitectureDocSaysWhatTheRouterDoesAfterEachError() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertThat(begin).as("%s has a '%s' marker", DOC, BEGIN).isNotNegative();
        assertThat(end).as("%s has a '%s' marker after the begin marker", DOC, END).isGreaterThan(begin);
        int tableStart = doc.indexOf('\n', begin) + 1;
        String table = table();
        if (Boolean.getBoolean("llmq.docs.write")) {
            doc = doc.substring(0, tableStart) + table + doc.substring(end);
            Files.writeString(DOC, doc, StandardCharsets.UTF_8);
            end = doc.indexOf(END);
        }
        assertThat(doc.substring(tableStart, end))
                .as("the error kinds table of docs/ARCHITECTURE.md is stale; regenerate: "
                        + "./mvnw -q -pl router-lib -am test -Dtest=ErrorKindsDocTest -Dllmq.docs.write=true "
                        + "-Dsurefire.failIfNoSpecifiedTests=false")
                .isEqualTo(table);
    }

    /** A few cells checked by hand, so that the generator itself is seen to tell kinds apart. */
    @Test
    void theGeneratedCellsTellTheRulesApart() {
        assertThat(oneDeployment(ErrorKind.INVALID_REQUEST)).isEqualTo("a → fails");
        assertThat(oneDeployment(ErrorKind.SERVER_ERROR)).isEqualTo("a … a … a → `fallbacks`");
        assertThat(oneDeployment(ErrorKind.CONTEXT_WINDOW_EXCEEDED)).isEqualTo("a → `context_window_fallbacks`");
        assertThat(oneDeployment(ErrorKind.RATE_LIMITED))
                .isEqualTo("a → `fallbacks` (without fallbacks: a … a … a → fails)");
        assertThat(cooldown(ErrorKind.AUTHENTICATION)).isEqualTo("at once");
        assertThat(cooldown(ErrorKind.INVALID_REQUEST)).isEqualTo("no");
        assertThat(cooldown(ErrorKind.CONNECTION_ERROR)).endsWith("(this worker only)");
    }

    static String table() {
        StringBuilder t = new StringBuilder();
        t.append("| error kind | simulated as | OpenAI `type` | a group of one deployment `a` | a group of two, `a` "
                + "then `b` | cools the failing deployment | opens its breaker (alone) |\n");
        t.append("|---|---|---|---|---|---|---|\n");
        for (Map.Entry<ErrorKind, Integer> e : STATUS.entrySet()) {
            ErrorKind kind = e.getKey();
            t.append("| `").append(kind.wire()).append("` | ")
                    .append(e.getValue() == 0 ? "no HTTP answer" : "HTTP " + e.getValue()).append(" | `")
                    .append(kind.openAiType()).append("` | ")
                    .append(oneDeployment(kind)).append(" | ")
                    .append(twoDeployments(kind)).append(" | ")
                    .append(cooldown(kind)).append(" | ")
                    .append(breaker(kind)).append(" |\n");
        }
        return t.toString();
    }

    private static final String FALLBACKS = "fallbacks: [{ g: [fb] }], context_window_fallbacks: [{ g: [cw] }], "
            + "content_policy_fallbacks: [{ g: [cp] }]";
    private static final String[] FALLBACK_GROUPS = {
        RouterTest.dep("fb", "fb", ""), RouterTest.dep("cw", "cw", ""), RouterTest.dep("cp", "cp", "")};

    private static String oneDeployment(ErrorKind kind) {
        String with = walk(kind, "{ num_retries: 2, " + FALLBACKS + " }", RouterTest.dep("g", "a", ""));
        String without = walk(kind, "{ num_retries: 2 }", RouterTest.dep("g", "a", ""));
        String withPart = with.substring(0, with.lastIndexOf(" → "));
        return without.startsWith(withPart + " → ") ? with : with + " (without fallbacks: " + without + ")";
    }

    private static String twoDeployments(ErrorKind kind) {
        return walk(kind, "{ num_retries: 2, " + FALLBACKS + " }", RouterTest.dep("g", "a", "weight: 1000"),
                RouterTest.dep("g", "b", "weight: 0.001"));
    }

    /**
     * One job on group {@code g} whose deployments all fail with the kind (the fallback groups answer): the calls in
     * order, {@code …} for each wait between them, and how the job ended.
     */
    private static String walk(ErrorKind kind, String routerSettings, String... groupDeployments) {
        List<String> deployments = new ArrayList<>(List.of(groupDeployments));
        deployments.addAll(List.of(FALLBACK_GROUPS));
        MutableClock clock = MutableClock.atMinuteStart();
        List<String> steps = new ArrayList<>();
        Sleeper sleeper = d -> {
            steps.add("…");
            clock.advance(d);
        };
        Router router = new Router(RouterTest.config(routerSettings, deployments.toArray(String[]::new)), clock,
                new SplittableRandom(42), sleeper, PriceLookup.NONE);
        RoutedOutcome out = router.execute(RouteRequest.of("g"), (deployment, attempt) -> {
            steps.add(deployment.id());
            return answer(kind, deployment);
        });
        String path = String.join(" ", steps);
        List<String> fallback = steps.stream().filter(s -> s.equals("fb") || s.equals("cw") || s.equals("cp"))
                .toList();
        String inGroup = steps.stream().takeWhile(s -> !fallback.contains(s)).collect(Collectors.joining(" "));
        String ended = fallback.isEmpty() ? "fails" : "`" + switch (fallback.getFirst()) {
            case "fb" -> "fallbacks";
            case "cw" -> "context_window_fallbacks";
            default -> "content_policy_fallbacks";
        } + "`";
        assertThat(out instanceof RoutedOutcome.Succeeded).as("%s: %s", kind, path).isEqualTo(!fallback.isEmpty());
        return inGroup.trim() + " → " + ended;
    }

    private static ProviderResponse answer(ErrorKind kind, Deployment deployment) {
        if (Set.of("fb", "cw", "cp").contains(deployment.id())) {
            return Fakes.ok();
        }
        throw new ProviderException(ProviderError.builder(kind).httpStatus(STATUS.get(kind)).message(kind.wire())
                .build());
    }

    /**
     * Whether the deployment failing every call cools, and after how many failures in a minute: with another
     * deployment in its group (which answers) and alone; and whether the cooldown is told to the other workers.
     */
    private static String cooldown(ErrorKind kind) {
        Cooling withOther = cooling(kind, RouterTest.dep("g", "a", "weight: 1000"),
                RouterTest.dep("g", "b", "weight: 0.001"));
        Cooling alone = cooling(kind, RouterTest.dep("g", "a", ""));
        if (withOther.afterFailures == 0) {
            return "no";
        }
        String when = withOther.afterFailures == 1 ? "at once"
                : "after " + withOther.afterFailures + " failures in a minute (failure rate)";
        if (alone.afterFailures == 0) {
            when += ", when the group has another deployment";
        } else if (alone.afterFailures != withOther.afterFailures) {
            when += " (alone: after " + alone.afterFailures + ")";
        }
        return withOther.announced ? when : when + " (this worker only)";
    }

    /** Whether a group's only deployment, failing every call, opens its circuit breaker, and after how many. */
    private static String breaker(ErrorKind kind) {
        Cooling alone = cooling(kind, RouterTest.dep("g", "a", ""));
        if (alone.breakerOpenedAfter == 0) {
            return alone.afterFailures == 1 ? "(cooled at once)" : "no";
        }
        return "after " + alone.breakerOpenedAfter + " failing calls";
    }

    private record Cooling(int afterFailures, boolean announced, int breakerOpenedAfter) {
    }

    private static Cooling cooling(ErrorKind kind, String... groupDeployments) {
        MutableClock clock = MutableClock.atMinuteStart();
        Router router = new Router(RouterTest.config("{ num_retries: 0 }", groupDeployments), clock,
                new SplittableRandom(42), clock::advance, PriceLookup.NONE);
        Map<String, Boolean> announced = new ConcurrentHashMap<>();
        Map<String, Boolean> opened = new ConcurrentHashMap<>();
        router.health().addListener(event -> {
            if (event.state() == DeploymentHealthEvent.State.COOLED) {
                announced.put(event.deploymentId(), true);
            } else if (event.state() == DeploymentHealthEvent.State.OPEN) {
                opened.put(event.deploymentId(), true);
            }
        });
        int cooledAfter = 0;
        int openedAfter = 0;
        int failures = 0;
        for (int job = 0; job < JOBS_FOR_COOLDOWN; job++) {
            int[] failed = {0};
            router.execute(RouteRequest.of("g"), (deployment, attempt) -> {
                if (deployment.id().equals("a")) {
                    failed[0]++;
                    return answer(kind, deployment);
                }
                return Fakes.ok();
            });
            failures += failed[0];
            DeploymentSnapshot a = router.health().snapshots(router.config().deployments()).stream()
                    .filter(s -> s.deployment().id().equals("a")).findFirst().orElseThrow();
            if (cooledAfter == 0 && a.cooledUntil() != null && a.cooledUntil().isAfter(clock.instant())) {
                cooledAfter = failures;
            }
            if (openedAfter == 0 && opened.containsKey("a")) {
                openedAfter = failures;
            }
            if (cooledAfter > 0 || openedAfter > 0 || failed[0] == 0) {
                break; // the deployment is no longer called
            }
        }
        return new Cooling(cooledAfter, announced.containsKey("a"), openedAfter);
    }
}
