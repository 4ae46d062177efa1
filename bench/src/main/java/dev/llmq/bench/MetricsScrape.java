package dev.llmq.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

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

    /** The sum of the samples of {@code name} whose labels contain {@code label}; NaN when there is none. */
    double sum(String name, String label) {
        double sum = 0;
        boolean found = false;
        for (String line : text.split("\n")) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
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
}
