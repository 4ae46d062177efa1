package dev.llmq.router;

/**
 * How much of a config file a role reads. A role reads only what it needs: the ingest API needs the model group
 * names and llmq's own settings, never a provider's endpoint or secret, so it starts without the environment
 * variables that the deployments' {@code os.environ/NAME} references name.
 */
public enum ConfigScope {

    /** Everything: deployments with their endpoints and secrets resolved (workers). */
    ROUTING,

    /**
     * Model group names, router settings and the {@code llmq:} section; the deployments' {@code litellm_params} and
     * {@code model_info} are not read, so no provider secret is resolved ({@link LlmqConfig#deployments()} is empty).
     */
    NAMES
}
