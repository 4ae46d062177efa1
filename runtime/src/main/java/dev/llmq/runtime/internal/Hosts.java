package dev.llmq.runtime.internal;

/** Host names and addresses as they appear before a port. */
public final class Hosts {

    private Hosts() {
    }

    /** {@code host:port}, an IPv6 address in brackets ({@code [::1]:8080}). */
    public static String withPort(String host, int port) {
        return (host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }
}
