package dev.llmq.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

/**
 * Where the other instances of a role reach this one ({@code llmq.ingest.advertised_url},
 * {@code llmq.usage.advertised_url}): the configured URL, else the bind address and the bound port, with the
 * machine's host name when bound to a wildcard address.
 */
public final class AdvertisedUrl {

    private AdvertisedUrl() {
    }

    /**
     * @param advertised the configured URL, or null
     * @param host the bind address
     * @param port the bound port
     * @param key the config key to name when the host has no name
     */
    public static URI of(String advertised, String host, int port, ConfigKey<String> key) {
        if (advertised != null) {
            return URI.create(advertised);
        }
        String name = host;
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            try {
                name = InetAddress.getLocalHost().getCanonicalHostName();
            } catch (UnknownHostException e) {
                throw new IllegalStateException("bound to " + host + " and the host has no name: set " + key.name(),
                        e);
            }
        }
        return URI.create("http://" + name + ":" + port);
    }
}
