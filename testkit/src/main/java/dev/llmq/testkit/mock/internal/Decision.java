package dev.llmq.testkit.mock.internal;

import dev.llmq.testkit.mock.Fault;
import dev.llmq.testkit.mock.MockBehavior;

/** What the engine decided for one request; the protocol renders it. */
public sealed interface Decision {

    /** Answer normally; {@code cutAfterChunks} is -1 unless a stream cut applies. */
    record Proceed(MockBehavior behavior, long requestNumber, int cutAfterChunks) implements Decision {
        public boolean cut() {
            return cutAfterChunks >= 0;
        }
    }

    /** Answer with this error. */
    record Fail(Fault.HttpError error) implements Decision {
    }

    /** Missing or wrong credentials. */
    record Unauthorized() implements Decision {
    }
}
