package io.streamcast.model;

import java.util.Locale;

/** The two published GRU conventions; they differ only in where the reset gate r is applied. */
public enum GruVariant {
    /** PyTorch / cuDNN: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). */
    RESET_AFTER("reset_after"),
    /** Cho et al. 2014 (as in d2l): n = tanh(W_in x + b_in + W_hn (r * h) + b_hn). */
    RESET_BEFORE("reset_before");

    private final String id;

    GruVariant(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static GruVariant fromId(String id) {
        for (GruVariant v : values()) {
            if (v.id.equals(id.toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new IllegalArgumentException(
                "unknown gru_variant '" + id + "' (expected reset_after or reset_before)");
    }

    @Override
    public String toString() {
        return id;
    }
}
