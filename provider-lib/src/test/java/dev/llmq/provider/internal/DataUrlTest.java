package dev.llmq.provider.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DataUrlTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "data:image/png;base64,iVBOR            | image/png  | iVBOR",
            "DATA:Image/JPEG;base64,/9j/            | image/jpeg | /9j/",
            "data:image/webp;charset=x;base64,UklG  | image/webp | UklG",
            "data:image/svg+xml,<svg/>              | -          | -",
            "data:;base64,AAAA                      | -          | -",
            "data:image/png;base64                  | -          | -",
            "https://example.com/a.png              | -          | -"})
    void parsesBase64DataUrlsOnly(String url, String type, String payload) {
        var parsed = DataUrl.parse(url);
        assertThat(parsed.map(DataUrl::mediaType).orElse(null)).isEqualTo(type);
        assertThat(parsed.map(DataUrl::base64).orElse(null)).isEqualTo(payload);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"https://x/a.PNG,image/png", "https://x/a.jpg?v=1,image/jpeg",
            "https://x/a.jpeg,image/jpeg", "https://x/a.webp,image/webp", "https://x/a.gif,image/gif",
            "https://x/doc.pdf,application/pdf", "https://x/render?id=1,-"})
    void guessesMediaTypesFromExtensions(String url, String type) {
        assertThat(DataUrl.guessMediaType(url)).isEqualTo(type);
    }
}
