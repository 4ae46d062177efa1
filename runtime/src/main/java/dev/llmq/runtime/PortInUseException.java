package dev.llmq.runtime;

import dev.llmq.runtime.internal.Hosts;

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
}
