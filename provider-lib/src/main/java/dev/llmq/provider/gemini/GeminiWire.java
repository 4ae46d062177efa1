package dev.llmq.provider.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.model.Completions;
import java.util.Set;

/**
 * The Gemini API wire vocabulary (piece 1): finish reasons and the usage record. Bodies are read and written as JSON
 * trees field by field, unknown fields tolerated.
 *
 * <p>Sources: ai.google.dev/api/generate-content (GenerateContentResponse, Candidate.FinishReason, UsageMetadata),
 * ai.google.dev/gemini-api/docs/text-generation, /function-calling, /structured-output, /thinking.
 */
public final class GeminiWire {

    /**
     * The reasons that are {@code content_filter}, as LiteLLM maps them ({@code map_finish_reason}): the policy family
     * (below), an unsupported language, OTHER ("all other reasons that stopped the token generation": the output was
     * cut off, not finished) and the image-generation ones.
     */
    private static final Set<String> FILTERED = Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
            "SPII", "LANGUAGE", "OTHER", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION", "IMAGE_OTHER",
            "NO_IMAGE");

    /**
     * The reasons that flag the candidate's content itself (safety, recitation, blocklist, prohibited content, SPII
     * and their image counterparts): {@code content_filter} even when the candidate holds function calls, whose
     * running a filter stopped. LiteLLM's non-streamed answer does the same ({@code get_flagged_finish_reasons}).
     */
    private static final Set<String> FLAGGED = Set.of("SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT",
            "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION");

    /**
     * Joins a tool call's id and the {@code thoughtSignature} Gemini attached to its {@code functionCall} part
     * ({@code call_x__thought__<signature>}). Thinking models (Gemini 3) require the signature back with the call in
     * the next turn, and OpenAI's shape has no field for it, so it travels inside the opaque id (as LiteLLM does) and
     * is restored on the {@code functionCall} part when the caller sends the assistant message back.
     */
    public static final String THOUGHT_SIGNATURE_SEPARATOR = "__thought__";

    private GeminiWire() {
    }

    /**
     * A tool call's id without the thought signature a Gemini call's id carries
     * ({@link #THOUGHT_SIGNATURE_SEPARATOR}), for a provider to which it means nothing; the id itself when it carries
     * none. Null stays null.
     */
    public static String withoutThoughtSignature(String id) {
        int at = id == null ? -1 : id.indexOf(THOUGHT_SIGNATURE_SEPARATOR);
        return at > 0 ? id.substring(0, at) : id;
    }

    /**
     * Gemini {@code finishReason} → OpenAI {@code finish_reason}. A candidate that called a function finishes
     * {@code tool_calls} unless a flagged reason (above) stopped it: Gemini sends each call whole, so the calls are
     * complete even when MAX_TOKENS or OTHER ended the turn after them, and an OpenAI client runs the tools and loops
     * only on {@code tool_calls} (LiteLLM's {@code _check_finish_reason} does the same). Otherwise STOP is
     * {@code stop}; MAX_TOKENS → {@code length}; the filtered ones (above) → {@code content_filter}; any other reason
     * (FINISH_REASON_UNSPECIFIED, MALFORMED_FUNCTION_CALL, UNEXPECTED_TOOL_CALL, TOO_MANY_TOOL_CALLS, newer ones) →
     * {@code stop}. Null stays null.
     */
    public static String finishReason(String reason, boolean calledFunction) {
        if (reason == null || reason.isEmpty()) {
            return null;
        }
        if (FLAGGED.contains(reason)) {
            return "content_filter";
        }
        if (calledFunction) {
            return "tool_calls";
        }
        if ("MAX_TOKENS".equals(reason)) {
            return "length";
        }
        return FILTERED.contains(reason) ? "content_filter" : "stop";
    }

    /**
     * Gemini {@code usageMetadata}. {@code promptTokenCount} already includes cached content, so it is OpenAI's
     * {@code prompt_tokens} and {@code cachedContentTokenCount} the cached part. Thoughts are billed as output and
     * {@code candidatesTokenCount} excludes them, so, as LiteLLM and OpenAI's reasoning models count,
     * {@code completion_tokens} = candidates + thoughts and {@code reasoning_tokens} = thoughts. The total is
     * Gemini's own {@code totalTokenCount} (which also counts tool-use prompt tokens) when given. Some answers have
     * counted the thoughts inside {@code candidatesTokenCount} (the total is then prompt + candidates, without the
     * thoughts again); as LiteLLM does ({@code is_candidate_token_count_inclusive}), such a count is not added to
     * twice: {@code candidates} is always the answer without its thoughts. {@code audioPrompt} is the uncached audio
     * of the prompt ({@code promptTokensDetails} AUDIO less {@code cacheTokensDetails} AUDIO) and
     * {@code audioCandidates} the audio of the answer ({@code candidatesTokensDetails} AUDIO): Gemini prices audio
     * input apart ({@code input_cost_per_audio_token}, 1e-06 against 3e-07 for gemini-2.5-flash), and they become
     * OpenAI's {@code prompt_tokens_details.audio_tokens} / {@code completion_tokens_details.audio_tokens}.
     */
    public record Usage(long prompt, long candidates, long thoughts, long cached, long total, long audioPrompt,
                        long audioCandidates) {

        public static Usage fromJson(JsonNode u) {
            if (u == null || !u.isObject()) {
                return null;
            }
            long prompt = u.path("promptTokenCount").asLong(0);
            long candidates = u.path("candidatesTokenCount").asLong(0);
            long thoughts = u.path("thoughtsTokenCount").asLong(0);
            long total = u.path("totalTokenCount").asLong(prompt + candidates + thoughts);
            long toolUsePrompt = u.path("toolUsePromptTokenCount").asLong(0);
            if (thoughts > 0 && thoughts <= candidates && prompt + toolUsePrompt + candidates == total) {
                candidates -= thoughts; // the thoughts were counted in the candidates already
            }
            long audioPrompt = Math.max(0, audio(u.get("promptTokensDetails")) - audio(u.get("cacheTokensDetails")));
            return new Usage(prompt, candidates, thoughts, u.path("cachedContentTokenCount").asLong(0), total,
                    Math.min(audioPrompt, prompt), Math.min(audio(u.get("candidatesTokensDetails")), candidates));
        }

        /** The AUDIO entry's {@code tokenCount} in a list of Gemini {@code ModalityTokenCount}s, else 0. */
        private static long audio(JsonNode byModality) {
            long n = 0;
            if (byModality != null && byModality.isArray()) {
                for (JsonNode m : byModality) {
                    if ("AUDIO".equals(m.path("modality").asText())) {
                        n += Math.max(0, m.path("tokenCount").asLong(0));
                    }
                }
            }
            return n;
        }

        public ObjectNode toOpenAi() {
            return Completions.usage(prompt, candidates + thoughts).totalTokens(total).cachedTokens(cached)
                    .reasoningTokens(thoughts).audioTokens(audioPrompt, audioCandidates).build();
        }
    }
}
