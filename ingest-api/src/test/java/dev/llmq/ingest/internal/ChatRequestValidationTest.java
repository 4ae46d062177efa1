package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.llmq.config.IngestLimits;
import dev.llmq.schemas.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The chat-completion schema as the parser applies it: OpenAI's types, ranges and codes; parsing hazards. */
class ChatRequestValidationTest {

    private static final Instant NOW = Instant.parse("2023-06-01T00:00:00Z");
    private static final String HEAD = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    private final SubmissionParser parser = new SubmissionParser(Json.mapper(), () -> Set.of("gpt-4o"));

    private ParsedSubmission parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8), "application/json", NOW);
    }

    private ApiException reject(String body) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(body));
        assertThat(e).as("expected a rejection of %s", body).isNotNull();
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        return e;
    }

    /** The job with {@code extra} (a JSON fragment of top-level fields) added. */
    private static String with(String extra) {
        return HEAD + "," + extra + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            temperature a string       | "temperature":"hot"                       | invalid_type            | temperature
            temperature above 2        | "temperature":99                          | decimal_above_max_value | temperature
            temperature below 0        | "temperature":-0.1                        | decimal_below_min_value | temperature
            top_p above 1              | "top_p":1.5                               | decimal_above_max_value | top_p
            n 1e9                      | "n":1e9                                   | integer_above_max_value | n
            n zero                     | "n":0                                     | integer_below_min_value | n
            n a decimal                | "n":1.5                                   | invalid_type            | n
            max_tokens negative        | "max_tokens":-5                           | integer_below_min_value | max_tokens
            max_tokens a string        | "max_tokens":"100"                        | invalid_type            | max_tokens
            max_completion_tokens 0    | "max_completion_tokens":0                 | integer_below_min_value | max_completion_tokens
            presence_penalty 3         | "presence_penalty":3                      | decimal_above_max_value | presence_penalty
            frequency_penalty -2.5     | "frequency_penalty":-2.5                  | decimal_below_min_value | frequency_penalty
            logit_bias not an object   | "logit_bias":[1]                          | invalid_type            | logit_bias
            logit_bias over 100        | "logit_bias":{"50256":101}                | decimal_above_max_value | logit_bias.50256
            logprobs a string          | "logprobs":"yes"                          | invalid_type            | logprobs
            top_logprobs 21            | "top_logprobs":21                         | integer_above_max_value | top_logprobs
            stop five strings          | "stop":["a","b","c","d","e"]              | array_above_max_length  | stop
            stop a number              | "stop":5                                  | invalid_type            | stop
            stop holds a number        | "stop":["a",5]                            | invalid_type            | stop[1]
            seed a decimal             | "seed":1.5                                | invalid_type            | seed
            stream a string            | "stream":"yes"                            | invalid_type            | stream
            stream_options a number    | "stream_options":1                        | invalid_type            | stream_options
            tools a string             | "tools":"x"                               | invalid_type            | tools
            tool without function      | "tools":[{"type":"function"}]             | missing_required_parameter | tools[0].function
            tool of unknown type       | "tools":[{"type":"magic","magic":{}}]     | invalid_value           | tools[0].type
            tool name with spaces      | "tools":[{"type":"function","function":{"name":"a b"}}] | invalid_value | tools[0].function.name
            tool_choice unknown word   | "tool_choice":"sometimes"                 | invalid_value           | tool_choice
            tool_choice a number       | "tool_choice":3                           | invalid_type            | tool_choice
            parallel_tool_calls string | "parallel_tool_calls":"true"              | invalid_type            | parallel_tool_calls
            response_format a number   | "response_format":5                       | invalid_type            | response_format
            response_format unknown    | "response_format":{"type":"yaml"}         | invalid_value           | response_format.type
            json_schema without schema | "response_format":{"type":"json_schema"}  | missing_required_parameter | response_format.json_schema
            user a number              | "user":42                                 | invalid_type            | user
            store a string             | "store":"no"                              | invalid_type            | store
            reasoning_effort unknown   | "reasoning_effort":"extreme"              | invalid_value           | reasoning_effort
            modalities unknown         | "modalities":["smell"]                    | invalid_value           | modalities[0]
            audio without voice        | "audio":{"format":"mp3"}                  | missing_required_parameter | audio.voice
            prediction wrong type      | "prediction":{"type":"guess","content":"x"} | invalid_value         | prediction.type
            service_tier unknown       | "service_tier":"gold"                     | invalid_value           | service_tier
            """)
    void aDocumentedFieldOfTheWrongTypeOrRangeIsRefusedLikeOpenAi(String name, String field, String code,
                                                                  String param) {
        ApiException e = reject(with(field));
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).contains("'" + param + "'");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            content a number          | [{"role":"user","content":5}]                                   | invalid_type  | messages[0].content
            role wizard               | [{"role":"wizard","content":"hi"}]                              | invalid_value | messages[0].role
            role a number             | [{"role":1,"content":"hi"}]                                     | invalid_type  | messages[0].role
            user without content      | [{"role":"user"}]                                               | missing_required_parameter | messages[0].content
            part of unknown type      | [{"role":"user","content":[{"type":"video","video":"x"}]}]      | invalid_value | messages[0].content[0].type
            text part without text    | [{"role":"user","content":[{"type":"text"}]}]                   | missing_required_parameter | messages[0].content[0].text
            image part without url    | [{"role":"user","content":[{"type":"image_url","image_url":{}}]}] | missing_required_parameter | messages[0].content[0].image_url.url
            system with an image      | [{"role":"system","content":[{"type":"image_url","image_url":{"url":"u"}}]}] | invalid_value | messages[0].content[0].type
            tool without call id      | [{"role":"tool","content":"42"}]                                | missing_required_parameter | messages[0].tool_call_id
            tool call without id      | [{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]}] | missing_required_parameter | messages[0].tool_calls[0].id
            tool call arguments object | [{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":{}}}]}] | invalid_type | messages[0].tool_calls[0].function.arguments
            message a string          | ["hi"]                                                          | invalid_type  | messages[0]
            """)
    void messagesAreCheckedByRoleAndContentShape(String name, String messages, String code, String param) {
        ApiException e = reject("{\"model\":\"gpt-4o\",\"messages\":" + messages + "}");
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.param()).isEqualTo(param);
    }

    @Test
    void aFullRequestWithEveryKindOfMessageAndFieldIsAccepted() {
        String body = """
                {"model":"gpt-4o","messages":[
                  {"role":"developer","content":"be brief"},
                  {"role":"system","content":[{"type":"text","text":"sys"}]},
                  {"role":"user","name":"ann","content":[{"type":"text","text":"look"},
                    {"type":"image_url","image_url":{"url":"https://x/y.png","detail":"low"}},
                    {"type":"input_audio","input_audio":{"data":"AAAA","format":"wav"}},
                    {"type":"file","file":{"file_id":"file-1"}}]},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                    "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"12C"},
                  {"role":"assistant","content":[{"type":"refusal","refusal":"no"}]},
                  {"role":"function","name":"f","content":"x"}],
                 "temperature":0.7,"top_p":1,"n":2,"max_tokens":100,"max_completion_tokens":200,
                 "presence_penalty":-2,"frequency_penalty":2,"logit_bias":{"50256":-100},"logprobs":true,
                 "top_logprobs":20,"stop":["a","b","c","d"],"seed":-9007199254740993,"stream":true,
                 "stream_options":{"include_usage":true},
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"d",
                   "parameters":{"type":"object"},"strict":true}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"w","schema":{"type":"object"}}},
                 "user":"u1","store":false,"reasoning_effort":"low","modalities":["text","audio"],
                 "audio":{"voice":"alloy","format":"mp3"},"prediction":{"type":"content","content":"x"},
                 "service_tier":"auto","top_k":40,"x_provider_extension":{"anything":[1,2]}}
                """;
        ParsedJob job = parse(body).jobs().getFirst();
        assertThat(job.body().path("top_k").asInt()).isEqualTo(40);
        assertThat(job.body().has("x_provider_extension")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"stop\":\"END\"", "\"tool_choice\":\"required\"", "\"temperature\":null",
            "\"response_format\":{\"type\":\"json_object\"}", "\"n\":128", "\"temperature\":2"})
    void documentedAlternativesAndBoundsAreAccepted(String field) {
        assertThat(parse(with(field)).jobs()).hasSize(1);
    }

    @Test
    void aHugeValueIsNeverEchoedWhole() {
        String huge = "x".repeat(100_000);
        ApiException e = reject(with("\"temperature\":\"" + huge + "\""));
        assertThat(e.getMessage()).hasSizeLessThan(300).contains("100000 characters");
    }

    @Test
    void inAnArrayTheIndexStillNamesTheJob() {
        ApiException e = reject("[" + HEAD + "}," + with("\"temperature\":\"hot\"") + "]");
        assertThat(e.param()).isEqualTo("[1]: temperature");
        assertThat(e.getMessage()).startsWith("job at index 1:");
    }

    @Test
    void duplicateKeysAreRefusedNamingTheKey() {
        ApiException e = reject("{\"model\":\"gpt-4o\",\"model\":\"gpt-4o\",\"messages\":[]}");
        assertThat(e.code()).isEqualTo("duplicate_key");
        assertThat(e.param()).isEqualTo("model");
        ApiException nested = reject(with("\"metadata\":{\"a\":\"1\",\"a\":\"2\"}"));
        assertThat(nested.param()).isEqualTo("a");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefusedWhileReading() {
        SubmissionParser shallow = new SubmissionParser(Json.mapper(), () -> Set.of("gpt-4o"),
                new IngestLimits(10, 10, 8, 10, 2, 10, 10, 2, 10, 10));
        String deep = with("\"x\":" + "[".repeat(20) + "]".repeat(20));
        ApiException e = catchThrowableOfType(ApiException.class,
                () -> shallow.parse(deep.getBytes(StandardCharsets.UTF_8), null, NOW));
        assertThat(e.code()).isEqualTo("json_too_deep");
        assertThat(e.getMessage()).contains("8").contains("llmq.ingest.limits.max_json_depth");
        assertThat(reject("[".repeat(100_000)).code()).isEqualTo("json_too_deep");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"temperature\":1e999999", "\"x\":-1e999999", "\"x\":[1e400]"})
    void numbersNoReaderCanHoldAreRefused(String field) {
        assertThat(reject(with(field)).getMessage()).contains("out of range");
    }

    @Test
    void aVeryLongIntegerIsAnOrdinaryValue() {
        String digits = "9".repeat(400);
        assertThat(parse(with("\"x\":" + digits)).jobs().getFirst().body().get("x").bigIntegerValue().toString())
                .isEqualTo(digits);
        assertThat(reject(with("\"seed\":" + digits)).code()).isEqualTo("integer_above_max_value");
        assertThat(reject(with("\"n\":" + digits)).code()).isEqualTo("integer_above_max_value");
    }

    @Test
    void invalidUtf8AndRawNulBytesAre400() {
        byte[] utf8 = with("\"user\":\"AB\"").getBytes(StandardCharsets.UTF_8);
        byte[] invalid = utf8.clone();
        int a = with("\"user\":\"").length();
        invalid[a] = (byte) 0xC3;
        invalid[a + 1] = (byte) 0x28;
        byte[] nul = utf8.clone();
        nul[a] = 0;
        for (byte[] body : new byte[][] {invalid, nul, {0, 0, 0}}) {
            ApiException e = catchThrowableOfType(ApiException.class, () -> parser.parse(body, null, NOW));
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.code()).isEqualTo("invalid_json");
        }
    }
}
