package dev.llmq.usage.internal;

import dev.llmq.schemas.UsageRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary form of {@link UsageRecord} for the aggregator's own state: the group deltas on its repartition
 * topic and the values of its stores (and their changelogs). Every result becomes several group updates, each read
 * and written a few times; in JSON that was most of the aggregator's CPU. The {@code usage.*.v1} topics and
 * {@code GET /v1/usage} stay JSON, as {@code schemas} defines them. Exact: the cost keeps its unscaled value and
 * scale. The first byte is the format version, so a later format can read this one (this one reads format 1).
 */
public final class UsageRecordSerde implements Serde<UsageRecord>, Serializer<UsageRecord>,
        Deserializer<UsageRecord> {

    /** Format 2 adds the tenant (format 1, before per-tenant figures, is read as all tenants'). */
    private static final byte VERSION = 2;
    private static final byte WITHOUT_TENANT = 1;
    private static final long NO_INSTANT = Long.MIN_VALUE;

    @Override
    public byte[] serialize(String topic, UsageRecord r) {
        if (r == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(160);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(r.window());
            out.writeUTF(r.groupBy());
            out.writeUTF(r.key());
            out.writeBoolean(r.tenant() != null);
            if (r.tenant() != null) {
                out.writeUTF(r.tenant());
            }
            writeInstant(out, r.windowStart());
            writeInstant(out, r.windowEnd());
            for (long n : new long[] {r.requests(), r.succeeded(), r.failed(), r.cancelled(), r.expired(),
                    r.promptTokens(), r.completionTokens(), r.cachedPromptTokens(), r.cacheCreationTokens(),
                    r.reasoningTokens(), r.totalTokens(), r.unpricedRequests(), r.unpricedTokens()}) {
                out.writeLong(n);
            }
            out.writeInt(r.failures().size());
            for (Map.Entry<String, Long> f : r.failures().entrySet()) {
                out.writeUTF(f.getKey());
                out.writeLong(f.getValue());
            }
            byte[] unscaled = r.costUsd().unscaledValue().toByteArray();
            out.writeInt(r.costUsd().scale());
            out.writeInt(unscaled.length);
            out.write(unscaled);
            writeInstant(out, r.lastCompletedAt());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return bytes.toByteArray();
    }

    @Override
    public UsageRecord deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte version = in.readByte();
            if (version != VERSION && version != WITHOUT_TENANT) {
                throw new SerializationException("usage state in format " + version + ", this llmq reads " + VERSION);
            }
            String window = in.readUTF();
            String groupBy = in.readUTF();
            String key = in.readUTF();
            String tenant = version == VERSION && in.readBoolean() ? in.readUTF() : null;
            Instant start = readInstant(in);
            Instant end = readInstant(in);
            long[] n = new long[13];
            for (int i = 0; i < n.length; i++) {
                n[i] = in.readLong();
            }
            int failureCount = in.readInt();
            Map<String, Long> failures = new LinkedHashMap<>();
            for (int i = 0; i < failureCount; i++) {
                failures.put(in.readUTF(), in.readLong());
            }
            int scale = in.readInt();
            byte[] unscaled = new byte[in.readInt()];
            in.readFully(unscaled);
            Instant last = readInstant(in);
            return new UsageRecord(UsageRecord.SCHEMA_VERSION, window, groupBy, key, tenant, start, end, n[0], n[1],
                    n[2], n[3], n[4], failures, n[5], n[6], n[7], n[8], n[9], n[10],
                    new BigDecimal(new BigInteger(unscaled), scale), n[11], n[12], last);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("not a usage state record: " + e.getMessage(), e);
        }
    }

    private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
        if (t == null) {
            out.writeLong(NO_INSTANT);
            return;
        }
        out.writeLong(t.getEpochSecond());
        out.writeInt(t.getNano());
    }

    private static Instant readInstant(DataInputStream in) throws IOException {
        long seconds = in.readLong();
        return seconds == NO_INSTANT ? null : Instant.ofEpochSecond(seconds, in.readInt());
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // nothing to configure
    }

    @Override
    public void close() {
        // nothing to release
    }

    @Override
    public Serializer<UsageRecord> serializer() {
        return this;
    }

    @Override
    public Deserializer<UsageRecord> deserializer() {
        return this;
    }
}
