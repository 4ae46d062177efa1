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
        this.holds = holds;
        this.latency = latency;
    }

    void release() {
        gate.countDown();
    }

    @Override
    public JobOutcome handle(JobRequest job, ChunkPublisher chunks) throws InterruptedException {
        calls.incrementAndGet();
        callsByJob.computeIfAbsent(job.jobId(), k -> new AtomicInteger()).incrementAndGet();
        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
        try {
            if (holds.test(job.jobId())) {
                try {
                    gate.await();
                } catch (InterruptedException e) {
                    interrupted.add(job.jobId());
                    throw e;
                }
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
