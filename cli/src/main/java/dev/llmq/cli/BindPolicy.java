package dev.llmq.cli;

import dev.llmq.config.ApiKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a role with an HTTP API may listen. With API keys ({@code llmq.auth.keys}) anywhere. Without keys anyone who
 * reaches the port can submit and read every job (the ingest API; {@link #exposed} for the others), so only a
 * loopback address, said at start; another address fails
 * the start unless {@code --insecure-no-auth} is given, which is warned about loudly.
 */
final class BindPolicy {

    static final String INSECURE_FLAG = "--insecure-no-auth";
    static final String NO_KEYS_LINE = "no API keys configured (llmq.auth.keys): listening on %s only; anyone on this "
            + "machine can %s";

    private static final Logger LOG = LoggerFactory.getLogger(BindPolicy.class);

    private BindPolicy() {
    }

    /**
     * @param role the command, for messages
     * @param host the address the role is asked to bind
     * @throws IllegalArgumentException when the address is not a loopback one, no key is configured and the
     *         insecure flag is not given
     */
    static void check(String role, String host, ApiKeys keys, boolean insecureNoAuth) {
        if (!keys.isEmpty()) {
            LOG.info("{}: {} API keys configured; listening on {}", role, keys.all().size(), host);
            return;
        }
        String exposed = exposed(role);
        if (isLoopback(host)) {
            LOG.warn(NO_KEYS_LINE.formatted(host, exposed));
            return;
        }
        if (!insecureNoAuth) {
            throw new IllegalArgumentException("refusing to listen on " + host + " without API keys: anyone who can "
                    + "reach it could " + exposed + ". Add keys to llmq.auth.keys (`llmq keys create "
                    + "--tenant T`), listen on 127.0.0.1, or pass " + INSECURE_FLAG + " to run open anyway");
        }
        LOG.warn("!!! {} {}: listening on {} WITHOUT AUTHENTICATION: anyone who can reach this address can {} !!!",
                role, INSECURE_FLAG, host, exposed.equals(JOBS) ? "submit jobs on your provider keys and read every "
                        + "job's prompt and result" : exposed);
    }

    private static final String JOBS = "submit and read every job";

    /**
     * What a role's server gives anyone who reaches it without keys: the jobs (the ingest API), the usage figures
     * (the aggregator's GET /v1/usage), or health and metrics alone (a worker's or broker's server), which named
     * jobs too before.
     */
    static String exposed(String role) {
        return switch (role) {
            case "ingest", "standalone" -> JOBS;
            case "usage-aggregator" -> "read every tenant's usage and spend";
            default -> "read its health and metrics";
        };
    }

    /** True for 127.0.0.0/8, ::1 and names that resolve to them ({@code localhost}); false for 0.0.0.0. */
    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        try {
            for (InetAddress address : InetAddress.getAllByName(bare)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
