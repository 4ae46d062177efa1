package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every topic's deserializer, fed hostile bytes: a value (or null) comes back, or {@link SerializationException}
 * (what consumers dead-letter or skip); never another exception, a stack overflow or an out-of-memory error.
 */
class SerdeFuzzTest {

    /** Each golden record with the serde of its topic. */
    record Case(String file, JsonSerde<?> serde) {
        byte[] golden() {
            return GoldenRoundTripTest.golden(file);
        }

        @Override
        public String toString() {
            return file;
        }
    }

    static final List<Case> CASES = List.of(
            new Case("job-request.json", JsonSerde.jobRequest()),
            new Case("stream-chunk.json", JsonSerde.streamChunk()),
            new Case("job-status-event.json", JsonSerde.jobStatusEvent()),
            new Case("job-control-cancel.json", JsonSerde.jobControl()),
            new Case("batch-manifest.json", JsonSerde.batchManifest()),
            new Case("stored-file.json", JsonSerde.storedFile()),
            new Case("job-result-succeeded.json", JsonSerde.jobResult()),
            new Case("job-result-failed.json", JsonSerde.jobResult()),
            new Case("deployment-health.json", Topics.CONTROL.serde()),
            new Case("budget-exceeded.json", JsonSerde.budget()),
            new Case("usage-1h.json", JsonSerde.usageRecord()));

    /** Deserializes, and fails the property on anything but a value or a {@link SerializationException}. */
    static void deserializesOrRejects(JsonSerde<?> serde, byte[] bytes) {
        try {
            serde.deserializer().deserialize("topic", bytes);
        } catch (SerializationException expected) {
            assertThat(expected.getMessage()).startsWith("not a valid ");
        } catch (Throwable t) {
            throw new AssertionError(serde + " threw " + t + " on " + preview(bytes), t);
        }
    }

    static String preview(byte[] bytes) {
        String s = new String(bytes, 0, Math.min(bytes.length, 200), StandardCharsets.UTF_8);
        return bytes.length + " bytes: " + s;
    }

    @Provide
    Arbitrary<Case> cases() {
        return Arbitraries.of(CASES);
    }

    @org.junit.jupiter.api.Test
    void theUnmutatedRecordsAreValues() {
        for (Case c : CASES) {
            assertThat(c.serde().fromBytes(c.golden())).as(c.file()).isNotNull();
        }
    }

