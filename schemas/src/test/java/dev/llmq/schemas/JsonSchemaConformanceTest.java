package dev.llmq.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The bundled JSON Schema files describe exactly what the records write. */
class JsonSchemaConformanceTest {

    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix("https://llmq.dev/schemas/",
                    "classpath:dev/llmq/schemas/")));

    static JsonSchema schema(String name) {
        return FACTORY.getSchema(SchemaLocation.of("https://llmq.dev/schemas/" + name));
    }

    @ParameterizedTest(name = "{0} against {1}")
    @CsvSource({
        "job-request.json, job-request.v1.schema.json",
        "stream-chunk.json, stream-chunk.v1.schema.json",
        "stream-chunk-without-run-id.json, stream-chunk.v1.schema.json",
        "job-status-event.json, job-status-event.v1.schema.json",
        "job-status-event-streaming.json, job-status-event.v1.schema.json",
        "job-control-cancel.json, job-control.v1.schema.json",
        "batch-manifest.json, batch-manifest.v1.schema.json",
        "batch-manifest-from-file.json, batch-manifest.v1.schema.json",
        "stored-file.json, stored-file.v1.schema.json",
        "job-result-succeeded.json, job-result.v1.schema.json",
        "job-result-failed.json, job-result.v1.schema.json",
        "job-result-cache-writes-1h.json, job-result.v1.schema.json",
        "job-result-refused-before-sending.json, job-result.v1.schema.json",
        "deployment-health.json, deployment-health.v1.schema.json",
        "budget-exceeded.json, budget.v1.schema.json",
        "usage-1h.json, usage.v1.schema.json",
        "usage-1d-tenant.json, usage.v1.schema.json"
    })
    void goldenFilesAndWhatTheRecordsWriteAreValid(String golden, String schemaFile) throws IOException {
        JsonSchema schema = schema(schemaFile);
        JsonNode node = Json.mapper().readTree(GoldenRoundTripTest.golden(golden));
        assertThat(schema.validate(node)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "job_id, job-request.json, job-request.v1.schema.json",
        "body, job-request.json, job-request.v1.schema.json",
        "seq, stream-chunk.json, stream-chunk.v1.schema.json",
        "response, job-result-succeeded.json, job-result.v1.schema.json",
        "error, job-result-failed.json, job-result.v1.schema.json",
        "deployment_id, deployment-health.json, deployment-health.v1.schema.json",
        "job_id, job-control-cancel.json, job-control.v1.schema.json",
        "job_ids, batch-manifest.json, batch-manifest.v1.schema.json",
        "first_offset, stored-file.json, stored-file.v1.schema.json",
        "resets_at, budget-exceeded.json, budget.v1.schema.json",
        "cost_usd, usage-1h.json, usage.v1.schema.json"
    })
    void aMissingRequiredFieldIsRejected(String field, String golden, String schemaFile) throws IOException {
        ObjectNode node = (ObjectNode) Json.mapper().readTree(GoldenRoundTripTest.golden(golden));
        node.remove(field);
        Set<ValidationMessage> errors = schema(schemaFile).validate(node);
        assertThat(errors).isNotEmpty();
        assertThat(errors.toString()).contains(field);
    }
}
