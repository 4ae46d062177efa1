package dev.llmq.bench.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Every {@link Benchmark} method of {@code dev.llmq.bench.jmh}, found on the class path (so a new benchmark is run
 * too), runs once for each of its {@link Param} values, on its state objects set up and torn down as JMH would: a
 * broken benchmark (a setup that throws, a primed state that comes out trivial, a method that fails) fails the build
 * instead of the first {@code ./llmq bench jmh}.
 */
class BenchmarksRunOnceTest {

    @TestFactory
    Stream<DynamicTest> everyBenchmarkMethodRunsOnceForEveryParameter() throws Exception {
        List<Class<?>> classes = benchmarkClasses();
        assertThat(classes).extracting(Class::getSimpleName).contains("ProviderBenchmark", "RoutingBenchmark",
                "SerdeBenchmark", "StatusStoreBenchmark", "SubmissionBenchmark");
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> type : classes) {
            for (Method m : type.getMethods()) {
                if (m.isAnnotationPresent(Benchmark.class)) {
                    List<Class<?>> states = new ArrayList<>();
                    states.add(type);
                    states.addAll(Arrays.asList(m.getParameterTypes()));
                    for (List<Map<Field, String>> params : combinations(states)) {
                        tests.add(DynamicTest.dynamicTest(type.getSimpleName() + "." + m.getName() + " " + params
                                .stream().flatMap(p -> p.values().stream()).toList(), () -> runOnce(m, states,
                                params)));
                    }
                }
            }
        }
        return tests.stream();
    }

    /** Set-up states by class and parameters, shared by the benchmark methods that use them; torn down at the end. */
    private static final Map<List<Object>, Object> STATES = new LinkedHashMap<>();

    @AfterAll
    static void tearDownStates() throws Exception {
        List<Object> states = new ArrayList<>(STATES.values());
        STATES.clear();
        for (Object state : states.reversed()) {
            for (Method tearDown : annotated(state.getClass(), TearDown.class)) {
                tearDown.invoke(state);
            }
        }
    }

    private static void runOnce(Method benchmark, List<Class<?>> states, List<Map<Field, String>> params)
            throws Exception {
        List<Object> objects = new ArrayList<>();
        for (int i = 0; i < states.size(); i++) {
            objects.add(state(states.get(i), params.get(i)));
        }
        Object result = benchmark.invoke(objects.getFirst(), objects.subList(1, objects.size()).toArray());
        if (benchmark.getReturnType() != void.class) {
            assertThat(result).as(benchmark.getName() + " returns what it computed").isNotNull();
        }
    }

    /** The state of {@code type} with {@code params}, set up on first use. */
    private static Object state(Class<?> type, Map<Field, String> params) throws Exception {
        List<Object> key = List.of(type, params);
        Object state = STATES.get(key);
        if (state == null) {
            state = type.getDeclaredConstructor().newInstance();
            for (Map.Entry<Field, String> p : params.entrySet()) {
                p.getKey().set(state, p.getValue());
            }
            STATES.put(key, state); // torn down even when its setup fails half-way
            for (Method setup : annotated(type, Setup.class)) {
                setup.invoke(state);
            }
        }
        return state;
    }

    /** Every combination of the {@link Param} values of {@code states}, one map per state (String fields only). */
    private static List<List<Map<Field, String>>> combinations(List<Class<?>> states) {
        List<List<Map<Field, String>>> out = new ArrayList<>();
        out.add(new ArrayList<>());
        for (Class<?> state : states) {
            List<Map<Field, String>> own = new ArrayList<>();
            own.add(new LinkedHashMap<>());
            for (Field f : state.getFields()) {
                Param param = f.getAnnotation(Param.class);
                if (param == null) {
                    continue;
                }
                assertThat(f.getType()).as(f + " is a String parameter").isEqualTo(String.class);
                List<Map<Field, String>> next = new ArrayList<>();
                for (Map<Field, String> partial : own) {
                    for (String value : param.value()) {
                        Map<Field, String> more = new LinkedHashMap<>(partial);
                        more.put(f, value);
                        next.add(more);
                    }
                }
                own = next;
            }
            List<List<Map<Field, String>>> product = new ArrayList<>();
            for (List<Map<Field, String>> prefix : out) {
                for (Map<Field, String> choice : own) {
                    List<Map<Field, String>> longer = new ArrayList<>(prefix);
                    longer.add(choice);
                    product.add(longer);
                }
            }
            out = product;
        }
        return out;
    }

    private static List<Method> annotated(Class<?> type, Class<? extends java.lang.annotation.Annotation> a) {
        return Arrays.stream(type.getMethods()).filter(m -> m.isAnnotationPresent(a)).toList();
    }

    /** The classes of {@code dev.llmq.bench.jmh} that declare benchmarks (JMH's generated code left out). */
    private static List<Class<?>> benchmarkClasses() throws URISyntaxException, java.io.IOException,
            ClassNotFoundException {
        Path dir = Path.of(RoutingBenchmark.class.getResource(RoutingBenchmark.class.getSimpleName() + ".class")
                .toURI()).getParent();
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted(Comparator.naturalOrder()).toList()) {
                String name = f.getFileName().toString();
                if (!name.endsWith(".class") || name.contains("$")) {
                    continue;
                }
                Class<?> type = Class.forName("dev.llmq.bench.jmh." + name.substring(0, name.length() - 6));
                if (Modifier.isPublic(type.getModifiers()) && Arrays.stream(type.getMethods())
                        .anyMatch(m -> m.isAnnotationPresent(Benchmark.class))) {
                    out.add(type);
                }
            }
        }
        return out;
    }
}
