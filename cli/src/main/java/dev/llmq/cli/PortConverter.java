package dev.llmq.cli;

import picocli.CommandLine;

/**
 * A port option's value: a whole number from 0 (any free port) to 65535, else a usage error (exit 2) naming the
 * option, as picocli gives for a value that is not a number; before, {@code --http-port 70000} got through the
 * parse and failed the start (exit 1) with {@code httpPort must be 0..65535, got 70000}.
 */
final class PortConverter implements CommandLine.ITypeConverter<Integer> {

    @Override
    public Integer convert(String value) {
        int port;
        try {
            port = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a port number (0 to 65535)");
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.TypeConversionException(value + " is not a port number (0 to 65535)");
        }
        return port;
    }
}
