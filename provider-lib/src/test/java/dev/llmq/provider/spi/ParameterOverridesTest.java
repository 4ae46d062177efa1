package dev.llmq.provider.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderClient;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.ProviderResponse;
import dev.llmq.provider.ProviderTarget;
import dev.llmq.provider.Providers;
import dev.llmq.provider.testing.FakePeer;
import dev.llmq.provider.testing.FakePeer.Reply;
import dev.llmq.schemas.Json;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * LiteLLM's {@code additional_drop_params} and {@code allowed_openai_params} on a deployment, through each adapter's
 * mapping to the request a provider (a local HTTP peer) receives.
 */
class ParameterOverridesTest {

    private static final String OPENAI_OK = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}";
    private static final String ANTHROPIC_OK = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\","
            + "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}],"
            + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":1}}";

    private FakePeer peer;
    private ProviderClient client;

    @BeforeEach
    void start() throws IOException {
        peer = new FakePeer();
        client = Providers.client(Providers.defaultHttpClient(), Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        peer.close();
    }

    private ProviderTarget.Builder target(String provider, String model) {
        String base = provider.equals("anthropic") ? peer.base().toString() : peer.base() + "/v1";
        return ProviderTarget.builder(provider, model).apiBase(URI.create(base)).apiKey("sk-test-abcdefgh");
    }

    private static ObjectNode request(String fields) throws IOException {
        return (ObjectNode) Json.mapper().readTree("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]"
                + (fields.isEmpty() ? "" : "," + fields) + "}");
    }

    private JsonNode sent() throws IOException {
        assertThat(peer.received()).hasSize(1);
        return Json.mapper().readTree(peer.received().get(0).body());
    }

    @Test
    void additionalDropParamsTakeFieldsAndPathsOutAndRecordEachTaken() throws IOException {
        ProviderTarget vllm = target("hosted_vllm", "llama-3").additionalDropParams(List.of("logit_bias",
                "tools[*].input_examples", "response_format.json_schema.strict", "seed")).build();
        ObjectNode req = request("\"logit_bias\":{\"5\":1},\"response_format\":{\"type\":\"json_schema\","
                + "\"json_schema\":{\"name\":\"a\",\"strict\":true,\"schema\":{\"type\":\"object\"}}},"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"},\"input_examples\":[1]},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"g\"}},"
                + "{\"type\":\"function\",\"function\":{\"name\":\"h\"},\"input_examples\":[2]}]");
        ObjectNode before = req.deepCopy();
        peer.enqueue(Reply.json(200, OPENAI_OK, Map.of()));

        ProviderResponse response = client.complete(vllm, req);

        assertThat(response.adjustments()).as("seed was not in the request: nothing to record").containsExactly(
                "dropped:logit_bias", "dropped:tools[*].input_examples", "dropped:response_format.json_schema.strict");
        JsonNode body = sent();
        assertThat(body.has("logit_bias")).isFalse();
        assertThat(body.at("/response_format/json_schema").has("strict")).isFalse();
        assertThat(body.at("/response_format/json_schema/name").asText()).isEqualTo("a");
        assertThat(body.get("tools")).hasSize(3).allSatisfy(t -> assertThat(t.has("input_examples")).isFalse());
        assertThat(body.at("/tools/2/function/name").asText()).isEqualTo("h");
        assertThat(req).as("the job's request is left as it is").isEqualTo(before);
    }

    @Test
    void anArrayIndexTakesOneElementOrItsField() throws IOException {
        ProviderTarget vllm = target("hosted_vllm", "llama-3")
                .additionalDropParams(List.of("stop[1]", "tools[0].function.strict", "tools[7].x")).build();
        peer.enqueue(Reply.json(200, OPENAI_OK, Map.of()));
        ProviderResponse response = client.complete(vllm, request("\"stop\":[\"a\",\"b\",\"c\"],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"strict\":true}}]"));
        assertThat(response.adjustments()).containsExactly("dropped:stop[1]", "dropped:tools[0].function.strict");
        JsonNode body = sent();
        assertThat(body.get("stop")).extracting(JsonNode::asText).containsExactly("a", "c");
        assertThat(body.at("/tools/0/function").has("strict")).isFalse();
    }

    /** Anthropic has no seed: refused without the override, sent as written with it (drop_params or not). */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void allowedOpenAiParamsAreSentWhereTheAdapterWouldRefuseOrDropThem(boolean dropParams) throws IOException {
        ObjectNode req = request("\"seed\":7,\"max_tokens\":20");
        assertThatThrownBy(() -> client.complete(target("anthropic", "claude-sonnet-4-5").build(), req))
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.error().kind()).isEqualTo(ErrorKind.UNSUPPORTED_PARAMETER);
                    assertThat(e.error().param()).isEqualTo("seed");
                });
        peer.enqueue(Reply.json(200, ANTHROPIC_OK, Map.of()));
        ProviderTarget allowing = target("anthropic", "claude-sonnet-4-5").dropParams(dropParams)
                .allowedOpenAiParams(Set.of("seed")).build();

        ProviderResponse response = client.complete(allowing, req);

        assertThat(response.adjustments()).doesNotContain("dropped:seed");
        JsonNode body = sent();
        assertThat(body.get("seed").asInt()).isEqualTo(7);
        assertThat(body.get("max_tokens").asInt()).as("the rest is mapped as ever").isEqualTo(20);
        assertThat(body.has("messages")).isTrue();
    }

    @Test
    void allowedParamsPassAnOpenAiReasoningModelsRefusalAndOthersStillFail() throws IOException {
        ProviderTarget o3 = target("openai", "o3").allowedOpenAiParams(Set.of("presence_penalty")).build();
        peer.enqueue(Reply.json(200, OPENAI_OK, Map.of()));
        assertThat(client.complete(o3, request("\"presence_penalty\":0.5")).adjustments()).isEmpty();
        assertThat(sent().get("presence_penalty").asDouble()).isEqualTo(0.5);

        assertThatThrownBy(() -> client.complete(o3, request("\"presence_penalty\":0.5,\"temperature\":0.2")))
                .isInstanceOfSatisfying(ProviderException.class,
                        e -> assertThat(e.error().param()).isEqualTo("temperature"));
        assertThat(peer.received()).hasSize(1);
    }

    @Test
    void pathsAreCheckedBeforeUse() {
        assertThat(List.of("logit_bias", "tools[*].input_examples", "a.b.c", "stop[0]", "x[12].y[*]"))
                .allMatch(ParameterOverrides::validPath);
        assertThat(List.of("", " ", "a..b", ".a", "a.", "a[", "a[x]", "a[-1]", "[0]", "a[1234567890]"))
                .noneMatch(ParameterOverrides::validPath);
    }
}
