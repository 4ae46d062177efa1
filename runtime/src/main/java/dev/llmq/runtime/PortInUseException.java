package dev.llmq.runtime;

import dev.llmq.runtime.internal.Hosts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Thrown when a server cannot bind because its port on the address it was given is already taken. */
public final class PortInUseException extends IllegalStateException {

    private final int port;

    /** A port on 127.0.0.1. */
    public PortInUseException(String what, int port, Throwable cause) {
        this(what, "127.0.0.1", port, cause);
    }

    /** A port on {@code host} (an IPv6 address is shown in brackets). */
    public PortInUseException(String what, String host, int port, Throwable cause) {
        super(what + " cannot listen on " + Hosts.withPort(host, port) + ": the port is already in use", cause);
        this.port = port;
    }

    public int port() {
        return port;
    }

    /**
     * Checks that {@code host:port} can be bound now, binding it and letting it go at once (with
     * {@code SO_REUSEADDR}, as llmq's servers bind, so a port a stopped llmq left in {@code TIME_WAIT} passes): a
     * server that binds it later in a start can be said to fail before anything else starts. A host that does not
     * resolve is left to the server, which says so.
     *
     * @throws PortInUseException when the port is taken
     */
    public static void requireFree(String what, String host, int port) {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(address, 1);
        } catch (BindException e) {
            if (e.getMessage() != null && e.getMessage().contains("in use")) {
                throw new PortInUseException(what, host, port, e);
            }
            throw new IllegalStateException(what + " cannot listen on " + host + " port " + port + ": "
                    + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(what + " cannot listen on " + host + " port " + port, e);
        }
    }
}
