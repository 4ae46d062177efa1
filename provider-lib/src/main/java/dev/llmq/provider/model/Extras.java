package dev.llmq.provider.model;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Unknown-field holders: always a private copy, never null. */
final class Extras {

    private Extras() {
    }

    static ObjectNode copy(ObjectNode extra) {
        return extra == null ? JsonNodeFactory.instance.objectNode() : extra.deepCopy();
    }
}
