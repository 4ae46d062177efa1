package dev.llmq.runtime.internal;

import dev.llmq.runtime.PortInUseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Finds and checks TCP ports on 127.0.0.1. */
public final class FreePorts {

    private FreePorts() {
    }

    /** A port that was free a moment ago (the caller retries if another process takes it first). */
    public static int find() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    public static int findOtherThan(int port) {
        for (int i = 0; i < 10; i++) {
            int p = find();
            if (p != port) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find a second free port on 127.0.0.1");
    }

    /** Returns {@code port} if it can be bound on 127.0.0.1, otherwise throws {@link PortInUseException}. */
    public static int requireFree(String what, int port) {
        PortInUseException.requireFree(what, InetAddress.getLoopbackAddress().getHostAddress(), port);
        return port;
    }
}
