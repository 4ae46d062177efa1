package dev.llmq.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./llmq bench jmh [regex]}: the JMH benchmarks of the hot paths ({@code dev.llmq.bench.jmh}: request mapping,
 * SSE framing and chunk decoding, the routing decision, the message serdes, the status-store update), average time
 * per operation, with JMH's GC profiler for the bytes allocated per operation ({@code gc.alloc.rate.norm}); one table:
 * benchmark, parameters, ns/op, B/op. Short by default (one fork, 2 × 1 s warm-up, 3 × 1 s measured: about 6 s per
 * benchmark and parameter); lengthen with the options for figures to publish.
 */
@Command(name = "jmh", mixinStandardHelpOptions = true,
        description = "JMH hot-path benchmarks with the GC profiler: one table of ns/op and B/op.")
public final class JmhBench implements Callable<Integer> {

    /** Every benchmark of the harness. */
    static final String ALL = "dev\\.llmq\\.bench\\.jmh\\..*";
    private static final String ALLOCATION = "gc.alloc.rate.norm";

    @Parameters(arity = "0..1", paramLabel = "REGEX", description = "benchmarks to run, a regular expression found in "
            + "their full names, e.g. SerdeBenchmark or 'Provider.*decode' (default: all)")
    String regex;

    @Option(names = "--forks", defaultValue = "1", description = "JVM forks per benchmark (default: ${DEFAULT-VALUE})")
    int forks;

    @Option(names = "--warmup-iterations", defaultValue = "2", description = "(default: ${DEFAULT-VALUE})")
    int warmupIterations;

    @Option(names = "--iterations", defaultValue = "3", description = "measured iterations (default: "
            + "${DEFAULT-VALUE})")
    int iterations;

    @Option(names = "--iteration-s", defaultValue = "1", description = "seconds per iteration, warm-up and measured "
            + "(default: ${DEFAULT-VALUE})")
    int iterationSeconds;

    @Override
    public Integer call() throws Exception {
        Collection<RunResult> results = new Runner(options()).run();
        print(results, System.out);
        return results.isEmpty() ? 1 : 0;
    }

    /** The JMH options these flags stand for. */
    Options options() {
        if (forks < 0 || warmupIterations < 0 || iterations < 1 || iterationSeconds < 1) {
            throw new IllegalArgumentException("--forks and --warmup-iterations must be >= 0, --iterations and "
                    + "--iteration-s >= 1");
        }
        TimeValue time = TimeValue.seconds(iterationSeconds);
        return new OptionsBuilder().include(regex == null || regex.isBlank() ? ALL : regex).forks(forks)
                .warmupIterations(warmupIterations).warmupTime(time).measurementIterations(iterations)
                .measurementTime(time).addProfiler(GCProfiler.class).verbosity(VerboseMode.NORMAL)
                .shouldFailOnError(true).build();
    }

    private void print(Collection<RunResult> results, PrintStream out) {
        out.println();
        out.println("### llmq bench jmh" + (regex == null ? "" : " " + regex));
        out.println();
        out.println(BenchTable.machine());
        out.println();
        out.printf("JMH: average time, %d fork(s), %d × %d s warm-up, %d × %d s measured; B/op from the GC profiler "
                + "(%s)%n", forks, warmupIterations, iterationSeconds, iterations, iterationSeconds, ALLOCATION);
        out.println();
        out.println("| benchmark | parameters | ns/op | ± (99.9 %) | B/op |");
        out.println("|---|---|---|---|---|");
        for (String[] row : rows(results)) {
            out.println("| " + String.join(" | ", row) + " |");
        }
        out.println();
        out.flush();
    }

    /** One row per result: short name, parameters, score, error, allocation per operation. */
    static List<String[]> rows(Collection<RunResult> results) {
        List<String[]> rows = new ArrayList<>();
        for (RunResult r : results) {
            BenchmarkParams params = r.getParams();
            String name = params.getBenchmark();
            List<String> values = new ArrayList<>();
            for (String key : params.getParamsKeys()) {
                values.add(key + "=" + params.getParam(key));
            }
            Result<?> primary = r.getPrimaryResult();
            Result<?> allocation = r.getSecondaryResults().get(ALLOCATION);
            rows.add(new String[] {name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1),
                    String.join(", ", values), String.format("%,.1f", primary.getScore()),
                    Double.isNaN(primary.getScoreError()) ? "–" : String.format("%,.1f", primary.getScoreError()),
                    allocation == null ? "–" : String.format("%,.0f", allocation.getScore())});
        }
        return rows;
    }
}
