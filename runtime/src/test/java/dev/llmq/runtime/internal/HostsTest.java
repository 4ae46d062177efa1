package dev.llmq.runtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostsTest {

    @Test
    void anIpv6AddressGoesInBracketsBeforeItsPortAndOtherHostsAsGiven() {
        assertThat(Hosts.withPort("127.0.0.1", 8080)).isEqualTo("127.0.0.1:8080");
        assertThat(Hosts.withPort("llmq-mock", 80)).isEqualTo("llmq-mock:80");
        assertThat(Hosts.withPort("::1", 8080)).isEqualTo("[::1]:8080");
        assertThat(Hosts.withPort("[::1]", 8080)).isEqualTo("[::1]:8080");
    }
}
