package dev.llmq.bench.load;

/**
 * Told of every answer (or transport failure) as it arrives, on the connection's virtual thread; keep it short.
 * Times are {@link System#nanoTime()} of the generator's JVM.
 */
@FunctionalInterface
public interface ResponseListener {

    ResponseListener NONE = (seq, intended, sent, done, status, body) -> { };

    /**
     * @param seq      the request's number in its run (its first job is {@link Target#firstJob}{@code (seq)})
     * @param intended when it was due (open loop), or when it was sent (closed loop)
     * @param sent     when its first byte was written
     * @param done     when its answer had been read whole (or the failure seen)
     * @param status   the HTTP status; {@link LoadResult#TRANSPORT_ERROR} when no answer came (connect, read,
     *                 timeout)
     * @param body     the answer's body (empty on a transport failure)
     */
    void answered(long seq, long intended, long sent, long done, int status, byte[] body);
}
