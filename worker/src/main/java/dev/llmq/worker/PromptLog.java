package dev.llmq.worker;

import dev.llmq.schemas.JobRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a job's request body (its prompt) is logged: at DEBUG on the logger {@value #LOGGER}, which the
 * process keeps off unless asked for prompts ({@code llmq ... --log-prompts}); raising the level of {@code dev.llmq}
 * does not open it.
 */
public final class PromptLog {

    /** The logger that carries prompts; off by default. */
    public static final String LOGGER = "dev.llmq.prompts";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private PromptLog() {
    }

    /** Logs the job's request body when prompts are asked for. */
    public static void request(JobRequest job) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("job {} of batch {} ({}): request body {}", job.jobId(), job.batchId(), job.modelGroup(),
                    job.body());
        }
    }
}
