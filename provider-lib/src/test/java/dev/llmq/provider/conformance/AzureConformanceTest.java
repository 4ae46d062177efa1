package dev.llmq.provider.conformance;

class AzureConformanceTest extends ProviderConformanceTest {
    @Override
    protected String fixtureFolder() {
        return "azure";
    }
}
