package dev.llmq.provider.conformance;

class GeminiConformanceTest extends ProviderConformanceTest {
    @Override
    protected String fixtureFolder() {
        return "gemini";
    }
}
