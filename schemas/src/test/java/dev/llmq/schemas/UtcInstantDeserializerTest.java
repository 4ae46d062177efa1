package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.DefaultDeserializationContext;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UtcInstantDeserializerTest {

    /** Jackson's own reading, to compare with. */
    private static final ObjectMapper JACKSON = JsonMapper.builder().addModule(new JavaTimeModule()).build();

    private static Instant read(ObjectMapper mapper, String json) throws Exception {
        return mapper.readValue(json, Instant.class);
    }

    @Test
    void llmqsMapperReadsInstantsWithIt() throws Exception {
        ObjectMapper mapper = Json.mapper();
        DefaultDeserializationContext ctxt = ((DefaultDeserializationContext) mapper.getDeserializationContext())
                .createDummyInstance(mapper.getDeserializationConfig());
        JsonDeserializer<Object> d = ctxt.findRootValueDeserializer(mapper.constructType(Instant.class));
        assertThat(d).isInstanceOf(UtcInstantDeserializer.class);
    }

    @Test
    void everyInstantAsJavaWritesItReadsBackTheSameAsJacksonReadsIt() throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 20_000; i++) {
            // 1900..2300, every precision Instant.toString prints (none, milli, micro, nano)
            long seconds = random.nextLong(-2_208_988_800L, 10_413_792_000L);
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            Instant instant = Instant.ofEpochSecond(seconds, nanos);
            String s = instant.toString();
            assertThat(UtcInstantDeserializer.parse(s)).as(s).isEqualTo(instant);
            assertThat(read(Json.mapper(), '"' + s + '"')).as(s).isEqualTo(read(JACKSON, '"' + s + '"'));
        }
        assertThat(UtcInstantDeserializer.parse("2024-02-29T23:59:59.5Z"))
                .isEqualTo(Instant.parse("2024-02-29T23:59:59.500Z"));
    }

    @Test
    void otherFormsGoToJacksonsReaderAndAreReadOrRefusedAsBefore() throws Exception {
        for (String other : new String[] {"\"2026-11-30T10:15:30+01:00\"", "\"+12026-11-30T10:15:30Z\"",
                "1764497730", "1764497730.5", "\"2026-11-30T24:00:00Z\"", "\"2016-12-31T23:59:60Z\""}) {
            assertThat(UtcInstantDeserializer.parse(other.replace("\"", ""))).as(other).isNull();
            assertThat(read(Json.mapper(), other)).as(other).isEqualTo(read(JACKSON, other));
        }
        // not instants in the fast form's sense: whatever Jackson makes of them (an instant or an error), llmq too
        for (String odd : new String[] {"\"2026-02-30T10:15:30Z\"", "\"2026-11-30T10:15:30.1234567891Z\"",
                "\"2026-11-30T10:61:00Z\"", "\"2026-1a-30T10:15:30Z\"", "\"2026-11-30T10:15:30.Z\"",
                "\"2026-11-30 10:15:30Z\"", "\"yesterday\""}) {
            assertThat(UtcInstantDeserializer.parse(odd.replace("\"", ""))).as(odd).isNull();
            Object jackson;
            try {
                jackson = read(JACKSON, odd);
            } catch (JsonMappingException e) {
                jackson = JsonMappingException.class;
            }
            Object llmq;
            try {
                llmq = read(Json.mapper(), odd);
            } catch (JsonMappingException e) {
                llmq = JsonMappingException.class;
            }
            assertThat(llmq).as(odd).isEqualTo(jackson);
        }
        assertThatThrownBy(() -> read(Json.mapper(), "\"yesterday\"")).isInstanceOf(JsonMappingException.class);
        assertThat(read(Json.mapper(), "null")).isNull();
    }
}
