package dev.llmq.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for the client commands: columns two spaces apart, each as wide as its widest cell, numbers
 * aligned right, no trailing spaces; a line of dashes may come before a row (a total).
 */
final class TextTable {

    private final List<Boolean> right;
    private final List<List<String>> rows = new ArrayList<>();
    private int ruleBefore = -1;

    /** @param right per column: aligned right (numbers) or left */
    TextTable(List<String> titles, List<Boolean> right) {
        if (titles.size() != right.size()) {
            throw new IllegalArgumentException("one alignment per column");
        }
        this.right = List.copyOf(right);
        rows.add(List.copyOf(titles));
    }

    TextTable row(List<String> cells) {
        if (cells.size() != right.size()) {
            throw new IllegalArgumentException("a row has " + cells.size() + " cells for " + right.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    /** A line of dashes before the next row. */
    TextTable rule() {
        ruleBefore = rows.size();
        return this;
    }

    /** The table, lines ended by {@code \n}. */
    String render() {
        int[] widths = new int[right.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            if (r == ruleBefore) {
                int length = (widths.length - 1) * 2;
                for (int w : widths) {
                    length += w;
                }
                out.append("-".repeat(length)).append('\n');
            }
            List<String> row = rows.get(r);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                String cell = row.get(i);
                String pad = " ".repeat(widths[i] - cell.length());
                text.append(i == 0 ? "" : "  ").append(right.get(i) ? pad + cell : cell + pad);
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
