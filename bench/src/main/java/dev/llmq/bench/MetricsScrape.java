package dev.llmq.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a role's {@code /metrics} (Prometheus text), summed by series name and a fragment of its labels. */
record MetricsScrape(String text) {

    static MetricsScrape get(HttpClient http, URI metrics) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(metrics + " answered " + r.statusCode());
        }
        return new MetricsScrape(r.body());
    }

    /** One scrape of each of {@code metrics}, in order. */
    static List<MetricsScrape> getAll(HttpClient http, List<URI> metrics) throws IOException, InterruptedException {
        List<MetricsScrape> scrapes = new ArrayList<>();
        for (URI uri : metrics) {
            scrapes.add(get(http, uri));
        }
        return scrapes;
    }

    /** The sum of the samples of {@code name} whose labels contain {@code label}; NaN when there is none. */
    double sum(String name, String label) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(label)) {
                sum += value(line);
                found = true;
            }
        }
        return found ? sum : Double.NaN;
    }

    /** {@link #sum}, 0 when there is none. */
    double total(String name, String label) {
        double sum = sum(name, label);
        return Double.isNaN(sum) ? 0 : sum;
    }

    /**
     * The sums of the samples of {@code name} by the value of their label {@code label}; samples without that label
     * are skipped.
     */
    Map<String, Double> sumsBy(String name, String label) {
        Pattern value = Pattern.compile("[{,]" + Pattern.quote(label) + "=\"([^\"]*)\"");
        Map<String, Double> sums = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{")) {
                Matcher m = value.matcher(line);
                if (m.find()) {
                    sums.merge(m.group(1), value(line), Double::sum);
                }
            }
        }
        return sums;
    }

    /** A sample line's value: what follows its last space. */
    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
