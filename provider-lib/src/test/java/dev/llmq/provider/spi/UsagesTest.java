package dev.llmq.provider.spi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import dev.llmq.schemas.TokenUsage;
import org.junit.jupiter.api.Test;

/**
 * OpenAI-shaped usages with prompt-cache writes: llmq's own Anthropic mapping and a LiteLLM proxy in front of Claude
 * (its {@code calculate_usage}: {@code prompt_tokens} counts the cache reads and writes,
 * {@code prompt_tokens_details} carries {@code cache_creation_tokens} and {@code cache_creation_token_details}).
 */
class UsagesTest {

    private static JsonNode json(String text) throws Exception {
        return Json.mapper().readTree(text);
    }

    /** A LiteLLM proxy's usage for a Claude call that wrote 100 tokens to the 5-minute cache and 2000 to the 1-hour. */
    @Test
    void liteLlmsCacheWritesAndTheirOneHourPartAreRead() throws Exception {
        JsonNode usage = json("""
                {"completion_tokens":9,"prompt_tokens":2114,"total_tokens":2123,
                 "completion_tokens_details":{"reasoning_tokens":0,"text_tokens":9},
                 "prompt_tokens_details":{"cached_tokens":0,"text_tokens":14,"cache_write_tokens":2100,
                   "cache_creation_tokens":2100,
                   "cache_creation_token_details":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":2000}},
                 "cache_creation_input_tokens":2100,"cache_read_input_tokens":0,
                 "inference_geo":"not_available","service_tier":"standard"}""");

        assertThat(Usages.fromOpenAi(usage)).isEqualTo(new TokenUsage(2114, 9, 2123, 0, 0, 2100, 2000));
    }

    /**
     * LiteLLM builds some usages with the writes in {@code prompt_tokens_details} only (no top-level
     * {@code cache_creation_input_tokens}): they still count, in whichever of its spellings they come.
     */
    @Test
    void writesInPromptTokensDetailsAloneCount() throws Exception {
        JsonNode creation = json("""
                {"prompt_tokens":1000,"completion_tokens":10,"total_tokens":1010,
                 "prompt_tokens_details":{"cached_tokens":100,"cache_creation_tokens":800,
                   "cache_creation_token_details":
                     {"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":500}}}""");
        JsonNode write = json("""
                {"prompt_tokens":1000,"completion_tokens":10,"total_tokens":1010,
                 "prompt_tokens_details":{"cached_tokens":100,"cache_write_tokens":800}}""");
        JsonNode partsOnly = json("""
                {"prompt_tokens":1000,"completion_tokens":10,"total_tokens":1010,
                 "prompt_tokens_details":{"cached_tokens":100,
                   "cache_creation_token_details":
                     {"ephemeral_5m_input_tokens":300,"ephemeral_1h_input_tokens":500}}}""");

        assertThat(Usages.fromOpenAi(creation)).isEqualTo(new TokenUsage(1000, 10, 1010, 100, 0, 800, 500));
        assertThat(Usages.fromOpenAi(write)).isEqualTo(new TokenUsage(1000, 10, 1010, 100, 0, 800, 0));
        assertThat(Usages.fromOpenAi(partsOnly)).isEqualTo(new TokenUsage(1000, 10, 1010, 100, 0, 800, 500));
    }

    /** llmq's Anthropic mapping spells the 1-hour part as Anthropic does, at the top level; that stays read. */
    @Test
    void anthropicsOwnSpellingOfTheOneHourPartStillCounts() throws Exception {
        JsonNode usage = json("""
                {"prompt_tokens":2114,"completion_tokens":9,"total_tokens":2123,
                 "prompt_tokens_details":{"cached_tokens":0},"cache_creation_input_tokens":2100,
                 "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":2000}}""");

        assertThat(Usages.fromOpenAi(usage)).isEqualTo(new TokenUsage(2114, 9, 2123, 0, 0, 2100, 2000));
    }

    /** A plain OpenAI usage (zero details) has no cache writes; a 1-hour part never exceeds the writes. */
    @Test
    void noWritesAndAnInconsistentOneHourPart() throws Exception {
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":10,"completion_tokens":2,"total_tokens":12,
                 "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0}}""")))
                .isEqualTo(new TokenUsage(10, 2, 12, 0, 0, 0, 0));
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":100,"completion_tokens":2,"total_tokens":102,
                 "prompt_tokens_details":{"cache_creation_tokens":30,
                   "cache_creation_token_details":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":50}}}""")))
                .isEqualTo(new TokenUsage(100, 2, 102, 0, 0, 30, 30));
    }

    /** gpt-4o-audio-preview's usage (OpenAI's shape): its audio parts are kept, each clamped to its whole. */
    @Test
    void audioTokensOfThePromptAndTheCompletionAreRead() throws Exception {
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500,
                 "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":600,"text_tokens":400},
                 "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":400,"text_tokens":100,
                   "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}""")))
                .isEqualTo(new TokenUsage(1000, 500, 1500, 0, 0, 0, 0, 600, 400));
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":10,"completion_tokens":2,"total_tokens":12,
                 "prompt_tokens_details":{"audio_tokens":50},"completion_tokens_details":{"audio_tokens":7}}""")))
                .isEqualTo(new TokenUsage(10, 2, 12, 0, 0, 0, 0, 10, 2));
    }

    /** DeepSeek's own spelling of its cache reads: {@code prompt_cache_hit_tokens}, a part of the prompt. */
    @Test
    void deepSeeksCacheHitsAreTheCachedTokens() throws Exception {
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,
                 "prompt_cache_hit_tokens":900,"prompt_cache_miss_tokens":100}""")))
                .isEqualTo(new TokenUsage(1000, 20, 1020, 900, 0));
        assertThat(Usages.fromOpenAi(json("""
                {"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,
                 "prompt_tokens_details":{"cached_tokens":900},"prompt_cache_hit_tokens":900}""")))
                .as("both spellings: counted once").isEqualTo(new TokenUsage(1000, 20, 1020, 900, 0));
    }
}