    @org.junit.jupiter.api.Test
    void theJsonNullDocumentIsRejectedAndNoBytesAreATombstone() {
        for (Case c : CASES) {
            assertThat(c.serde().fromBytes(null)).isNull();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.serde().fromBytes(" null ".getBytes(
                    StandardCharsets.UTF_8))).isInstanceOf(SerializationException.class).hasMessageContaining(
                    "the JSON document is null");
        }
    }

    @Property(tries = 300)
    void arbitraryBytes(@ForAll("cases") Case c, @ForAll @Size(max = 2048) byte[] bytes) {
        deserializesOrRejects(c.serde(), bytes);
    }

    @Property(tries = 500)
    void mutatedValidRecords(@ForAll("cases") Case c, @ForAll("mutations") List<Mutation> mutations) {
        byte[] bytes = c.golden();
        for (Mutation m : mutations) {
            bytes = m.apply(bytes);
        }
        deserializesOrRejects(c.serde(), bytes);
    }

    @Property(tries = 300)
    void wrongTypesInEveryField(@ForAll("cases") Case c, @ForAll @IntRange(min = 0, max = 40) int field,
                                @ForAll("hostileValues") String value) {
        String json = new String(c.golden(), StandardCharsets.UTF_8);
        deserializesOrRejects(c.serde(), replaceValue(json, field, value).getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000, 10_000, 200_000})
    void deepNestingIsRejectedWithoutAStackOverflow(int depth) {
        for (Case c : CASES) {
            String json = new String(c.golden(), StandardCharsets.UTF_8);
            String deep = "[".repeat(depth) + "]".repeat(depth);
            String deepObject = "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
            for (int field = 0; field < 20; field++) {
                deserializesOrRejects(c.serde(), replaceValue(json, field, deep).getBytes(StandardCharsets.UTF_8));
                deserializesOrRejects(c.serde(), replaceValue(json, field, deepObject)
                        .getBytes(StandardCharsets.UTF_8));
            }
            deserializesOrRejects(c.serde(), deep.getBytes(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "null", "{}", "[]", "\"x\"", "0", "true", "{\"a\":1,\"a\":2}", "\u0000",
            "{\"job_id\":\"\u0000\"}", "{\"job_id\":\"a\",\"job_id\":\"b\"}", "{\"schema_version\":1e999999}",
            "{\"schema_version\":123456789012345678901234567890123456789}", "{\"schema_version\":-1}",
            "{\"created_at\":\"not a time\"}", "{\"created_at\":99999999999999999999}"})
    void smallHostileDocuments(String json) {
        for (Case c : CASES) {
            deserializesOrRejects(c.serde(), json.getBytes(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x80, 0xC0, 0xFF, 0xED})
    void invalidUtf8AndNulInsideStrings(int bad) {
        for (Case c : CASES) {
            byte[] golden = c.golden();
            for (int at = 0; at < golden.length; at += 7) {
                byte[] copy = golden.clone();
                copy[at] = (byte) bad;
                deserializesOrRejects(c.serde(), copy);
                copy[at] = 0;
                deserializesOrRejects(c.serde(), copy);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1_000_000, 8_000_000})
    void hugeStringsAndNumbers(int length) {
        for (Case c : CASES) {
            String json = new String(c.golden(), StandardCharsets.UTF_8);
            String hugeString = "\"" + "x".repeat(length) + "\"";
            String hugeNumber = "9".repeat(Math.min(length, 100_000));
            for (int field = 0; field < 10; field++) {
                deserializesOrRejects(c.serde(), replaceValue(json, field, hugeString).getBytes(StandardCharsets.UTF_8));
                deserializesOrRejects(c.serde(), replaceValue(json, field, hugeNumber).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    /** {@code json} with the value of its {@code n}-th {@code "key":} (counting from 0, wrapping) replaced. */
    static String replaceValue(String json, int n, String value) {
        List<Integer> colons = new java.util.ArrayList<>();
        for (int i = json.indexOf("\":"); i >= 0; i = json.indexOf("\":", i + 1)) {
            colons.add(i + 2);
        }
        if (colons.isEmpty()) {
            return json;
        }
        int start = colons.get(n % colons.size());
        int end = valueEnd(json, start);
        return json.substring(0, start) + value + json.substring(end);
    }

    private static int valueEnd(String json, int start) {
        int depth = 0;
        boolean inString = false;
        for (int i = start; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (inString) {
                if (ch == '\\') {
                    i++;
                } else if (ch == '"') {
                    inString = false;
                }
            } else if (ch == '"') {
                inString = true;
            } else if (ch == '{' || ch == '[') {
                depth++;
            } else if (ch == '}' || ch == ']') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (ch == ',' && depth == 0) {
                return i;
            }
        }
        return json.length();
    }

    @Provide
    Arbitrary<String> hostileValues() {
        return Arbitraries.oneOf(
                Arbitraries.of("null", "true", "[]", "{}", "[1,2]", "{\"x\":{}}", "\"\"", "\"\\u0000\"", "-0",
                        "1e309", "-1e309", "1E-400", "9223372036854775808", "-9223372036854775809",
                        "123456789012345678901234567890.5", "\"2026-13-45T99:99:99Z\"", "\"\\ud800\"",
                        "\"NaN\"", "NaN", "Infinity", "\"x\",\"x\":\"y\""),
                Arbitraries.strings().ofMaxLength(30).map(s -> Json.mapper().getNodeFactory().textNode(s).toString()),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf));
    }

    /** One change to a record's bytes. */
    sealed interface Mutation {
        byte[] apply(byte[] bytes);

        record Flip(int at, int bit) implements Mutation {
            public byte[] apply(byte[] b) {
                if (b.length == 0) {
                    return b;
                }
                byte[] c = b.clone();
                c[at % c.length] ^= (byte) (1 << bit);
                return c;
            }
        }

        record Truncate(int at) implements Mutation {
            public byte[] apply(byte[] b) {
                return Arrays.copyOf(b, b.length == 0 ? 0 : at % b.length);
            }
        }

        record Insert(int at, byte value) implements Mutation {
            public byte[] apply(byte[] b) {
                int i = b.length == 0 ? 0 : at % (b.length + 1);
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, i);
                c[i] = value;
                System.arraycopy(b, i, c, i + 1, b.length - i);
                return c;
            }
        }

        record Delete(int at) implements Mutation {
            public byte[] apply(byte[] b) {
                if (b.length == 0) {
                    return b;
                }
                int i = at % b.length;
                byte[] c = new byte[b.length - 1];
                System.arraycopy(b, 0, c, 0, i);
                System.arraycopy(b, i + 1, c, i, b.length - i - 1);
                return c;
            }
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, 100_000);
        Arbitrary<Mutation> one = Arbitraries.oneOf(
                Combinators.combine(at, Arbitraries.integers().between(0, 7)).as(Mutation.Flip::new),
                at.map(Mutation.Truncate::new),
                Combinators.combine(at, Arbitraries.of((byte) 0, (byte) '"', (byte) '{', (byte) ']', (byte) ',',
                        (byte) 0xC3, (byte) 0xFF, (byte) '\\', (byte) '9')).as(Mutation.Insert::new),
                at.map(Mutation.Delete::new));
        return one.list().ofMinSize(1).ofMaxSize(8);
    }
}
