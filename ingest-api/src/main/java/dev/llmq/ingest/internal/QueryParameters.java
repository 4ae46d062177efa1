package dev.llmq.ingest.internal;

import dev.llmq.schemas.UsageParameters;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Checks of a route's query parameters, as Javalin gives them decoded: every value of every name. */
public final class QueryParameters {

    private QueryParameters() {
    }

    /** Refuses (400 {@code unknown_parameter}) a name not in {@code known}, rather than silently ignoring it. */
    static void onlyKnown(Map<String, List<String>> params, Set<String> known, String route) {
        for (String name : params.keySet()) {
            if (!known.contains(name)) {
                throw ApiException.invalid("unknown_parameter", name, "unknown query parameter '" + name + "'; "
                        + route + " takes " + new TreeSet<>(known));
            }
        }
    }

    /**
     * Refuses (400 {@code invalid_value}) a query string with a name or value that is not valid percent-encoding
     * ({@code group_by=%zz}): Javalin leaves such a pair out of the decoded parameters, and a parameter with a default
     * would then be answered as if not given.
     */
    public static void decodable(String rawQuery) {
        String name = UsageParameters.undecodable(rawQuery);
        if (name != null) {
            throw ApiException.invalid("invalid_value", name, "'" + name + "' is not valid percent-encoding");
        }
    }

    /** The one value of {@code name}, or null when it is not given; 400 when it is given more than once. */
    static String single(Map<String, List<String>> params, String name) {
        List<String> values = params.getOrDefault(name, List.of());
        if (values.size() > 1) {
            throw ApiException.invalid("invalid_value", name, "'" + name + "' is given " + values.size()
                    + " times; give it once");
        }
        return values.isEmpty() ? null : values.getFirst();
    }
}
