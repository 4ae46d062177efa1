package dev.llmq.cli;

import java.net.URI;
import java.util.Objects;

/**
 * Where the usage aggregator running in this process answers {@code GET /v1/usage}: the aggregator component
 * registers it in the {@link Assembly}; the ingest component forwards {@code GET /v1/usage} to it when
 * {@code llmq.ingest.usage_url} is unset.
 */
record UsageUrl(URI url) {
    UsageUrl {
        Objects.requireNonNull(url, "url");
    }
}
