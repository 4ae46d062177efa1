package dev.llmq.provider.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.ErrorKind;
import dev.llmq.provider.ProviderError;
import dev.llmq.provider.ProviderException;
import dev.llmq.provider.spi.Redaction;
import dev.llmq.schemas.Json;
import java.io.IOException;

/**
 * Reading and writing provider wire JSON, with the errors every adapter gives alike: a request body that cannot be
 * written or is invalid ({@code INVALID_REQUEST}) or asks for what the provider cannot do
 * ({@code UNSUPPORTED_PARAMETER}), a 200 response or stream event that cannot be read
 * ({@code SERVER_ERROR} with a snippet scrubbed of the secret).
 */
public final class WireJson {

    private WireJson() {
    }

    /** The request body as bytes. */
    public static byte[] write(JsonNode body) {
        try {
            return Json.mapper().writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new ProviderException(ProviderError.of(ErrorKind.INVALID_REQUEST, "request not serialisable"), e);
        }
    }

    /** An {@code INVALID_REQUEST} (400) for a request that cannot be mapped. */
    public static ProviderException invalid(String message, String param) {
        return new ProviderException(ProviderError.builder(ErrorKind.INVALID_REQUEST).httpStatus(400).message(message)
                .param(param).build());
    }

    /** An {@code UNSUPPORTED_PARAMETER} (400, code {@code unsupported_parameter}) for a parameter form not mapped. */
    public static ProviderException unsupported(String param, String message) {
        return new ProviderException(ProviderError.builder(ErrorKind.UNSUPPORTED_PARAMETER).httpStatus(400)
                .providerCode("unsupported_parameter").message(message).param(param).build());
    }

    /** A successful response body as a JSON object. */
    public static ObjectNode readResponse(byte[] body, String secret) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(body);
        } catch (IOException e) {
            throw unreadable(body, secret, "response is not JSON", e);
        }
        if (!(node instanceof ObjectNode object)) {
            throw unreadable(body, secret, "response is not a JSON object", null);
        }
        return object;
    }

    /** A 200 response body that is not what the provider should have sent. */
    public static ProviderException unreadable(byte[] body, String secret, String why, Throwable cause) {
        return new ProviderException(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(200).message(why)
                .snippet(Redaction.snippet(body, secret)).build(), cause);
    }

    /** A stream event's data as JSON, whatever its type (see {@link #notAnObject}). */
    public static JsonNode readEvent(String data, String secret) {
        try {
            return Json.mapper().readTree(data);
        } catch (IOException e) {
            throw new ProviderException(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(200)
                    .message("unparseable stream event").snippet(Redaction.snippet(data, secret)).build(), e);
        }
    }

    /** A stream event whose data is JSON but not an object. */
    public static ProviderException notAnObject(String data, String secret) {
        return new ProviderException(ProviderError.builder(ErrorKind.SERVER_ERROR).httpStatus(200)
                .message("stream event is not a JSON object").snippet(Redaction.snippet(data, secret)).build());
    }
}
