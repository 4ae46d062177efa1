package dev.llmq.cli;

import dev.llmq.config.ApiKey;
import dev.llmq.config.ApiKeys;
import dev.llmq.config.LlmqKeys;
import dev.llmq.router.LlmqConfig;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the API keys ({@code llmq.auth.keys}) of every new config version to a component that checks them, when
 * they changed, so that keys are added and revoked by editing the config. Logs the keys' names, never their hashes.
 */
final class KeyReloads implements Consumer<LlmqConfig> {

    private static final Logger LOG = LoggerFactory.getLogger(KeyReloads.class);

    private final String component;
    private final Consumer<ApiKeys> target;
    private List<ApiKey> current;

    /**
     * @param component the component's name, for the log
     * @param initial the keys the component started with
     * @param target takes the new keys (e.g. the ingest server's {@code reloadKeys})
     */
    KeyReloads(String component, ApiKeys initial, Consumer<ApiKeys> target) {
        this.component = Objects.requireNonNull(component, "component");
        this.current = initial.all();
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public synchronized void accept(LlmqConfig next) {
        ApiKeys keys = next.llmq().auth().keys();
        if (keys.all().equals(current)) {
            return;
        }
        List<String> added = keys.all().stream().filter(k -> !current.contains(k)).map(ApiKey::name).toList();
        List<String> removed = current.stream().filter(k -> !keys.all().contains(k)).map(ApiKey::name).toList();
        target.accept(keys);
        if (current.isEmpty() && next.llmq().auth().internalKey() == null) {
            // from now on the internal routes check the key this process made up at its start
            LOG.warn("{}: API keys are configured now, but {} is not: instances in other processes cannot ask this"
                    + " one for their share of the stores, nor it them; set the same secret on every instance and"
                    + " restart them", component, LlmqKeys.AUTH_INTERNAL_KEY.name());
        }
        current = keys.all();
        LOG.info("{}: API keys reloaded, {} now (new or changed: {}; revoked or changed: {})", component,
                keys.all().size(), added, removed);
    }
}
