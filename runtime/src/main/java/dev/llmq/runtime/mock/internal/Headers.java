package dev.llmq.runtime.mock.internal;

import io.javalin.http.Context;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Request headers with lower-case names (secrets are removed later by the engine). */
final class Headers {

    private Headers() {
    }

    static Map<String, String> of(Context ctx) {
        Map<String, String> out = new TreeMap<>();
        for (String name : Collections.list(ctx.req().getHeaderNames())) {
            out.put(name.toLowerCase(Locale.ROOT), ctx.req().getHeader(name));
        }
        return out;
    }
}
