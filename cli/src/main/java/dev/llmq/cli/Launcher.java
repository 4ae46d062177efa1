package dev.llmq.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The main class of {@code llmq.jar}. It exists so that {@code java -jar llmq.jar} on a Java older than 21 says which
 * Java llmq needs, in one line and with exit code 1, instead of stopping at {@link Main} with an
 * {@code UnsupportedClassVersionError}. It is compiled for Java 8 (class-file version 52, see cli/pom.xml) and uses
 * nothing newer; on Java 21 or newer it runs {@link Main#main} by reflection, since a direct call would not compile at
 * release 8 against a class compiled for 21.
 */
public final class Launcher {

    /** The oldest Java feature version llmq runs on. */
    static final int REQUIRED = 21;

    private Launcher() {
    }

    public static void main(String[] args) throws Throwable {
        String refusal = refusal(System.getProperty("java.specification.version"),
                System.getProperty("java.version"), System.getProperty("java.home"));
        if (refusal != null) {
            System.err.println(refusal);
            System.exit(1);
        }
        Method main = Class.forName("dev.llmq.cli.Main").getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            // what Main threw, unchanged: the JVM reports it and exits as it would with Main as the main class
            throw e.getCause();
        }
    }

    /**
     * The line to print instead of running llmq on this Java, or null when it is new enough. A specification version
     * that cannot be read is let through: Main then loads, or the JVM says why not.
     *
     * @param specificationVersion the {@code java.specification.version} property: "1.8" up to Java 8, then "9", "17"
     * @param version the {@code java.version} property, e.g. "17.0.15"
     * @param home the {@code java.home} property
     */
    static String refusal(String specificationVersion, String version, String home) {
        int feature = featureVersion(specificationVersion);
        if (feature < 0 || feature >= REQUIRED) {
            return null;
        }
        return "llmq needs Java " + REQUIRED + " or newer; this is Java " + version + " at " + home
                + ": run it with a JDK " + REQUIRED + "+ (set JAVA_HOME, or use ./llmq, which finds one)";
    }

    /** The feature version of a {@code java.specification.version}: 8 for "1.8", 17 for "17"; -1 if unreadable. */
    static int featureVersion(String specificationVersion) {
        if (specificationVersion == null) {
            return -1;
        }
        String v = specificationVersion.trim();
        if (v.startsWith("1.")) {
            v = v.substring(2);
        }
        int dot = v.indexOf('.');
        if (dot >= 0) {
            v = v.substring(0, dot);
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
