package dev.llmq.cli;

import java.util.regex.Pattern;

/** Counts in the CLI's messages said as a reader says them: {@code 1 line}, {@code 2 lines}. */
final class Words {

    private Words() {
    }

    /** {@code n} and the noun, plural (an added {@code s}) unless {@code n} is 1. */
    static String count(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun + "s");
    }

    /**
     * {@code text} (from a module that writes every count in the plural, such as the topic plans of
     * {@code TopicProvisioner}) with a count of exactly one of {@code noun} in the singular: {@code 1 partitions}
     * becomes {@code 1 partition}, {@code 11 partitions} stays.
     */
    static String singular(String text, String noun) {
        return Pattern.compile("(?<![\\d.])1 " + Pattern.quote(noun) + "s\\b").matcher(text)
                .replaceAll("1 " + noun);
    }
}
