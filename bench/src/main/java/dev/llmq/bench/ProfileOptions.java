package dev.llmq.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * {@code --profile DIR} (a picocli mixin): profile llmq's processes over the measured window with async-profiler
 * ({@link RoleProfiler}) and print where each one's CPU went, or with {@code --profile-event alloc} what it allocated.
 */
final class ProfileOptions {

    @Option(names = "--profile", paramLabel = "DIR", description = "profile each llmq process over the measured "
            + "window with async-profiler (see --profile-event); flame graphs and collapsed stacks go into DIR and a "
            + "table of where each process's CPU went (or what it allocated) is printed")
    Path dir;

    @Option(names = "--profile-event", defaultValue = "cpu", description = "what --profile samples: "
            + "${COMPLETION-CANDIDATES}; cpu from perf events (the CPU timer where they are refused), alloc the "
            + "allocation sites (default: ${DEFAULT-VALUE})")
    Event profileEvent;

    /** What {@code --profile} samples. */
    enum Event { cpu, alloc }

    /** The agent, copied out of the class path by the check before the load. */
    private Path lib;
    /** The event the check before the load found the processes accept. */
    private String event;

    /**
     * Starts and stops the profiler in the roles at once when {@code --profile} is given, so a process that refuses
     * it fails the run before the warm-up, not after.
     */
    void check(LlmqRoles roles) throws IOException {
        check(roles.pids());
    }

    /** As {@link #check(LlmqRoles)}, for these processes by name. */
    void check(Map<String, Long> pids) throws IOException {
        if (dir != null) {
            lib = RoleProfiler.extractAgent(dir);
            try (RoleProfiler probe = RoleProfiler.start(lib, pids, dir,
                    profileEvent == Event.alloc ? RoleProfiler.ALLOC : null)) {
                event = probe.event();
            }
        }
    }

    /** The profiler, started in every role; null without {@code --profile}. */
    RoleProfiler start(LlmqRoles roles) throws IOException {
        return dir == null ? null : RoleProfiler.start(lib, roles.pids(), dir, event);
    }

    /** As {@link #start(LlmqRoles)}, its output in {@code part} under the directory (a scenario's phase). */
    RoleProfiler start(LlmqRoles roles, String part) throws IOException {
        return start(roles.pids(), part);
    }

    /** As {@link #start(LlmqRoles, String)}, for these processes by name. */
    RoleProfiler start(Map<String, Long> pids, String part) throws IOException {
        return dir == null ? null : RoleProfiler.start(lib, pids, dir.resolve(part), event);
    }
}
