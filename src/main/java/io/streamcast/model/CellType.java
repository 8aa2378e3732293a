package io.streamcast.model;

import java.util.Locale;

/** Recurrent cell kinds, with PyTorch's gate counts (rows of weight_ih are gates * hidden). */
public enum CellType {
    /** Elman RNN with tanh: h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
    RNN("rnn", 1),
    /** LSTM, gates in PyTorch order i, f, g, o. */
    LSTM("lstm", 4),
    /** GRU, gates in PyTorch order r, z, n; see {@link GruVariant} for where r applies. */
    GRU("gru", 3);

    private final String id;
    private final int gates;

    CellType(String id, int gates) {
        this.id = id;
        this.gates = gates;
    }

    /** Name used in model files and options: rnn, lstm, gru. */
    public String id() {
        return id;
    }

    public int gates() {
        return gates;
    }

    public static CellType fromId(String id) {
        for (CellType c : values()) {
            if (c.id.equals(id.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown cell '" + id + "' (expected rnn, lstm or gru)");
    }

    @Override
    public String toString() {
        return id;
    }
}
