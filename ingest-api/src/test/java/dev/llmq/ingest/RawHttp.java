package dev.llmq.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmq.schemas.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * HTTP/1.1 over a plain socket, for requests the JDK client refuses to send (malformed request lines and headers,
 * invalid percent-encoding, enormous URIs, truncated bodies). One request per connection, its end marked by closing
 * the sending side; the answer is read until the server closes the connection or the body's declared length has
 * arrived.
 */
final class RawHttp {

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    record Answer(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }

        /** Asserts OpenAI's error shape with a JSON content type, no HTML and no stack trace; returns the error. */
        JsonNode openAiError() {
            assertThat(header("Content-Type")).as(this.toString()).startsWith("application/json");
            assertThat(body.toLowerCase(Locale.ROOT)).doesNotContain("<html").doesNotContain("\tat ")
                    .doesNotContain("exception");
            try {
                JsonNode error = Json.mapper().readTree(body).path("error");
                assertThat(error.fieldNames()).toIterable().as(body)
                        .containsExactly("message", "type", "param", "code");
                assertThat(error.path("message").asText()).isNotBlank();
                return error;
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }
    }

    /** Sends {@code request} (every byte as given) and reads the answer. */
    Answer send(byte[] request) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request);
                out.flush();
                // the request ends here: a body shorter than announced is truncated, not merely slow
                s.shutdownOutput();
            } catch (IOException e) {
                // the server may answer and close before reading everything (e.g. a body over the limit)
            }
            return read(s.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Answer send(String request) {
        return send(request.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int headEnd = -1;
        long length = -1;
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                all.write(buf, 0, n);
                String text = all.toString(StandardCharsets.ISO_8859_1);
                if (headEnd < 0) {
                    headEnd = text.indexOf("\r\n\r\n");
                    if (headEnd >= 0) {
                        length = contentLength(text.substring(0, headEnd));
                    }
                }
                if (headEnd >= 0 && length >= 0 && all.size() >= headEnd + 4 + length) {
                    break;
                }
            }
        } catch (SocketTimeoutException | java.net.SocketException e) {
            // what arrived is the answer
        }
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        String body = end < 0 ? "" : text.substring(end + 4);
        String[] statusLine = head.split(" ", 3);
        int status = statusLine.length > 1 && statusLine[1].matches("\\d{3}") ? Integer.parseInt(statusLine[1]) : -1;
        return new Answer(status, head, body);
    }

    private static long contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Long.parseLong(line.substring("content-length:".length()).trim());
            }
        }
        return -1;
    }
}
