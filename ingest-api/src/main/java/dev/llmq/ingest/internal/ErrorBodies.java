package dev.llmq.ingest.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/** Renders OpenAI's error shape: {@code {"error":{"message","type","param","code"}}}, nulls kept. */
public final class ErrorBodies {

    private ErrorBodies() {
    }

    public static ObjectNode errorObject(ObjectMapper mapper, String message, String type, String param, String code) {
        ObjectNode error = mapper.createObjectNode();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return error;
    }

    public static byte[] render(ObjectMapper mapper, ApiException e) {
        return render(mapper, e.getMessage(), e.type(), e.param(), e.code());
    }

    public static byte[] render(ObjectMapper mapper, String message, String type, String param, String code) {
        ObjectNode root = mapper.createObjectNode();
        root.set("error", errorObject(mapper, message, type, param, code));
        try {
            return mapper.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            return ("{\"error\":{\"message\":\"internal error\",\"type\":\"server_error\",\"param\":null,\"code\":null}}")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }
}
