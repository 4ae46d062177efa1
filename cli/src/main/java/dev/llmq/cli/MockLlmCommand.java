package dev.llmq.cli;

import dev.llmq.runtime.PortInUseException;
import dev.llmq.runtime.mock.MockLlmServer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "mock-llm", mixinStandardHelpOptions = true,
        description = "Run the mock LLM server alone (OpenAI, Azure OpenAI, Anthropic and Gemini wire formats, "
                + "latency and fault injection; admin endpoints under /__mock).")
final class MockLlmCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = RoleOptions.DEFAULT_HOST, paramLabel = "ADDR",
            description = "address to bind (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", converter = PortConverter.class, defaultValue = "4010",
            description = "HTTP port (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws Exception {
        // refused here, as a role's port is, before the web server logs its own error about it
        PortInUseException.requireFree("mock LLM server", host, port);
        MockLlmServer server = MockLlmServer.builder().host(host).port(port).build().start();
        System.out.printf("llmq mock-llm ready: %s (OpenAI base URL %s)%n", server.baseUrl(), server.openAiBaseUrl());
        System.out.flush();
        return Foreground.runUntilSignalled("mock-llm", server);
    }
}
