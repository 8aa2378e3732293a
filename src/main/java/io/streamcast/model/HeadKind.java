package io.streamcast.model;

import java.util.Locale;

/** What the linear head forecasts per horizon step. */
public enum HeadKind {
    /** One value per step: head.weight is (H x hidden). */
    POINT("point", 1),
    /**
     * A Gaussian per step, as in DeepAR: head.weight is (2H x hidden), rows [0, H) the means and rows
     * [H, 2H) the log-sigmas (see {@link GaussianHead}).
     */
    GAUSSIAN("gaussian", 2);

    private final String id;
    private final int rowsPerStep;

    HeadKind(String id, int rowsPerStep) {
        this.id = id;
        this.rowsPerStep = rowsPerStep;
    }

    /** Name used in model files and options: point, gaussian. */
    public String id() {
        return id;
    }

    /** Head rows per horizon step. */
    public int rowsPerStep() {
        return rowsPerStep;
    }

    public static HeadKind fromId(String id) {
        for (HeadKind h : values()) {
            if (h.id.equals(id.toLowerCase(Locale.ROOT))) {
                return h;
            }
        }
        throw new IllegalArgumentException("unknown head '" + id + "' (expected point or gaussian)");
    }

    @Override
    public String toString() {
        return id;
    }
}
