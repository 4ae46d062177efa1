package dev.llmq.bench.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One keep-alive HTTP/1.1 connection (plain TCP, no TLS) that sends prebuilt requests and reads each answer whole:
 * status, body by {@code Content-Length} or chunked, or to the end of the stream. Blocking, for one virtual thread;
 * reconnects after an error or a {@code Connection: close}. The load generator's client: no per-request objects
 * beyond the body bytes, so the generator stays cheap beside the processes it measures.
 */
final class HttpConnection implements AutoCloseable {

    /** An answer: its status, its body, and the bytes read off the wire for it (head included). */
    record Response(int status, byte[] body, long wireBytes) {
    }

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private long wireBytes;

    HttpConnection(URI base, Duration timeout) {
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        if (!"http".equalsIgnoreCase(base.getScheme())) {
            throw new IllegalArgumentException("plain http:// only, got " + base);
        }
    }

    /** Sends {@code request} (head and body) and reads the answer; the connection is closed on any failure. */
    Response exchange(byte[] request) throws IOException {
        try {
            if (socket == null) {
                connect();
            }
            out.write(request);
            out.flush();
            wireBytes = 0;
            String statusLine = line();
            if (!statusLine.startsWith("HTTP/1.")) {
                throw new IOException("not an HTTP/1.x status line: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean close = statusLine.startsWith("HTTP/1.0");
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(0, colon)).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding")) {
                    chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                } else if (name.equalsIgnoreCase("connection")) {
                    close = value.equalsIgnoreCase("close");
                }
            }
            byte[] body;
            if (chunked) {
                body = chunkedBody();
            } else if (length >= 0) {
                body = exactly((int) length);
            } else {
                body = in.readAllBytes();
                close = true;
            }
            wireBytes += body.length;
            if (close) {
                close();
            }
            return new Response(status, body, wireBytes);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Closes the connection if the server has closed it since its last answer (or sent bytes nobody asked for), so the
     * next request opens a new one instead of failing on it. For a connection kept idle between runs.
     */
    void dropIfClosed() {
        if (socket == null) {
            return;
        }
        try {
            socket.setSoTimeout(1);
            try {
                in.read(); // -1: the server closed it; a byte: an answer to nothing. Either way, not to go on with
                close();
            } catch (SocketTimeoutException alive) {
                socket.setSoTimeout(timeoutMillis);
            }
        } catch (IOException e) {
            close();
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setSoTimeout(timeoutMillis);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            in = new BufferedInputStream(s.getInputStream(), 64 * 1024);
            out = s.getOutputStream();
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private byte[] chunkedBody() throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!line().isEmpty()) {
                    // trailers: ignored
                }
                return body.toByteArray();
            }
            body.write(exactly(size));
            if (!line().isEmpty()) {
                throw new IOException("a chunk does not end with CRLF");
            }
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new EOFException("the connection closed " + bytes.length + " bytes into a body of " + n);
        }
        return bytes;
    }

    /** One header line without its CRLF (ISO-8859-1). */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed in an answer's head");
            }
            wireBytes++;
            if (b == '\n') {
                int end = sb.length();
                return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
            }
            sb.append((char) b);
        }
    }

    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing after a failure: nothing left to do
            }
            socket = null;
        }
    }

    /**
     * The head of a {@code POST}: request line, Host, Content-Type, Content-Length, and an optional bearer token and
     * {@code Idempotency-Key} (each left out when null).
     */
    static byte[] postHead(URI base, String path, String contentType, int contentLength, String bearer,
                           String idempotencyKey) {
        StringBuilder head = new StringBuilder(160).append("POST ").append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(base.getHost()).append(':').append(base.getPort() > 0 ? base.getPort() : 80)
                .append("\r\nContent-Type: ").append(contentType)
                .append("\r\nContent-Length: ").append(contentLength).append("\r\n");
        if (bearer != null && !bearer.isEmpty()) {
            head.append("Authorization: Bearer ").append(bearer).append("\r\n");
        }
        if (idempotencyKey != null) {
            head.append("Idempotency-Key: ").append(idempotencyKey).append("\r\n");
        }
        return head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
