package dev.llmq.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Prometheus text exposition (a {@code /metrics} scrape) parsed into samples: series name, labels, value. For tests
 * that check which series a role exposes, with which labels, and whether they moved; e.g. a dashboard's metric names
 * against a live scrape.
 */
final class Scrape {

    /** One sample line: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value) {
        /** Whether every given label has the given value on this sample. */
        boolean matches(Map<String, String> wanted) {
            return wanted.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }
    }

    private final String text;
    private final Map<String, List<Sample>> byName;

    private Scrape(String text, Map<String, List<Sample>> byName) {
        this.text = text;
        this.byName = byName;
    }

    /** GETs {@code url} (a {@code /metrics} endpoint) and parses the answer; fails unless it is 200. */
    static Scrape get(URI url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + url + " answered " + response.statusCode() + ": " + response.body());
            }
            return parse(response.body());
        }
    }

    /** Parses Prometheus' text format (version 0.0.4): comments and blank lines are skipped. */
    static Scrape parse(String text) {
        Map<String, List<Sample>> byName = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Sample sample = sample(line);
            byName.computeIfAbsent(sample.name(), n -> new ArrayList<>()).add(sample);
        }
        return new Scrape(text, byName);
    }

    /** The raw text. */
    String text() {
        return text;
    }

    /** Every series name, sorted. */
    Set<String> names() {
        return new TreeSet<>(byName.keySet());
    }

    /** The samples of a series name (empty when absent). */
    List<Sample> samples(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** The samples of a series name whose labels include {@code labels}. */
    List<Sample> samples(String name, Map<String, String> labels) {
        return samples(name).stream().filter(s -> s.matches(labels)).toList();
    }

    /** The sum of the values of the samples of {@code name} whose labels include {@code labels}; 0 when none. */
    double sum(String name, Map<String, String> labels) {
        return samples(name, labels).stream().mapToDouble(Sample::value).filter(v -> !Double.isNaN(v)).sum();
    }

    /** The series names that start with {@code prefix}. */
    Set<String> namesStartingWith(String prefix) {
        Set<String> out = new TreeSet<>();
        byName.keySet().stream().filter(n -> n.startsWith(prefix)).forEach(out::add);
        return out;
    }

    private static Sample sample(String line) {
        int brace = line.indexOf('{');
        int space = line.indexOf(' ');
        if (brace < 0 || (space >= 0 && space < brace)) {
            return new Sample(line.substring(0, space), Map.of(), value(line.substring(space + 1)));
        }
        String name = line.substring(0, brace);
        Map<String, String> labels = new LinkedHashMap<>();
        int i = brace + 1;
        while (line.charAt(i) != '}') {
            int eq = line.indexOf('=', i);
            String key = line.substring(i, eq).trim();
            if (line.charAt(eq + 1) != '"') {
                throw new IllegalArgumentException("a label value must be quoted: " + line);
            }
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; line.charAt(j) != '"'; j++) {
                char c = line.charAt(j);
                if (c == '\\') {
                    char next = line.charAt(++j);
                    value.append(next == 'n' ? '\n' : next);
                } else {
                    value.append(c);
                }
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (line.charAt(i) == ',') {
                i++;
            }
        }
        return new Sample(name, Collections.unmodifiableMap(labels), value(line.substring(i + 1).trim()));
    }

    /** The value, without a timestamp after it. */
    private static double value(String rest) {
        String v = rest.trim().split(" ")[0];
        return switch (v) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(v);
        };
    }
}
