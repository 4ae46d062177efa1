package dev.llmq.bench.jmh;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.pricing.ModelPrice;
import dev.llmq.provider.pricing.PriceTable;
import dev.llmq.router.ConfigLoader;
import dev.llmq.router.Deployment;
import dev.llmq.router.DeploymentHealthEvent;
import dev.llmq.router.LlmqConfig;
import dev.llmq.router.PriceLookup;
import dev.llmq.router.RouteRequest;
import dev.llmq.router.Router;
import dev.llmq.router.RoutingStrategy;
import dev.llmq.schemas.TokenUsage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * A router over one model group of {@value #DEPLOYMENTS} deployments, in a realistic state, for the routing
 * benchmarks. Deterministic: a fixed clock and seeded randomness, so every run routes over the same state.
 *
 * <p>The config ({@link #yaml}) varies what the filters and strategies look at: weights on a quarter of the
 * deployments, rpm/tpm limits on all, prices of their own on most (the bundled price table for the rest), routing
 * tags on some, a second {@code order} tier of 10 backups, and 10 deployments whose context window is too small for
 * the benchmark's prompt (pre-call checks are on).
 *
 * <p>{@link #prime} then drives the router through its public API: {@value #PRIMING_JOBS} completed jobs with varied
 * latencies and token counts (latency samples and minute counters), {@value #IN_FLIGHT} jobs held in flight
 * until {@link #close} (least-busy and the bulkheads see them), 3 deployments cooled and 1 breaker opened by
 * health events as if another worker had seen them fail. The clock never moves, so none of that expires while
 * the benchmark runs.
 */
final class RoutingFixture implements AutoCloseable {

    static final String GROUP = "gpt-4o";
    static final int DEPLOYMENTS = 100;
    static final int PRIMING_JOBS = 2_000;
    static final int IN_FLIGHT = 30;
    static final long PROMPT_TOKENS = 2_000;
    /** A deployment whose every call fails with a 500, so the router cools it down on its own when it is picked. */
    static final int FAILING = 20;
    static final Instant NOW = Instant.parse("2026-01-05T10:00:30Z");

    private static final Map<String, String> ENV = Map.of("OPENAI_API_KEY", "sk-bench", "AZURE_API_KEY", "az-bench");

    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final LlmqConfig config;
    final Router router;
    /** The request every benchmark routes: untagged, 2000 prompt tokens, not streamed, no deadline. */
    final RouteRequest request = new RouteRequest(GROUP, List.of(), PROMPT_TOKENS, false, null);

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Thread> holders = new ArrayList<>();
    private final double[] secondsPerToken = new double[DEPLOYMENTS];

    RoutingFixture(RoutingStrategy strategy, long seed) {
        this.config = ConfigLoader.parse(yaml(strategy, seed), ENV);
        if (config.deploymentsOf(GROUP).size() != DEPLOYMENTS) {
            throw new IllegalStateException("expected " + DEPLOYMENTS + " deployments in " + GROUP);
        }
        this.router = new Router(config, clock, new SplittableRandom(seed), d -> { },
                prices(PriceTable.bundled(), config.deployments()));
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < DEPLOYMENTS; i++) {
            secondsPerToken[i] = 0.005 + 0.045 * r.nextDouble();
        }
    }

    /** The config text: one group of {@value #DEPLOYMENTS} deployments with varied limits, weights, prices, tags. */
    static String yaml(RoutingStrategy strategy, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder y = new StringBuilder("model_list:\n");
        for (int i = 0; i < DEPLOYMENTS; i++) {
            y.append("  - model_name: ").append(GROUP).append('\n').append("    litellm_params:\n");
            if (i % 3 == 1) {
                y.append("      model: azure/gpt-4o-r").append(i).append('\n')
                        .append("      api_base: https://region-").append(i).append(".openai.azure.example/\n")
                        .append("      api_key: os.environ/AZURE_API_KEY\n")
                        .append("      api_version: \"2024-10-21\"\n");
            } else {
                y.append("      model: openai/").append(i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini").append('\n')
                        .append("      api_base: https://proxy-").append(i).append(".example/v1\n")
                        .append("      api_key: os.environ/OPENAI_API_KEY\n");
            }
            y.append("      rpm: ").append(600 + r.nextInt(9_400)).append('\n')
                    .append("      tpm: ").append(1_000_000 + r.nextInt(9_000_000)).append('\n');
            if (i % 4 == 0) {
                y.append("      weight: ").append(1 + r.nextInt(5)).append('\n');
            }
            y.append("      order: ").append(i < DEPLOYMENTS - 10 ? 1 : 2).append('\n');
            if (i % 5 == 0) {
                y.append("      tags: [\"eu\"]\n");
            } else if (i % 7 == 0) {
                y.append("      tags: [\"batch\", \"us\"]\n");
            }
            if (i % 6 == 0) {
                y.append("      max_parallel_requests: ").append(4 + r.nextInt(60)).append('\n');
            }
            if (i % 5 != 4) {
                y.append(String.format(Locale.ROOT, "      input_cost_per_token: %.3e%n", 1e-7 + 5e-6 * r.nextDouble()))
                        .append(String.format(Locale.ROOT, "      output_cost_per_token: %.3e%n",
                                4e-7 + 2e-5 * r.nextDouble()));
            }
            y.append("    model_info:\n").append(String.format(Locale.ROOT, "      id: d%03d%n", i))
                    .append("      max_input_tokens: ").append(i % 10 == 3 ? 1_024 : 128_000).append('\n');
            if (i % 3 == 1) {
                y.append("      base_model: azure/gpt-4o\n");
            }
        }
        y.append("router_settings:\n")
                .append("  routing_strategy: ").append(strategy.configName()).append('\n')
                .append("  routing_strategy_args:\n    lowest_latency_buffer: 0.1\n")
                .append("  num_retries: 2\n  allowed_fails: 3\n  cooldown_time: 30\n")
                .append("  enable_tag_filtering: true\n") // the tags above route, as the benchmark measures
                .append("  enable_pre_call_checks: true\n");
        return y.toString();
    }

    /**
     * Puts the router in a working state through its public API (see the class comment).
     *
     * @throws IllegalStateException when the state came out trivial, so that a benchmark never measures a shortcut
     */
    RoutingFixture prime(long seed) throws InterruptedException {
        SplittableRandom r = new SplittableRandom(seed);
        List<Deployment> group = config.deploymentsOf(GROUP);
        for (int k = 0; k < PRIMING_JOBS; k++) {
            boolean stream = k % 4 == 0;
            long out = 50 + r.nextInt(750);
            double jitter = 0.8 + 0.4 * r.nextDouble();
            router.execute(new RouteRequest(GROUP, List.of(), PROMPT_TOKENS, stream, null),
                    (d, n) -> response(d, out, jitter));
        }
        CountDownLatch started = new CountDownLatch(IN_FLIGHT);
        for (int k = 0; k < IN_FLIGHT; k++) {
            holders.add(Thread.ofVirtual().name("bench-in-flight-" + k).start(() -> router.execute(request, (d, n) -> {
                started.countDown();
                await(release);
                return response(d, 200, 1.0);
            })));
        }
        started.await();
        for (int i : new int[] {11, 42, 77}) {
            router.health().apply(new DeploymentHealthEvent(group.get(i).id(), DeploymentHealthEvent.State.COOLED,
                    NOW.plusSeconds(30), "server_error (500)"));
        }
        router.health().apply(new DeploymentHealthEvent(group.get(58).id(), DeploymentHealthEvent.State.OPEN,
                NOW.plusSeconds(60), "breaker opened"));
        check(group);
        return this;
    }

    private void check(List<Deployment> group) {
        var snapshots = router.health().snapshots(group);
        long sampled = snapshots.stream().filter(s -> !Double.isNaN(s.latencyPerToken())).count();
        long busy = snapshots.stream().filter(s -> s.inFlight() > 0).count();
        long used = snapshots.stream().filter(s -> s.tpmUsed() > 0).count();
        long cooled = snapshots.stream().filter(s -> s.cooledUntil() != null || s.circuitOpen()).count();
        long priced = snapshots.stream().filter(s -> !Double.isNaN(s.costPerToken())).count();
        if (sampled == 0 || busy == 0 || used == 0 || cooled < 4 || priced < DEPLOYMENTS * 3 / 4) {
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "trivial router state: %d with latency samples, %d busy, %d used, %d cooled, %d priced",
                    sampled, busy, used, cooled, priced));
        }
    }

    /** A completed call: latency from the deployment's own speed per output token, with jitter. */
    private ProviderResponse response(Deployment d, long outputTokens, double jitter) throws ProviderException {
        int i = Integer.parseInt(d.id().substring(1));
        if (i == FAILING) {
            throw new ProviderException(ProviderError.of(ErrorKind.SERVER_ERROR, "upstream 500"));
        }
        double seconds = secondsPerToken[i] * outputTokens * jitter;
        return new ProviderResponse(JsonNodeFactory.instance.objectNode().put("object", "chat.completion"),
                new TokenUsage(PROMPT_TOKENS, outputTokens, PROMPT_TOKENS + outputTokens, 0, 0),
                Duration.ofNanos((long) (seconds * 1e9)), Duration.ofNanos((long) (secondsPerToken[i] * 20e9)),
                List.of(), null);
    }

    /**
     * Prices like a worker would wire them, resolved once: a deployment without prices of its own gets the bundled
     * price table's price of its base model (else its model), looked up at start-up, not per decision.
     */
    private static PriceLookup prices(PriceTable table, List<Deployment> deployments) {
        Map<String, Double> byId = new HashMap<>();
        for (Deployment d : deployments) {
            String key = d.baseModel() != null ? d.baseModel() : d.provider() + "/" + d.model();
            table.get(key).or(() -> table.lookup(d.provider(), d.model())).filter(ModelPrice::priced)
                    .ifPresent(p -> byId.put(d.id(),
                            p.inputCostPerToken().add(p.outputCostPerToken()).doubleValue()));
        }
        return d -> {
            Double p = byId.get(d.id());
            return p == null ? OptionalDouble.empty() : OptionalDouble.of(p);
        };
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Lets the in-flight jobs finish. */
    @Override
    public void close() throws InterruptedException {
        release.countDown();
        for (Thread t : holders) {
            t.join();
        }
    }
}
