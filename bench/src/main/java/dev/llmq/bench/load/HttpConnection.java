package dev.llmq.bench.load;

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
 * beyond the body bytes and the head's lines, and no lock per byte read (its own buffer, not a
 * {@link java.io.BufferedInputStream}), so the generator stays cheap beside the processes it measures.
 *
 * <p>The socket has no read timeout: a blocking read with one parks its virtual thread with a timeout, which is a task
 * added to the JDK's delay scheduler and cancelled again for every answer. An exchange's time limit is kept by
 * whoever calls {@link #expireIfOverdue} now and then (the {@link LoadGenerator}'s watchdog): it closes the socket
 * of an exchange past its limit, and the exchange fails with a {@link SocketTimeoutException}.
 */
final class HttpConnection implements AutoCloseable {

    /** An answer: its status, its body, and the bytes read off the wire for it (head included). */
    record Response(int status, byte[] body, long wireBytes) {
    }

    private static final int BUFFER = 64 * 1024;

    private final String host;
    private final int port;
    private final int timeoutMillis;
    private final byte[] buffer = new byte[BUFFER];
    private int position;
    private int limit;
    /** Written by the connection's thread, closed by the watchdog too. */
    private volatile Socket socket;
    private InputStream in;
    private OutputStream out;
    private long wireBytes;
    /** When the exchange in progress must have ended ({@link System#nanoTime()}); 0 between exchanges. */
    private volatile long deadline;
    /** Set by {@link #expireIfOverdue} when it closed the socket under an exchange. */
    private volatile boolean expired;

    HttpConnection(URI base, Duration timeout) {
        this.host = base.getHost();
        this.port = base.getPort() > 0 ? base.getPort() : 80;
        this.timeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (!"http".equalsIgnoreCase(base.getScheme())) {
            throw new IllegalArgumentException("plain http:// only, got " + base);
        }
    }

    /**
     * Sends {@code request} (head and body) and reads the answer; the connection is closed on any failure.
     *
     * @throws SocketTimeoutException when the answer was not read whole within the timeout (given that
     *                                {@link #expireIfOverdue} is called)
     */
    Response exchange(byte[] request) throws IOException {
        expired = false;
        deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
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
                body = toTheEnd();
                close = true;
            }
            wireBytes += body.length;
            if (close) {
                close();
            }
            return new Response(status, body, wireBytes);
        } catch (IOException | RuntimeException e) {
            close();
            if (expired) {
                SocketTimeoutException timeout = new SocketTimeoutException("no whole answer within " + timeoutMillis
                        + " ms");
                timeout.initCause(e);
                throw timeout;
            }
            throw e;
        } finally {
            deadline = 0;
        }
    }

    /**
     * Closes the socket if an exchange is in progress past its time limit, so that its blocked read fails; for another
     * thread than the connection's. Whether it did.
     */
    boolean expireIfOverdue(long nowNanos) {
        long due = deadline;
        Socket s = socket;
        if (due == 0 || nowNanos - due < 0 || s == null) {
            return false;
        }
        expired = true;
        try {
            s.close();
        } catch (IOException e) {
            // the exchange fails either way
        }
        return true;
    }

    /**
     * Closes the connection if the server has closed it since its last answer (or sent bytes nobody asked for), so the
     * next request opens a new one instead of failing on it. For a connection kept idle between runs.
     */
    void dropIfClosed() {
        if (socket == null) {
            return;
        }
        if (position < limit) { // bytes nobody asked for
            close();
            return;
        }
        try {
            socket.setSoTimeout(1);
            try {
                in.read(); // -1: the server closed it; a byte: an answer to nothing. Either way, not to go on with
                close();
            } catch (SocketTimeoutException alive) {
                socket.setSoTimeout(0);
            }
        } catch (IOException e) {
            close();
        }
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            in = s.getInputStream();
            out = s.getOutputStream();
            position = 0;
            limit = 0;
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** Reads more into the buffer (it is empty); false at the end of the stream. */
    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        if (n < 0) {
            return false;
        }
        position = 0;
        limit = n;
        return true;
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
        byte[] bytes = new byte[n];
        int got = 0;
        while (got < n) {
            if (position == limit && !fill()) {
                throw new EOFException("the connection closed " + got + " bytes into a body of " + n);
            }
            int k = Math.min(n - got, limit - position);
            System.arraycopy(buffer, position, bytes, got, k);
            position += k;
            got += k;
        }
        return bytes;
    }

    private byte[] toTheEnd() throws IOException {
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        while (position < limit || fill()) {
            body.write(buffer, position, limit - position);
            position = limit;
        }
        return body.toByteArray();
    }

    /** One header line without its CRLF (ISO-8859-1). */
    private String line() throws IOException {
        StringBuilder sb = null;
        while (true) {
            if (position == limit && !fill()) {
                throw new EOFException("the connection closed in an answer's head");
            }
            int from = position;
            while (position < limit && buffer[position] != '\n') {
                position++;
            }
            boolean ended = position < limit;
            int to = position;
            if (ended) {
                position++; // past the LF
            }
            wireBytes += position - from;
            if (sb == null && ended) { // the whole line in the buffer: the common case
                return new String(buffer, from, to > from && buffer[to - 1] == '\r' ? to - 1 - from : to - from,
                        StandardCharsets.ISO_8859_1);
            }
            if (sb == null) {
                sb = new StringBuilder(128);
            }
            for (int i = from; i < to; i++) {
                sb.append((char) (buffer[i] & 0xff));
            }
            if (ended) {
                int end = sb.length();
                return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
            }
        }
    }

    @Override
    public void close() {
        Socket s = socket;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing after a failure: nothing left to do
            }
            socket = null;
        }
        position = 0;
        limit = 0;
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
