package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UtcInstantSerializerTest {

    /** Jackson's own writing, to compare with. */
    private static final ObjectMapper JACKSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    @Test
    void llmqsMapperWritesInstantsWithIt() throws Exception {
        ObjectMapper mapper = Json.mapper();
        assertThat(mapper.getSerializerProviderInstance().findValueSerializer(Instant.class))
                .isInstanceOf(UtcInstantSerializer.class);
    }

    @Test
    void everyInstantIsWrittenAsToStringAndJacksonsWriterWriteIt() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 40_000; i++) {
            // every precision Instant.toString prints (none, milli, micro, nano), years 0000 to 9999 and beyond
            long seconds = switch (i % 3) {
                case 0 -> random.nextLong(-2_208_988_800L, 10_413_792_000L); // 1900..2300
                case 1 -> random.nextLong(-62_167_219_200L, 253_402_300_800L); // 0000..9999
                default -> random.nextLong(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond());
            };
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            assertWritten(Instant.ofEpochSecond(seconds, nanos));
        }
        for (Instant edge : new Instant[] {Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(-1, 1),
                Instant.ofEpochSecond(-62_167_219_200L), Instant.ofEpochSecond(-62_167_219_201L, 999_999_999),
                Instant.ofEpochSecond(253_402_300_799L, 999_999_999), Instant.ofEpochSecond(253_402_300_800L),
                Instant.MIN, Instant.MAX, Instant.parse("2024-02-29T23:59:59.5Z"),
                Instant.parse("2026-12-04T10:15:30.000001Z"), Instant.parse("2026-12-04T10:15:30.100Z")}) {
            assertWritten(edge);
        }
    }

    private static void assertWritten(Instant instant) throws Exception {
        String expected = '"' + instant.toString() + '"';
        assertThat(Json.mapper().writeValueAsString(instant)).isEqualTo(expected)
                .isEqualTo(JACKSON.writeValueAsString(instant));
        assertThat(new String(Json.mapper().writeValueAsBytes(instant), StandardCharsets.UTF_8))
                .isEqualTo(expected);
        assertThat(Json.mapper().readValue(expected, Instant.class)).isEqualTo(instant);
    }
}
