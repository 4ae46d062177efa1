package dev.llmq.bench.load;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The job ids of an llmq 202 ({@code {"object":"llmq.job.submission",...,"jobs":[{"id":...},...]}}), in submission
 * order, read with a streaming parser (no tree).
 */
public final class SubmittedJobs {

    private static final JsonFactory JSON = new JsonFactory();

    private SubmittedJobs() {
    }

    public static List<String> ids(byte[] body) {
        List<String> ids = new ArrayList<>();
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("a 202 body is a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("jobs") && value == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String name = p.currentName();
                            p.nextToken();
                            if (name.equals("id")) {
                                ids.add(p.getText());
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("not a 202 body of llmq", e);
        }
        return ids;
    }
}
