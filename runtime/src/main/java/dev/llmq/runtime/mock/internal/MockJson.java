package dev.llmq.runtime.mock.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The mock's JSON mapper, shared by its servers and the reply seed. Not API. */
public final class MockJson {

    /**
     * Buffers come from a pool all threads share: with Jackson's default per-thread cache, each request's virtual
     * thread kept its own parsing and writing buffers (tens of KB) for as long as it waited out the latency.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build());

    private MockJson() {
    }

    /** The shared, thread-safe mapper; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
