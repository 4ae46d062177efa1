package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.schemas.OpenAiError;
import java.nio.charset.StandardCharsets;

/** Renders OpenAI's error shape ({@link OpenAiError}) as the ingest API's answers need it. */
public final class ErrorBodies {

    private ErrorBodies() {
    }

    public static byte[] render(ObjectMapper mapper, ApiException e) {
        return render(mapper, e.getMessage(), e.type(), e.param(), e.code());
    }

    public static byte[] render(ObjectMapper mapper, String message, String type, String param, String code) {
        ObjectNode root = OpenAiError.body(message, type, param, code);
        try {
            return mapper.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            return ("{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }
}
