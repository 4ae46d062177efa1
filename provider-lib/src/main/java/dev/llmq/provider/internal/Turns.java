package dev.llmq.provider.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmq.provider.model.ChatMessage;
import java.util.List;

/**
 * The conversation turns of a provider that wants roles to alternate (Anthropic, Gemini), built from OpenAI messages
 * in order: a turn of the same role as the one before is merged into it. Also records, once, that message
 * {@code name}s were dropped, since neither provider has a field for them. One instance per request.
 */
public final class Turns {

    private final String itemsField;
    private final ArrayNode turns = JsonNodeFactory.instance.arrayNode();
    private ObjectNode last;
    private boolean droppedName;

    /** @param itemsField the turn's field holding its items ({@code content} blocks, {@code parts}) */
    public Turns(String itemsField) {
        this.itemsField = itemsField;
    }

    /** Records {@code dropped:messages.name} the first time a message has a name. */
    public void dropName(ChatMessage message, List<String> adjustments) {
        if (message.name() != null && !droppedName) {
            adjustments.add("dropped:messages.name");
            droppedName = true;
        }
    }

    /** Adds a turn, or merges its items into the last turn when that has the same role. */
    public void add(String role, ArrayNode items) {
        if (last != null && role.equals(last.path("role").asText())) {
            ((ArrayNode) last.get(itemsField)).addAll(items);
        } else {
            last = turns.addObject().put("role", role);
            last.set(itemsField, items);
        }
    }

    public ArrayNode turns() {
        return turns;
    }
}
