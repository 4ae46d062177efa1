package dev.llmq.runtime.internal;

import dev.llmq.runtime.KafkaSasl;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The SASL side of an embedded broker: a SASL_PLAINTEXT client listener with PLAIN (users in the listener's JAAS
 * config) and SCRAM-SHA-512 (credentials added through the admin API once the broker runs), the controller listener
 * on PLAIN, the {@code StandardAuthorizer}, and the broker itself as the one super user.
 *
 * @param users client users and their passwords (the super user is added to them)
 */
public record SaslBroker(String superUser, String superPassword, Map<String, String> users) {

    private static final String LISTENER = "SASL_PLAINTEXT";
    private static final int SCRAM_ITERATIONS = 4096;
    private static final long ADMIN_TIMEOUT_MS = 30_000;

    public SaslBroker {
        Objects.requireNonNull(superUser, "superUser");
        Objects.requireNonNull(superPassword, "superPassword");
        users = Map.copyOf(users);
    }

    /** The listener, mechanism and authorizer properties, over the embedded broker's PLAINTEXT defaults. */
    public Map<String, String> brokerProperties(String host, int bport, int cport) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", LISTENER + "://" + host + ":" + bport + ",CONTROLLER://" + host + ":" + cport);
        p.put("advertised.listeners", LISTENER + "://" + host + ":" + bport);
        p.put("inter.broker.listener.name", LISTENER);
        p.put("listener.security.protocol.map", LISTENER + ":SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT");
        p.put("sasl.enabled.mechanisms", KafkaSasl.PLAIN + "," + KafkaSasl.SCRAM_SHA_512);
        p.put("listener.name.controller.sasl.enabled.mechanisms", KafkaSasl.PLAIN);
        p.put("sasl.mechanism.inter.broker.protocol", KafkaSasl.PLAIN);
        p.put("sasl.mechanism.controller.protocol", KafkaSasl.PLAIN);
        String plain = plainServerJaas();
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", plain);
        p.put("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put("listener.name.controller.plain.sasl.jaas.config", plain);
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + superUser);
        return p;
    }

    /** PLAIN's login module: the broker's own credentials as a client, and every user's password as a server. */
    private String plainServerJaas() {
        String client = KafkaSasl.jaas(KafkaSasl.PLAIN, superUser, superPassword);
        StringBuilder jaas = new StringBuilder(client.substring(0, client.length() - 1));
        jaas.append(" user_").append(superUser).append('=').append(KafkaSasl.quoted(superPassword));
        users.forEach((name, password) -> jaas.append(" user_").append(name).append('=')
                .append(KafkaSasl.quoted(password)));
        return jaas.append(';').toString();
    }

    /** Adds every user's SCRAM-SHA-512 credential, as the super user; returns once the broker knows them. */
    public void addScramCredentials(String bootstrapServers) {
        if (users.isEmpty()) {
            return;
        }
        Map<String, Object> props = new HashMap<>(KafkaSasl.clientProperties(KafkaSasl.PLAIN, superUser,
                superPassword));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        List<UserScramCredentialAlteration> upserts = new ArrayList<>();
        users.forEach((name, password) -> upserts.add(new UserScramCredentialUpsertion(name,
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password)));
        try (Admin admin = Admin.create(props)) {
            admin.alterUserScramCredentials(upserts).all().get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            admin.describeUserScramCredentials(List.copyOf(users.keySet())).all()
                    .get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot add the SCRAM credentials of the embedded broker's users: " + e,
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while adding SCRAM credentials", e);
        }
    }

    @Override
    public String toString() {
        return "SaslBroker[superUser=" + superUser + ", users=" + users.keySet() + "]";
    }
}
