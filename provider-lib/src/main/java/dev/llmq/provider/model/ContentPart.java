package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/** One part of a message's content array. Unknown part types are kept as they came. */
public sealed interface ContentPart {

    ObjectNode toJson();

    /** {@code {"type":"text","text":...}} */
    record Text(String text, ObjectNode extra) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
            extra = Extras.copy(extra);
        }

        public Text(String text) {
            this(text, null);
        }

        @Override
        public ObjectNode toJson() {
            return JsonOut.create().str("type", "text").str("text", text).extra(extra).build();
        }
    }

    /**
     * {@code {"type":"image_url","image_url":{"url":...,"detail":...}}}; the URL may be {@code https:} or a
     * {@code data:} URL with base64 content.
     */
    record ImageUrl(String url, String detail, ObjectNode extra) implements ContentPart {
        public ImageUrl {
            Objects.requireNonNull(url, "url");
            extra = Extras.copy(extra);
        }

        public ImageUrl(String url, String detail) {
            this(url, detail, null);
        }

        /** Whether the image is inline ({@code data:<mime>;base64,...}). */
        public boolean isData() {
            return url.startsWith("data:");
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode image = JsonOut.create().str("url", url).str("detail", detail).build();
            return JsonOut.create().str("type", "image_url").node("image_url", image).extra(extra).build();
        }
    }

    /** Any other part type (input_audio, file ...), passed through unchanged. */
    record Unknown(String type, ObjectNode raw) implements ContentPart {
        public Unknown {
            raw = Objects.requireNonNull(raw, "raw").deepCopy();
        }

        @Override
        public ObjectNode toJson() {
            return raw.deepCopy();
        }
    }

    static ContentPart fromJson(JsonNode node) {
        JsonIn in = new JsonIn(node, "content part");
        String type = in.str("type");
        if ("text".equals(type)) {
            return new Text(Objects.requireNonNullElse(in.str("text"), ""), in.extra());
        }
        if ("image_url".equals(type)) {
            JsonNode image = in.raw("image_url");
            if (image != null && image.isTextual()) {
                return new ImageUrl(image.asText(), null, in.extra());
            }
            JsonIn img = new JsonIn(image, "image_url");
            String url = img.str("url");
            if (url == null) {
                throw new IllegalArgumentException("image_url.url is required");
            }
            return new ImageUrl(url, img.str("detail"), in.extra());
        }
        return new Unknown(type, (ObjectNode) node);
    }
}
