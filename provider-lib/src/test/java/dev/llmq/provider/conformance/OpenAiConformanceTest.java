package dev.llmq.provider.conformance;

class OpenAiConformanceTest extends ProviderConformanceTest {
    @Override
    protected String fixtureFolder() {
        return "openai";
    }
}
