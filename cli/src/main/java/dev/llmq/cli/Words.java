package dev.llmq.cli;

/** Counts in the CLI's messages said as a reader says them: {@code 1 line}, {@code 2 lines}. */
final class Words {

    private Words() {
    }

    /** {@code n} and the noun, plural (an added {@code s}) unless {@code n} is 1. */
    static String count(long n, String noun) {
        return n + " " + (n == 1 ? noun : noun + "s");
    }
}
