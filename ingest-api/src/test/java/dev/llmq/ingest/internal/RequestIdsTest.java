package dev.llmq.ingest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.eclipse.jetty.http.HttpFields;
import org.junit.jupiter.api.Test;

class RequestIdsTest {

    @Test
    void anIdIsReqAnd32HexDigitsNewEachTime() {
        SplittableRandom random = new SplittableRandom(42);
        RequestIds ids = new RequestIds(random::nextLong);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = ids.next();
            assertThat(id).matches("req_[0-9a-f]{32}");
            assertThat(seen.add(id)).as(id).isTrue();
        }
    }

    @Test
    void everyResponseGetsOneBeforeItIsHandled() {
        RequestIds ids = new RequestIds(new SplittableRandom(7)::nextLong);
        HttpFields.Mutable headers = HttpFields.build();

        assertThat(ids.customize(null, headers)).isNull(); // the request itself is passed on unchanged

        assertThat(headers.get(ResponseHeaders.REQUEST_ID)).matches("req_[0-9a-f]{32}");
        assertThat(headers.get(ResponseHeaders.REQUEST_ID)).isEqualTo(new RequestIds(new SplittableRandom(7)::nextLong)
                .next());
    }
}
