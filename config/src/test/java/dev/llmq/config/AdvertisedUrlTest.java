package dev.llmq.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class AdvertisedUrlTest {

    @Test
    void theConfiguredUrlWinsElseTheBindAddressAndPort() {
        assertThat(AdvertisedUrl.of("http://ingest-1.internal:8080", "127.0.0.1", 4000,
                LlmqKeys.INGEST_ADVERTISED_URL)).isEqualTo(URI.create("http://ingest-1.internal:8080"));
        assertThat(AdvertisedUrl.of(null, "127.0.0.1", 4003, LlmqKeys.USAGE_ADVERTISED_URL))
                .isEqualTo(URI.create("http://127.0.0.1:4003"));
        URI wildcard = AdvertisedUrl.of(null, "0.0.0.0", 4000, LlmqKeys.INGEST_ADVERTISED_URL);
        assertThat(wildcard.getHost()).as("the machine's name, not the wildcard").isNotEqualTo("0.0.0.0");
        assertThat(wildcard.getPort()).isEqualTo(4000);
    }
}
