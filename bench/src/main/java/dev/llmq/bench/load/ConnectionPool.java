package dev.llmq.bench.load;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The load generator's keep-alive connections to one server, kept across runs: a warm-up and the measured run that
 * follows it share them ({@link LoadGenerator#run(Target, LoadSpec, ResponseListener, ConnectionPool)}), so the
 * measured window does not pay for opening thousands of connections, nor the server for the state it builds for
 * each new one. A keep-alive client does that once; a benchmark of the steady state should too. Connections are
 * opened on their first request, and again after the server has closed them. One run at a time.
 */
public final class ConnectionPool implements AutoCloseable {

    private final URI base;
    private final Duration timeout;
    private final List<HttpConnection> connections = new ArrayList<>();
    private boolean closed;

    /**
     * @param base    the server every connection goes to (plain {@code http://})
     * @param timeout connect and read timeout of each connection
     */
    public ConnectionPool(URI base, Duration timeout) {
        this.base = Objects.requireNonNull(base, "base");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The first {@code n} connections, made (not yet opened) where there are fewer. */
    synchronized List<HttpConnection> take(URI target, int n) {
        if (closed) {
            throw new IllegalStateException("the connection pool is closed");
        }
        if (!base.equals(target)) {
            throw new IllegalArgumentException("this pool's connections go to " + base + ", not " + target);
        }
        while (connections.size() < n) {
            connections.add(new HttpConnection(base, timeout));
        }
        return List.copyOf(connections.subList(0, n));
    }

    /** How many connections the pool holds. */
    public synchronized int size() {
        return connections.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        connections.forEach(HttpConnection::close);
        connections.clear();
    }
}
