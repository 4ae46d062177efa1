package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.llmq.schemas.Json;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubmissionParserTest {

    private static final String CHAT = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private final SubmissionParser parser = new SubmissionParser(Json.mapper(), () -> Set.of("gpt-4o-mini", "gpt-4o"));

    /** The submission time of every parse here: before every deadline the tests give, unless they mean otherwise. */
    private static final Instant NOW = Instant.parse("2023-06-01T00:00:00Z");

    private ParsedSubmission parse(String body, String contentType) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8), contentType, NOW);
    }

    private ApiException reject(String body, String contentType) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> parse(body, contentType));
        assertThat(e).as("expected a rejection of %s", body).isNotNull();
        return e;
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            "interactive" | 1
            "batch"       | 0
            3             | 3
            0             | 0
            -2            | -2
            """)
    void priorityIsAWordOrAnInteger(String priority, int stored) {
        ParsedJob job = parse("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"priority\":" + priority + "}",
                "application/json").jobs().getFirst();
        assertThat(job.priority()).isEqualTo(stored);
        assertThat(JobFields.interactive(job.priority())).isEqualTo(priority.equals("\"interactive\"")
                || stored > 0);
        assertThat(job.body().has("priority")).isFalse();
    }

    @Test
    void priorityDefaultsToBatch() {
        ParsedJob job = parse("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "application/json")
                .jobs().getFirst();
        assertThat(JobFields.interactive(job.priority())).isFalse();
    }

    @Test
    void singleJobKeepsTheOpenAiBodyAndTakesOutLlmqFields() {
        ParsedSubmission s = parse("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":0.2,\"stream\":true,\"custom_id\":\"c1\",\"metadata\":{\"team\":\"a\"},"
                + "\"tags\":[\"x\",\"y\"],\"priority\":5,\"deadline\":\"2026-01-02T03:04:05Z\"}", "application/json");
        assertThat(s.multi()).isFalse();
        ParsedJob job = s.jobs().getFirst();
        assertThat(job.customId()).isEqualTo("c1");
        assertThat(job.modelGroup()).isEqualTo("gpt-4o");
        assertThat(job.stream()).isTrue();
        assertThat(job.priority()).isEqualTo(5);
        assertThat(job.deadline()).isEqualTo(Instant.parse("2026-01-02T03:04:05Z"));
        assertThat(job.tags()).containsExactly("x", "y");
        assertThat(job.metadata()).containsEntry("team", "a");
        assertThat(job.body().fieldNames()).toIterable()
                .containsExactly("model", "messages", "temperature", "stream");
    }

    @Test
    void arrayAndNdjsonGiveMultiJobSubmissionsInOrder() {
        ParsedSubmission array = parse("[" + CHAT + "," + CHAT.replace("gpt-4o-mini", "gpt-4o") + "]", null);
        assertThat(array.multi()).isTrue();
        assertThat(array.jobs()).extracting(ParsedJob::modelGroup).containsExactly("gpt-4o-mini", "gpt-4o");

        ParsedSubmission nd = parse(CHAT + "\n\n  \r\n" + CHAT.replace("gpt-4o-mini", "gpt-4o") + "\n",
                "application/x-ndjson");
        assertThat(nd.multi()).isTrue();
        assertThat(nd.jobs()).extracting(ParsedJob::modelGroup).containsExactly("gpt-4o-mini", "gpt-4o");
    }

    @Test
    void openAiBatchInputLinesAreAccepted() {
        String line = "{\"custom_id\":\"req-1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":" + CHAT + "}";
        ParsedSubmission s = parse(line + "\n" + line.replace("req-1", "req-2"), "application/jsonl");
        assertThat(s.jobs()).extracting(ParsedJob::customId).containsExactly("req-1", "req-2");
        assertThat(s.jobs().getFirst().body().fieldNames()).toIterable().doesNotContain("custom_id");
        assertThat(s.jobs().getFirst().body().get("model").asText()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void aFileSavedWithAByteOrderMarkAndCrlfLineEndsIsRead() {
        ParsedSubmission s = parse("\uFEFF" + CHAT + "\r\n" + CHAT.replace("gpt-4o-mini", "gpt-4o") + "\r\n",
                "application/x-ndjson");
        assertThat(s.jobs()).extracting(ParsedJob::modelGroup).containsExactly("gpt-4o-mini", "gpt-4o");
    }

    @Test
    void batchInputLineWithoutMethodAndUrlIsReadAsOne() {
        ParsedSubmission s = parse("{\"custom_id\":\"req-1\",\"body\":" + CHAT + "}", "application/x-ndjson");
        assertThat(s.jobs()).extracting(ParsedJob::customId, ParsedJob::modelGroup)
                .containsExactly(tuple("req-1", "gpt-4o-mini"));
        ApiException e = reject("{\"custom_id\":\"r\",\"body\":{\"messages\":[]}}", "application/x-ndjson");
        assertThat(e.param()).isEqualTo("line 1: model");
        ApiException chat = reject("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"body\":{}}",
                "application/x-ndjson");
        assertThat(chat.param()).as("a chat body with a stray body field stays a chat body").isEqualTo("line 1: model");
    }

    @Test
    void batchInputLineWithAnotherUrlOrMethodIsRefused() {
        String base = "{\"custom_id\":\"r\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":" + CHAT + "}";
        assertThat(reject(base, "application/x-ndjson").getMessage()).contains("line 1").contains("/v1/chat/completions");
        assertThat(reject(base.replace("/v1/embeddings", "/v1/chat/completions").replace("POST", "GET"),
                "application/x-ndjson").param()).isEqualTo("line 1: method");
    }

    @Test
    void badNdjsonLineIsNamedByItsLineNumber() {
        String body = CHAT + "\n\n" + CHAT + "\n{\"model\":\"gpt-4o\"}\n" + CHAT;
        ApiException e = reject(body, "application/x-ndjson");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("line 4: messages");
        assertThat(e.getMessage()).startsWith("line 4:").contains("messages");
    }

    @Test
    void malformedNdjsonLineIsNamedByItsLineNumber() {
        ApiException e = reject(CHAT + "\n{not json\n", "application/x-ndjson");
        assertThat(e.code()).isEqualTo("invalid_json");
        assertThat(e.param()).isEqualTo("line 2");
        assertThat(e.getMessage()).startsWith("line 2, column 2: malformed JSON");
    }

    @Test
    void aMalformedNdjsonLineIsPlacedByTheBodysLineAndColumnOnly() {
        ApiException e = reject(CHAT + "\n\n  {\"model\": x}\n", "application/x-ndjson");
        assertThat(e.param()).isEqualTo("line 3");
        assertThat(e.getMessage()).startsWith("line 3, column 13: malformed JSON: Unrecognized token 'x'")
                .doesNotContain("(line");
        ApiException twoValues = reject(CHAT + "\n" + CHAT + " " + CHAT + "\n", "application/x-ndjson");
        assertThat(twoValues.getMessage()).isEqualTo("line 2, column " + (CHAT.length() + 2)
                + ": malformed JSON: content after the first value");
    }

    @Test
    void severalValuesInABodyWithoutANewlineSuggestCurlDataBinary() {
        ApiException ndjson = reject(CHAT + CHAT, "application/x-ndjson");
        assertThat(ndjson.getMessage()).isEqualTo("line 1, column " + (CHAT.length() + 1) + ": malformed JSON: "
                + "content after the first value (curl -d strips newlines: use --data-binary @file)");
        ApiException json = reject(CHAT + " " + CHAT, null);
        assertThat(json.getMessage()).isEqualTo("malformed JSON: content after the first value (line 1, column "
                + (CHAT.length() + 2) + ") (curl -d strips newlines: use --data-binary @file)");
        assertThat(reject(CHAT + "\n" + CHAT, null).getMessage()).as("newlines were kept: NDJSON sent as JSON")
                .isEqualTo("malformed JSON: content after the first value (line 2, column 1)");
    }

    @Test
    void badArrayElementIsNamedByItsIndex() {
        ApiException e = reject("[" + CHAT + ",{\"model\":\"nope\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}]", null);
        assertThat(e.code()).isEqualTo("model_not_found");
        assertThat(e.param()).isEqualTo("[1]: model");
        assertThat(e.getMessage()).contains("job at index 1").contains("nope").contains("gpt-4o, gpt-4o-mini");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            malformed JSON            | {"model":                                                       | invalid_json               |
            trailing garbage          | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]} x               | invalid_json               |
            empty body                |                                                                 | invalid_json               |
            not an object             | "hello"                                                         | invalid_request            |
            number                    | 42                                                              | invalid_request            |
            missing model             | {"messages":[{"role":"user","content":"hi"}]}                                  | missing_required_parameter | model
            model not a string        | {"model":3,"messages":[{"role":"user","content":"hi"}]}                        | invalid_type               | model
            missing messages          | {"model":"gpt-4o"}                                              | missing_required_parameter | messages
            messages empty            | {"model":"gpt-4o","messages":[]}                                | empty_array                | messages
            messages not array        | {"model":"gpt-4o","messages":"hi"}                              | invalid_type               | messages
            message without role      | {"model":"gpt-4o","messages":[{"content":"hi"}]}                | missing_required_parameter | messages[0].role
            message not object        | {"model":"gpt-4o","messages":["hi"]}                            | invalid_type               | messages[0]
            unknown model group       | {"model":"gpt-5","messages":[{"role":"user","content":"hi"}]}                  | model_not_found            | model
            stream not boolean        | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":"yes"}  | invalid_type               | stream
            stream_options not object | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream_options":1} | invalid_type            | stream_options
            metadata not strings      | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"metadata":{"a":1}} | invalid_type            | metadata.a
            metadata not object       | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"metadata":[]}   | invalid_type               | metadata
            tags not strings          | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"tags":[1]}      | invalid_type               | tags[0]
            priority not integer      | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"priority":1.5}  | invalid_type               | priority
            priority unknown word     | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"priority":"urgent"} | invalid_value          | priority
            priority not word or int  | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"priority":true} | invalid_type               | priority
            bad deadline              | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"deadline":"soon"} | invalid_type             | deadline
            bad expires_at            | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":true} | invalid_type             | expires_at
            expires_at past           | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":"2023-05-31T23:59:59Z"} | invalid_value | expires_at
            expires_at now            | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":1685577600} | invalid_value      | expires_at
            expires_at after 9999     | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":"+999999999-12-31T23:59:59Z"} | invalid_value | expires_at
            epoch after 9999          | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":31556889864403199} | invalid_value | expires_at
            epoch past Instant.MAX    | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":9223372036854775807} | invalid_value | expires_at
            window of 19 digits       | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":"9223372036854775807s"} | invalid_value | completion_window
            epoch before 1970         | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"deadline":-9223372036854775808} | invalid_value | deadline
            deadline past             | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"deadline":1600000000} | invalid_value        | deadline
            alias differs             | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":1700000000,"deadline":1700000001} | invalid_value | expires_at
            instant and window        | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"expires_at":1700000000,"completion_window":"1h"} | invalid_value | completion_window
            window not a string       | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":3600} | invalid_type      | completion_window
            window without unit       | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":"24"} | invalid_type      | completion_window
            window unknown unit       | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":"2w"} | invalid_type      | completion_window
            window zero               | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":"0s"} | invalid_value     | completion_window
            window over 7 days        | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"completion_window":"169h"} | invalid_value   | completion_window
            custom_id not string      | {"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"custom_id":7}   | invalid_type               | custom_id
            empty array               | []                                                              | invalid_request            |
            """)
    void eachBadInputGetsA400WithCodeAndParam(String name, String body, String code, String param) {
        ApiException e = reject(body == null ? "" : body, "application/json");
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.type()).isEqualTo("invalid_request_error");
        assertThat(e.code()).isEqualTo(code);
        assertThat(e.param()).isEqualTo(param);
        assertThat(e.getMessage()).isNotBlank();
    }

    @Test
    void emptyNdjsonAndDuplicateCustomIdsAreRefused() {
        assertThat(reject("\n  \n", "application/x-ndjson").getMessage()).contains("no jobs");
        String withId = CHAT.replace("{\"model\"", "{\"custom_id\":\"same\",\"model\"");
        ApiException dup = reject(withId + "\n" + withId, "application/x-ndjson");
        assertThat(dup.code()).isEqualTo("duplicate_custom_id");
        assertThat(dup.param()).isEqualTo("line 2: custom_id");
    }

    @Test
    void configuredGroupsAreReadOnEveryParse() {
        java.util.concurrent.atomic.AtomicReference<Set<String>> groups = new java.util.concurrent.atomic.AtomicReference<>(Set.of("a"));
        SubmissionParser reloading = new SubmissionParser(Json.mapper(), groups::get);
        String body = "{\"model\":\"b\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertThatThrownBy(() -> reloading.parse(body.getBytes(StandardCharsets.UTF_8), null, NOW))
                .isInstanceOf(ApiException.class);
        groups.set(Set.of("a", "b"));
        assertThat(reloading.parse(body.getBytes(StandardCharsets.UTF_8), null, NOW).jobs()).hasSize(1);
    }

    @Test
    void epochSecondDeadlineIsAccepted() {
        ParsedJob job = parse(CHAT.replace("{\"model\"", "{\"deadline\":1700000000,\"model\""), null).jobs().getFirst();
        assertThat(job.deadline()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    }

    @ParameterizedTest(name = "{0} expires at submission + {1} s")
    @CsvSource({"30m, 1800", "1h, 3600", "24h, 86400", "1s, 1", "7d, 604800", "' 90 M ', 5400"})
    void aCompletionWindowCountsFromTheSubmission(String window, long seconds) {
        ParsedJob job = parse(CHAT.replace("{\"model\"", "{\"completion_window\":\"" + window + "\",\"model\""), null)
                .jobs().getFirst();
        assertThat(job.deadline()).isEqualTo(NOW.plusSeconds(seconds));
        assertThat(job.body().has("completion_window")).isFalse();
    }

    @Test
    void expiresAtIsTheDeadlinesNameAndBothMayBeGivenWhenTheyAgree() {
        ParsedJob iso = parse(CHAT.replace("{\"model\"", "{\"expires_at\":\"2026-01-02T03:04:05+01:00\",\"model\""), null)
                .jobs().getFirst();
        assertThat(iso.deadline()).isEqualTo(Instant.parse("2026-01-02T02:04:05Z"));
        assertThat(iso.body().has("expires_at")).isFalse();
        ParsedJob both = parse(CHAT.replace("{\"model\"",
                "{\"expires_at\":1700000000,\"deadline\":\"2023-11-14T22:13:20Z\",\"model\""), null).jobs().getFirst();
        assertThat(both.deadline()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L));
    }

    @Test
    void aBatchLineMayCarryTheWindowBesideItsBodyAndAPastDeadlineNamesItsLine() {
        String line = "{\"custom_id\":\"a\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                + "\"completion_window\":\"24h\",\"body\":" + CHAT + "}";
        ParsedJob job = parse(line + "\n", "application/x-ndjson").jobs().getFirst();
        assertThat(job.deadline()).isEqualTo(NOW.plus(Duration.ofHours(24)));

        String past = CHAT.replace("{\"model\"", "{\"expires_at\":1600000000,\"model\"");
        ApiException e = reject(line + "\n" + past + "\n", "application/x-ndjson");
        assertThat(e.param()).isEqualTo("line 2: expires_at");
        assertThat(e.getMessage()).contains("line 2").contains("already past");
    }

    /** NDJSON as a stream that hands out at most {@code step} bytes a read, so lines are split across reads. */
    private static InputStream trickle(String body, int step) {
        return new FilterInputStream(new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private List<String> streamed(String body, int step, long maxLine, List<Integer> lines) throws IOException {
        List<String> ids = new ArrayList<>();
        int count = parser.parseNdjson(trickle(body, step), maxLine, NOW, (job, line) -> {
            ids.add(job.customId());
            lines.add(line);
        });
        assertThat(count).isEqualTo(ids.size());
        return ids;
    }

    @ParameterizedTest(name = "{0} bytes a read")
    @CsvSource({"1", "7", "65536"})
    void ndjsonReadFromAStreamGivesTheJobsOfTheSameBodyParsedWhole(int step) throws IOException {
        String line = "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
                + CHAT + "}";
        String body = "\uFEFF" + line.formatted("a") + "\r\n\r\n  " + line.formatted("b") + "\r\n"
                + line.formatted("c");
        List<Integer> lines = new ArrayList<>();
        assertThat(streamed(body, step, 1 << 20, lines)).containsExactly("a", "b", "c")
                .isEqualTo(parse(body, "application/x-ndjson").jobs().stream().map(ParsedJob::customId).toList());
        assertThat(lines).containsExactly(1, 3, 4);
        String bad = line.formatted("a") + "\n" + line.formatted("a");
        ApiException whole = reject(bad, "application/x-ndjson");
        ApiException read = catchThrowableOfType(ApiException.class, () -> streamed(bad, step, 1 << 20,
                new ArrayList<>()));
        assertThat(read.getMessage()).isEqualTo(whole.getMessage()).startsWith("line 2: ");
    }

    @Test
    void aStreamedLineLongerThanTheLimitOrNoJobAtAllIsRefused() {
        String body = CHAT + "\n" + CHAT.replace("hi", "x".repeat(200)) + "\n";
        ApiException tooLong = catchThrowableOfType(ApiException.class, () -> streamed(body, 5, 150,
                new ArrayList<>()));
        assertThat(tooLong.status()).isEqualTo(400);
        assertThat(tooLong.getMessage()).contains("line 2").contains("150 bytes");
        ApiException empty = catchThrowableOfType(ApiException.class, () -> streamed("\n \r\n", 5, 150,
                new ArrayList<>()));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.param()).as("what an upload of it names").isEqualTo("file");
        assertThat(empty.getMessage()).contains("the file holds no requests");
    }
}
