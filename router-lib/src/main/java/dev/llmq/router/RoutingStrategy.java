package dev.llmq.router;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** {@code router_settings.routing_strategy}, named as LiteLLM names them. */
public enum RoutingStrategy {
    SIMPLE_SHUFFLE("simple-shuffle"),
    LEAST_BUSY("least-busy"),
    LATENCY_BASED("latency-based-routing"),
    USAGE_BASED("usage-based-routing"),
    COST_BASED("cost-based-routing");

    private final String configName;

    RoutingStrategy(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Parses a config name; {@code usage-based-routing-v2} is accepted as {@link #USAGE_BASED}. */
    public static RoutingStrategy fromConfig(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("usage-based-routing-v2")) {
            return USAGE_BASED;
        }
        for (RoutingStrategy s : values()) {
            if (s.configName.equals(n)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown routing_strategy '" + name + "' (known: "
                + Arrays.stream(values()).map(RoutingStrategy::configName).collect(Collectors.joining(", ")) + ")");
    }
}
