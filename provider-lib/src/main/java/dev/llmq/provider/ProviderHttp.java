package dev.llmq.provider;

import java.time.Duration;
import java.util.concurrent.Executors;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientConnectionFactory;
import org.eclipse.jetty.client.transport.HttpClientTransportDynamic;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.client.HTTP2Client;
import org.eclipse.jetty.http2.client.transport.ClientConnectionFactoryOverHTTP2;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The HTTP client that provider calls go through ({@link Providers#client}): Jetty's, started, with
 * <ul>
 *   <li>HTTP/2 over TLS when the server offers it (ALPN), HTTP/1.1 otherwise and over plain text (vLLM, Ollama,
 *       mocks: no h2c attempt);</li>
 *   <li>a 10 s connect timeout, and no read timeout of its own while a call is open (the call's timeouts are the
 *       engine's); connections idle in the pool for 30 s are closed;</li>
 *   <li>no limit of its own on connections or queued calls per server (the worker's in-flight limit is the one);</li>
 *   <li>redirects not followed (a provider's 3xx is reported as its error, and a key never follows a redirect);</li>
 *   <li>no response compression asked for, and its callbacks on virtual threads.</li>
 * </ul>
 * It replaced the JDK's {@code java.net.http.HttpClient}, whose per-exchange work (selector registration,
 * connection-pool bookkeeping, a synchronized authenticator-cache lookup) was the largest cost of a worker.
 * Closing it stops its threads and closes its connections.
 */
public final class ProviderHttp implements AutoCloseable {

    /** How long a connection may wait to be set up. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    /** How long an unused connection stays in the pool. */
    public static final Duration POOL_IDLE_TIMEOUT = Duration.ofSeconds(30);

    /** Large enough never to limit: each HTTP/1.1 call in flight needs a connection of its own. */
    private static final int UNLIMITED = 1 << 16;

    private final HttpClient client;

    private ProviderHttp(HttpClient client) {
        this.client = client;
    }

    /** A started client with the settings above. */
    public static ProviderHttp create() {
        ClientConnector connector = new ClientConnector();
        HTTP2Client http2 = new HTTP2Client(connector);
        // the first protocol is the one spoken over plain text; over TLS the server picks among both (ALPN)
        HttpClient client = new HttpClient(new HttpClientTransportDynamic(connector, HttpClientConnectionFactory.HTTP11,
                new ClientConnectionFactoryOverHTTP2.HTTP2(http2)));
        // a plain executor: Jetty's VirtualThreadPool keeps a non-daemon thread that would hold the JVM open
        client.setExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("llmq-provider-http-", 0)
                .factory()));
        client.setScheduler(new ScheduledExecutorScheduler("llmq-provider-http-scheduler", true));
        client.setConnectTimeout(CONNECT_TIMEOUT.toMillis()); // both set on the connector, which HTTP/2 shares
        client.setIdleTimeout(POOL_IDLE_TIMEOUT.toMillis());
        client.setFollowRedirects(false);
        client.setMaxConnectionsPerDestination(UNLIMITED);
        client.setMaxRequestsQueuedPerDestination(UNLIMITED);
        client.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "llmq"));
        client.getContentDecoderFactories().clear();
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the provider HTTP client", e);
        }
        return new ProviderHttp(client);
    }

    /** The Jetty client underneath, for the engine. */
    public HttpClient jetty() {
        return client;
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the provider HTTP client", e);
        }
    }

    @Override
    public String toString() {
        return "ProviderHttp[" + client + "]";
    }
}
