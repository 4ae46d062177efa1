package dev.llmq.worker.routing;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * What one answered call cost: an exact amount in USD, or no amount and the reason it could not be priced (so an
 * unknown model is never counted as free).
 *
 * @param usd the cost, {@code >= 0}; null when unpriced
 * @param reason why {@code usd} is null; null when priced
 */
public record Cost(BigDecimal usd, String reason) {

    public static final Cost ZERO = new Cost(BigDecimal.ZERO, null);

    public Cost {
        if ((usd == null) == (reason == null)) {
            throw new IllegalArgumentException("a cost has either an amount or a reason, not both or neither");
        }
        if (usd != null && usd.signum() < 0) {
            throw new IllegalArgumentException("cost must be >= 0, was " + usd);
        }
    }

    public static Cost priced(BigDecimal usd) {
        return new Cost(Objects.requireNonNull(usd, "usd"), null);
    }

    public static Cost unpriced(String reason) {
        return new Cost(null, Objects.requireNonNull(reason, "reason"));
    }

    /** This cost and {@code other}: unpriced when either is (this one's reason first), exact otherwise. */
    public Cost plus(Cost other) {
        if (usd == null) {
            return this;
        }
        return other.usd == null ? other : priced(usd.add(other.usd));
    }
}
