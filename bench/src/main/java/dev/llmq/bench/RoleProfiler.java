package dev.llmq.bench;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Profiles llmq's role processes over a scenario's measured window with async-profiler: its native agent is loaded
 * into each process through the JDK's attach API (so the roles start as they always do), samples CPU every
 * millisecond ({@code event=cpu}: perf events; {@code itimer} where the kernel refuses them), and at the end writes a
 * flame graph ({@code <role>.html}) and the collapsed stacks ({@code <role>.collapsed}, one line per stack with its
 * thread as the root frame) into the chosen directory.
 *
 * <p>Unlike JFR's method sampling, async-profiler sees native frames (the JIT compilers, the garbage collector, the
 * kernel's socket writes) and walks virtual threads' stacks whole: in two runs of the same saturation command, JFR put
 * 8% of an ingest's samples on the line of Javalin's {@code CompressedOutputStream.write} that calls into Jetty, where
 * async-profiler found 0.6% under that method.
 */
final class RoleProfiler implements AutoCloseable {

    /** Events tried in this order: CPU time from perf events, then the CPU timer, which needs no permission. */
    static final List<String> EVENTS = List.of("cpu", "itimer");
    /** The allocation event: a sample about every 512 KiB a thread allocates, with the allocated type on top. */
    static final String ALLOC = "alloc";
    /**
     * A thread's number in its pool: the digits ending a word that has no other digits ({@code worker-2},
     * {@code CompilerThread0}, {@code Thread#1}), unless a space follows ({@code C2 CompilerThread0} keeps C2), so an
     * id such as {@code 20f6b760} stays whole.
     */
    private static final Pattern DIGITS = Pattern.compile("(?<![A-Za-z0-9])([A-Za-z]*)\\d++(?=$|[^A-Za-z0-9 ])");
    private static final int TOP_THREADS = 6;
    private static final int TOP_FRAMES = 10;

    private final Path lib;
    private final Path dir;
    private final Map<String, Long> pids;
    private final String event;
    private boolean stopped;
    /** What {@link #stop()} found, for {@link #print}. */
    private Map<String, Summary> summaries = Map.of();

    private RoleProfiler(Path lib, Path dir, Map<String, Long> pids, String event) {
        this.lib = lib;
        this.dir = dir;
        this.pids = pids;
        this.event = event;
    }

