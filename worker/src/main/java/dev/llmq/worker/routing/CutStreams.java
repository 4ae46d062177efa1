package dev.llmq.worker.routing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.router.Deployment;
import dev.llmq.schemas.TokenUsage;
import dev.llmq.worker.ChunkPublisher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The output of a streaming job's attempts that ended without the provider's usage: a stream cut by a timeout or a
 * broken connection and tried again, one that failed for good, one a cancellation or the deadline stopped. The
 * provider billed each of them (the prompt it read and the tokens it sent), so the job's usage and cost count them:
 * what the provider had reported before the end, else estimated (the prompt at four characters a token, the output
 * as the content and tool-call deltas streamed). A
 * {@link ChunkPublisher} that counts the deltas of the current attempt on their way to the chunks topic. One job,
 * one thread.
 */
final class CutStreams implements ChunkPublisher {

    /** The adjustment of a result whose usage and cost include cut streams; its figures follow. */
    static final String ADJUSTMENT = "usage_estimated:cut_streams=";

    private final ChunkPublisher delegate;
    private final long promptEstimate;
    private final List<Cut> cuts = new ArrayList<>();
    private int streamed;

    /** What one attempt streamed before it ended without usage, on the deployment that billed it. */
    record Cut(Deployment deployment, TokenUsage usage) {
    }

    CutStreams(ChunkPublisher delegate, long promptEstimate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.promptEstimate = promptEstimate;
    }

    /** A new call begins: what it streams is counted afresh. */
    void callStarted() {
        streamed = 0;
    }

    /**
     * The current call ended before its answer: what it streamed, if anything, was billed. {@code told} is the usage
     * the provider had reported before the end (some report as they stream), or null: its counts are taken where it
     * has them (the output at least what was streamed), estimated where not.
     */
    void callCut(Deployment deployment, TokenUsage told) {
        boolean toldPrompt = told != null && told.promptTokens() > 0;
        long completion = Math.max(streamed, told == null ? 0 : told.completionTokens());
        if (completion > 0 || toldPrompt) {
            long prompt = toldPrompt ? told.promptTokens() : promptEstimate;
            cuts.add(new Cut(deployment, new TokenUsage(prompt, completion, prompt + completion,
                    toldPrompt ? told.cachedPromptTokens() : 0, told == null ? 0 : told.reasoningTokens(),
                    toldPrompt ? told.cacheCreationTokens() : 0, toldPrompt ? told.cacheCreation1hTokens() : 0)));
        }
        streamed = 0;
    }

    List<Cut> cuts() {
        return List.copyOf(cuts);
    }

    /** The estimated usage of every cut stream, or {@link TokenUsage#ZERO}. */
    TokenUsage usage() {
        TokenUsage sum = TokenUsage.ZERO;
        for (Cut cut : cuts) {
            sum = sum.plus(cut.usage());
        }
        return sum;
    }

    /** The adjustment that says the usage includes cut streams, with their figures. */
    String adjustment() {
        TokenUsage u = usage();
        return ADJUSTMENT + cuts.size() + ",prompt_tokens=" + u.promptTokens() + ",completion_tokens="
                + u.completionTokens();
    }

    @Override
    public void publish(ObjectNode chatCompletionChunk) {
        streamed += ChunkPublisher.deltas(chatCompletionChunk);
        delegate.publish(chatCompletionChunk);
    }

    @Override
    public void startAttempt(int attempt) {
        delegate.startAttempt(attempt);
    }

    @Override
    public int attempt() {
        return delegate.attempt();
    }
}
