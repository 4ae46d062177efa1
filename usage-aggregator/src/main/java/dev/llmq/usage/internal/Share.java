package dev.llmq.usage.internal;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.llmq.schemas.UsageRecord;
import java.util.List;

/**
 * One instance's share of a usage answer: the records of the store partitions it holds, and which partitions they
 * are, so that the instance gathering the shares knows the answer is whole (every partition exactly once).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Share(List<Integer> partitions, List<UsageRecord> data) {
    public Share {
        partitions = partitions == null ? List.of() : List.copyOf(partitions);
        data = data == null ? List.of() : List.copyOf(data);
    }
}
