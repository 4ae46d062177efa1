package dev.llmq.runtime.mock.internal;

import dev.llmq.runtime.mock.Fault;
import dev.llmq.runtime.mock.MockBehavior;

/** What the engine decided for one request; the protocol renders it. */
public sealed interface Decision {

    /**
     * Answer normally, unless {@code fault} (null, a {@link Fault.StreamCut}, a {@link Fault.MidStreamError}
     * for a stream, or a {@link Fault.ContentFilter}) changes the answer. {@code sequence} is the request's entry in
     * the request log.
     */
    record Proceed(MockBehavior behavior, long requestNumber, Fault fault, long sequence) implements Decision {

        /** Events to send before a cut or a mid-stream error; -1 when neither applies. */
        public int cutAfterChunks() {
            return switch (fault) {
                case Fault.StreamCut c -> c.afterChunks();
                case Fault.MidStreamError m -> m.afterChunks();
                case null, default -> -1;
            };
        }

        public boolean cut() {
            return fault instanceof Fault.StreamCut;
        }

        /** The error event a stream ends with, or null. */
        public Fault.HttpError streamError() {
            return fault instanceof Fault.MidStreamError m ? m.error() : null;
        }

        /** The content filter that applies, or null. */
        public Fault.ContentFilter filter() {
            return fault instanceof Fault.ContentFilter f ? f : null;
        }
    }

    /** Answer with this error. */
    record Fail(Fault.HttpError error) implements Decision {
    }

    /** Missing or wrong credentials. */
    record Unauthorized() implements Decision {
    }
}