    /**
     * Starts profiling the processes {@code pids} (role name → pid) with the agent {@code lib}
     * ({@link #extractAgent}) and {@code event}, or with the first of {@link #EVENTS} the first process accepts when
     * {@code event} is null; the output goes into {@code dir}.
     */
    static RoleProfiler start(Path lib, Map<String, Long> pids, Path dir, String event) throws IOException {
        Files.createDirectories(dir);
        List<String> events = event == null ? EVENTS : List.of(event);
        String used = null;
        Map<String, Long> started = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Long> role : pids.entrySet()) {
                if (used == null) {
                    used = startFirst(lib, role.getValue(), events);
                } else {
                    load(lib, role.getValue(), startOptions(used));
                }
                started.put(role.getKey(), role.getValue());
            }
        } catch (RuntimeException e) {
            new RoleProfiler(lib, dir, started, used).close();
            throw e;
        }
        return new RoleProfiler(lib, dir, Collections.unmodifiableMap(started), used);
    }

    private static String startFirst(Path lib, long pid, List<String> events) {
        IllegalStateException refused = null;
        for (String e : events) {
            try {
                load(lib, pid, startOptions(e));
                return e;
            } catch (IllegalStateException ex) {
                if (refused == null) {
                    refused = ex;
                } else {
                    refused.addSuppressed(ex);
                }
            }
        }
        throw refused;
    }

    private static String startOptions(String event) {
        return ALLOC.equals(event) ? "start,event=alloc,threads" : "start,event=" + event + ",interval=1ms,threads";
    }

    /** The event the processes are sampled on. */
    String event() {
        return event;
    }

    /**
     * Stops profiling and writes {@code <role>.html} and {@code <role>.collapsed} for each process; returns each
     * role's summary, in the order the processes were given.
     */
    Map<String, Summary> stop() throws IOException {
        stopped = true;
        Map<String, Summary> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> role : pids.entrySet()) {
            Path collapsed = dir.resolve(role.getKey() + ".collapsed");
            load(lib, role.getValue(), "stop,file=" + dir.resolve(role.getKey() + ".html"));
            load(lib, role.getValue(), "dump,collapsed,file=" + collapsed);
            out.put(role.getKey(), Summary.of(collapsed, ALLOC.equals(event)));
        }
        summaries = out;
        return out;
    }

    /**
     * The table of where each process's CPU went (or what it allocated): its samples, its busiest threads and its
     * hottest frames (allocation sites), as {@link #stop()} found them, with the files to look at further.
     */
    void print(PrintStream out) {
        boolean alloc = ALLOC.equals(event);
        out.println(alloc ? "### what each process allocated (async-profiler, a sample about every 512 KiB a thread "
                + "allocates, the measured window)" : "### where each process's CPU went (async-profiler, event "
                + event + " every 1 ms, the measured window)");
        out.println();
        out.println("Flame graphs (`<process>.html`) and collapsed stacks (`<process>.collapsed`, the thread first) "
                + "in " + dir + ". Shares are of the process's own samples; " + (alloc ? "a site is the type "
                + "allocated and the method that allocated it." : "a frame's is where the sample was taken (a system "
                + "call counts for its wrapper)."));
        out.println();
        out.println("| process | samples | threads | " + (alloc ? "largest allocation sites" : "hottest frames") + " |");
        out.println("|---|---|---|---|");
        summaries.forEach((role, s) -> out.println("| " + role + " | " + String.format(Locale.ROOT, "%,d",
                s.samples()) + " | " + s.top(s.threads(), TOP_THREADS) + " | " + s.top(s.frames(), TOP_FRAMES)
                + " |"));
        out.println();
        out.flush();
    }

    /** Stops the profiler in every process without writing anything, unless {@link #stop()} ran. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (long pid : pids.values()) {
            try {
                load(lib, pid, "stop");
            } catch (RuntimeException e) {
                System.err.println("could not stop the profiler in process " + pid + ": " + e.getMessage());
            }
        }
    }

    /** Loads the agent into {@code pid} with one command; a command the agent refuses is an exception. */
    private static void load(Path lib, long pid, String options) {
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (Exception e) {
            throw new IllegalStateException("cannot attach to process " + pid + " to profile it: " + e, e);
        }
        try {
            vm.loadAgentPath(lib.toString(), options);
        } catch (AgentInitializationException e) {
            throw new IllegalStateException("async-profiler in process " + pid + " refused '" + options
                    + "' (code " + e.returnValue() + "; the process's log says why)", e);
        } catch (AgentLoadException | IOException e) {
            throw new IllegalStateException("cannot load async-profiler into process " + pid + ": " + e, e);
        } finally {
            try {
                vm.detach();
            } catch (IOException e) {
                // the command ran; a failed detach leaves nothing behind that matters here
            }
        }
    }

    /** Copies the agent library for this platform out of the class path into {@code dir}, once per run. */
    static Path extractAgent(Path dir) throws IOException {
        Files.createDirectories(dir);
        String platform = platform();
        String resource = platform + "/libasyncProfiler.so";
        try (InputStream in = RoleProfiler.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("this build has no async-profiler agent for " + platform
                        + " (it bundles linux-x64's); profile with --role-jvm-args and JFR instead");
            }
            Path lib = dir.resolve("libasyncProfiler.so");
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            return lib;
        }
    }

    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        String cpu = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "arm64";
            default -> arch;
        };
        return (os.startsWith("linux") ? "linux" : os.replace(' ', '-')) + "-" + cpu;
    }

    /**
     * Where one process's samples went: by thread (names with their numbers as {@code N}, so a pool's threads add
     * up) and by the frame each sample was taken in ("self"; a sample in the kernel counts for the last frame above
     * it, the system call's wrapper or the Java method).
     */
    record Summary(long samples, Map<String, Long> threads, Map<String, Long> frames) {

        static Summary of(Path collapsed, boolean allocation) throws IOException {
            try (Stream<String> lines = Files.lines(collapsed)) {
                return of(lines, allocation);
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }

        /**
         * Reads async-profiler's collapsed output: {@code frame;frame;...;frame <samples>}, root first. Of an
         * allocation profile the top frame is the type allocated ({@code byte[]_[i]}: in a new TLAB, {@code _[k]}:
         * outside one), and a sample's site is that type with the method under it.
         */
        static Summary of(Stream<String> lines, boolean allocation) {
            Map<String, Long> threads = new HashMap<>();
            Map<String, Long> frames = new HashMap<>();
            long[] total = {0};
            lines.filter(l -> !l.isBlank()).forEach(line -> {
                int space = line.lastIndexOf(' ');
                long n = Long.parseLong(line.substring(space + 1).trim());
                String[] stack = line.substring(0, space).split(";");
                total[0] += n;
                threads.merge(threadGroup(stack[0]), n, Long::sum);
                frames.merge(allocation ? allocationSite(stack) : selfFrame(stack), n, Long::sum);
            });
            return new Summary(total[0], sorted(threads), sorted(frames));
        }

        /** {@code [kafka-producer-network-thread | w-1 tid=123]} → {@code kafka-producer-network-thread | w-N}. */
        static String threadGroup(String root) {
            if (!root.startsWith("[") || !root.endsWith("]")) {
                return "(no thread)";
            }
            String name = root.substring(1, root.length() - 1);
            int tid = name.lastIndexOf(" tid=");
            name = tid >= 0 ? name.substring(0, tid) : name;
            return DIGITS.matcher(name).replaceAll("$1N");
        }

        private static String selfFrame(String[] stack) {
            for (int i = stack.length - 1; i > 0; i--) {
                if (!stack[i].endsWith("_[k]")) {
                    return stack[i].replace('/', '.');
                }
            }
            return stack.length > 1 ? stack[stack.length - 1] : stack[0];
        }

        private static String allocationSite(String[] stack) {
            String type = stack[stack.length - 1].replaceFirst("_\\[[ik]]$", "");
            return stack.length > 2 ? type + " in " + stack[stack.length - 2].replace('/', '.') : type;
        }

        private static Map<String, Long> sorted(Map<String, Long> counts) {
            List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
            entries.sort(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            Map<String, Long> out = new LinkedHashMap<>();
            entries.forEach(e -> out.put(e.getKey(), e.getValue()));
            return Collections.unmodifiableMap(out);
        }

        /** The first {@code limit} entries of {@code counts} as "name 12.3%, ..." of this summary's samples. */
        String top(Map<String, Long> counts, int limit) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Long> e : counts.entrySet()) {
                if (parts.size() == limit) {
                    break;
                }
                parts.add(e.getKey().replace("|", "\\|") + " " + String.format(Locale.ROOT, "%.1f%%",
                        samples == 0 ? 0.0 : 100.0 * e.getValue() / samples));
            }
            return String.join(", ", parts);
        }
    }
}
