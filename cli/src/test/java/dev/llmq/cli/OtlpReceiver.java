package dev.llmq.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny OTLP/HTTP trace receiver on 127.0.0.1: records every {@code POST /v1/traces} and decodes the protobuf
 * {@code ExportTraceServiceRequest} far enough to read each span's ids, name, kind and attributes (a hand-written
 * reader of the few fields of opentelemetry-proto's {@code trace.proto} it needs).
 */
final class OtlpReceiver implements AutoCloseable {

    /** One exported span; attribute values are strings, longs or lists of strings. */
    record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, int kind,
                        Map<String, Object> attributes) {
    }

    private final HttpServer server;
    private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();

    OtlpReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                byte[] body = in.readAllBytes();
                if ("POST".equals(exchange.getRequestMethod())) {
                    spans.addAll(decode(body));
                }
            }
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<ReceivedSpan> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    static List<ReceivedSpan> decode(byte[] request) {
        List<ReceivedSpan> out = new ArrayList<>();
        for (Field resourceSpans : fields(request)) {
            if (resourceSpans.number == 1) {
                for (Field scopeSpans : fields(resourceSpans.bytes)) {
                    if (scopeSpans.number == 2) {
                        for (Field span : fields(scopeSpans.bytes)) {
                            if (span.number == 2) {
                                out.add(span(span.bytes));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static ReceivedSpan span(byte[] bytes) {
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        int kind = 0;
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Field f : fields(bytes)) {
            switch (f.number) {
                case 1 -> traceId = HexFormat.of().formatHex(f.bytes);
                case 2 -> spanId = HexFormat.of().formatHex(f.bytes);
                case 4 -> parent = HexFormat.of().formatHex(f.bytes);
                case 5 -> name = new String(f.bytes, java.nio.charset.StandardCharsets.UTF_8);
                case 6 -> kind = (int) f.varint;
                case 9 -> {
                    String key = null;
                    Object value = null;
                    for (Field kv : fields(f.bytes)) {
                        if (kv.number == 1) {
                            key = new String(kv.bytes, java.nio.charset.StandardCharsets.UTF_8);
                        } else if (kv.number == 2) {
                            value = anyValue(kv.bytes);
                        }
                    }
                    attributes.put(key, value);
                }
                default -> {
                    // times, status, events: not needed
                }
            }
        }
        return new ReceivedSpan(traceId, spanId, parent, name, kind, attributes);
    }

    private static Object anyValue(byte[] bytes) {
        for (Field f : fields(bytes)) {
            switch (f.number) {
                case 1 -> {
                    return new String(f.bytes, java.nio.charset.StandardCharsets.UTF_8);
                }
                case 3 -> {
                    return f.varint;
                }
                case 5 -> {
                    List<Object> values = new ArrayList<>();
                    for (Field v : fields(f.bytes)) {
                        values.add(anyValue(v.bytes));
                    }
                    return values;
                }
                default -> {
                    return "?";
                }
            }
        }
        return null;
    }

    private record Field(int number, long varint, byte[] bytes) {
    }

    /** The top-level fields of a protobuf message. */
    private static List<Field> fields(byte[] buf) {
        List<Field> out = new ArrayList<>();
        int[] pos = {0};
        while (pos[0] < buf.length) {
            long tag = varint(buf, pos);
            int number = (int) (tag >>> 3);
            switch ((int) (tag & 7)) {
                case 0 -> out.add(new Field(number, varint(buf, pos), null));
                case 1 -> pos[0] += 8;
                case 2 -> {
                    int len = (int) varint(buf, pos);
                    byte[] bytes = java.util.Arrays.copyOfRange(buf, pos[0], pos[0] + len);
                    pos[0] += len;
                    out.add(new Field(number, 0, bytes));
                }
                case 5 -> pos[0] += 4;
                default -> throw new IllegalArgumentException("unexpected wire type in " + tag);
            }
        }
        return out;
    }

    private static long varint(byte[] buf, int[] pos) {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            byte b = buf[pos[0]++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }
}
