package dev.llmq.provider.conformance;

class AnthropicConformanceTest extends ProviderConformanceTest {
    @Override
    protected String fixtureFolder() {
        return "anthropic";
    }
}
