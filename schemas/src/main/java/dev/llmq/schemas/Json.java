package dev.llmq.schemas;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.AnnotatedClass;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;

/** The one Jackson configuration for llmq's wire messages: unknown fields tolerated, ISO-8601 instants,
 * decimals (money) written in plain notation. */
public final class Json {

    private static final ObjectMapper MAPPER = newMapper();

    private Json() {
    }

    /** A shared, thread-safe mapper. Do not reconfigure it; call {@link #newMapper()} for a private copy. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * A new mapper with llmq's settings. Its parsers and generators take their buffers from a pool shared by all
     * threads rather than from Jackson's default per-thread cache: llmq runs each job on a virtual thread of its own,
     * so a per-thread cache would allocate fresh buffers (some 16 KB) for nearly every message read or written.
     * Instants in {@link Instant#toString()}'s form are read and written without a {@code DateTimeFormatter}
     * ({@link UtcInstantDeserializer}, {@link UtcInstantSerializer}; registered after the Java time module, so they
     * take precedence). Unknown properties are skipped as they are parsed ({@link UnknownPropertiesSkipped}).
     */
    public static ObjectMapper newMapper() {
        JsonFactory factory = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build();
        return JsonMapper.builder(factory)
                .addModule(new JavaTimeModule())
                .addModule(new SimpleModule("llmq-instants")
                        .addDeserializer(Instant.class, new UtcInstantDeserializer())
                        .addSerializer(Instant.class, new UtcInstantSerializer()))
                .annotationIntrospector(new UnknownPropertiesSkipped())
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.READ_UNKNOWN_ENUM_VALUES_USING_DEFAULT_VALUE)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .build();
    }

    /**
     * Makes every class read as if it were annotated {@code @JsonIgnoreProperties(ignoreUnknown = true)} while the
     * mapper does not fail on unknown properties. With that feature off alone, Jackson still copies each unknown
     * property of a type built through its constructor (every record) into a token buffer before dropping it: reading
     * a projection of a job record (a few fields of it) copied the whole chat body, six times the allocation of
     * skipping it. A mapper configured to fail on unknown properties still fails.
     */
    static final class UnknownPropertiesSkipped extends JacksonAnnotationIntrospector {

        private static final long serialVersionUID = 1L;

        @Override
        public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
            JsonIgnoreProperties.Value declared = super.findPropertyIgnoralByName(config, a);
            if (a instanceof AnnotatedClass && config instanceof DeserializationConfig d
                    && !d.isEnabled(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)) {
                return (declared == null ? JsonIgnoreProperties.Value.empty() : declared).withIgnoreUnknown();
            }
            return declared;
        }
    }
}
