package dev.llmq.provider.openai;

/** How an OpenAI-family endpoint takes its key. */
public enum AuthStyle {
    /** {@code Authorization: Bearer <key>}; no header when the target has no key (local servers). */
    BEARER,
    /** Azure's {@code api-key: <key>} header. */
    API_KEY_HEADER
}
