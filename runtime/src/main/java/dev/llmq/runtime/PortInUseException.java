package dev.llmq.runtime;

/** Thrown when a server cannot bind because its port on 127.0.0.1 is already taken. */
public final class PortInUseException extends IllegalStateException {

    private final int port;

    public PortInUseException(String what, int port, Throwable cause) {
        super(what + " cannot listen on 127.0.0.1:" + port + ": the port is already in use", cause);
        this.port = port;
    }

    public int port() {
        return port;
    }
}
