package dev.llmq.worker;

import dev.llmq.schemas.JobRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * A handler that answers each job with its words (streamed as a role chunk, one chunk per word and a finish chunk),
 * optionally holding chosen jobs until {@link #release()}, and counting calls and concurrency.
 */
final class TestHandler implements JobHandler {

    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger maxRunning = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final Map<String, AtomicInteger> callsByJob = new ConcurrentHashMap<>();
    final Set<String> interrupted = ConcurrentHashMap.newKeySet();
    private final Predicate<String> holds;
    private final Duration latency;
    private final boolean deaf;
    private final CountDownLatch gate = new CountDownLatch(1);

    TestHandler() {
        this(id -> false);
    }

    /** Holds the jobs whose id matches until {@link #release()}. */
    TestHandler(Predicate<String> holds) {
        this(holds, Duration.ZERO);
    }

    /** Also takes {@code latency} per job, like a provider that needs a moment. */
    TestHandler(Predicate<String> holds, Duration latency) {
        this(holds, latency, false);
    }

    /**
     * @param deaf whether a held job ignores interrupts (a wedged job, which its worker's stop cannot end) instead of
     *             ending with them
     */
    TestHandler(Predicate<String> holds, Duration latency, boolean deaf) {
        this.holds = holds;
        this.latency = latency;
        this.deaf = deaf;
    }

    void release() {
        gate.countDown();
    }

    private void hold(String jobId) throws InterruptedException {
        boolean wasInterrupted = false;
        while (true) {
            try {
                gate.await();
                break;
            } catch (InterruptedException e) {
                interrupted.add(jobId);
                if (!deaf) {
                    throw e;
                }
                wasInterrupted = true;
            }
        }
        if (wasInterrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public JobOutcome handle(JobRequest job, ChunkPublisher chunks) throws InterruptedException {
        calls.incrementAndGet();
        callsByJob.computeIfAbsent(job.jobId(), k -> new AtomicInteger()).incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            if (holds.test(job.jobId())) {
                hold(job.jobId());
            }
            if (!latency.isZero()) {
                LockSupport.parkNanos(latency.toNanos());
            }
            List<String> words = TestJobs.words(job.jobId(), TestJobs.wordCount(job.jobId()));
            chunks.publish(TestJobs.roleChunk(job.jobId()));
            words.forEach(word -> chunks.publish(TestJobs.contentChunk(job.jobId(), word)));
            chunks.publish(TestJobs.finishChunk(job.jobId()));
            return JobOutcome.succeeded(TestJobs.completion(job.jobId(), String.join("", words)), TestJobs.usage())
                    .withRoute("mock-1", "openai", "mock-model");
        } finally {
            running.decrementAndGet();
        }
    }
}
