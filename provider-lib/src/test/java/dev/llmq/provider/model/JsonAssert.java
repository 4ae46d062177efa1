package dev.llmq.provider.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** JSON equality for tests: numbers compared by value, explicit nulls treated as absent. */
public final class JsonAssert {

    private JsonAssert() {
    }

    public static void assertSameJson(JsonNode actual, JsonNode expected) {
        JsonNode a = withoutNulls(actual);
        JsonNode e = withoutNulls(expected);
        boolean same = a.equals((x, y) -> x.isNumber() && y.isNumber()
                ? Double.compare(x.asDouble(), y.asDouble()) : x.equals(y) ? 0 : 1, e);
        assertThat(same).as("expected %s%nbut was  %s", e, a).isTrue();
    }

    public static JsonNode withoutNulls(JsonNode node) {
        if (node == null) {
            return null;
        }
        JsonNode copy = node.deepCopy();
        strip(copy);
        return copy;
    }

    private static void strip(JsonNode node) {
        if (node instanceof ObjectNode o) {
            List<String> nulls = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : o.properties()) {
                if (e.getValue().isNull()) {
                    nulls.add(e.getKey());
                } else {
                    strip(e.getValue());
                }
            }
            nulls.forEach(o::remove);
        } else if (node.isArray()) {
            node.forEach(JsonAssert::strip);
        }
    }
}
