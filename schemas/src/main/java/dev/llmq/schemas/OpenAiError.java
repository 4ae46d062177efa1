package dev.llmq.schemas;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI's error shape, which every llmq HTTP API answers refusals in: {@code {"error":{"message","type","param",
 * "code"}}}, nulls kept. One definition for the ingest API and the usage aggregator, including the codes of the
 * errors their HTTP server raises by itself (before any route), by status.
 */
public final class OpenAiError {

    private OpenAiError() {
    }

    /** The whole body: {@code {"error":{...}}}. */
    public static ObjectNode body(String message, String type, String param, String code) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.set("error", error(message, type, param, code));
        return root;
    }

    /** The inner {@code error} object. */
    public static ObjectNode error(String message, String type, String param, String code) {
        ObjectNode error = Json.mapper().createObjectNode();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return error;
    }

    /** The code of an error the HTTP server raised by itself with this status ({@code uri_too_long} ...). */
    public static String httpCode(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 414 -> "uri_too_long";
            case 415 -> "unsupported_media_type";
            case 431 -> "request_header_fields_too_large";
            case 505 -> "http_version_not_supported";
            default -> status >= 500 ? "server_error" : "http_" + status;
        };
    }

    /** True for a server-side failure (5xx other than 505): its type is {@code server_error} and its text says nothing. */
    public static boolean serverSide(int status) {
        return status >= 500 && status != 505;
    }
}
