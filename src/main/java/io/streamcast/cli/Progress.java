package io.streamcast.cli;

import java.io.PrintWriter;

/** A one-line progress bar on the error stream: [#####     ] done/total and the rate. */
final class Progress {
    private final PrintWriter err;
    private final String unit;
    private final long start = System.nanoTime();

    Progress(PrintWriter err, String unit) {
        this.err = err;
        this.unit = unit;
    }

    void show(long done, long total) {
        int width = 40;
        int filled = (int) (width * Math.min(done, total) / Math.max(1, total));
        double secs = (System.nanoTime() - start) / 1e9;
        err.printf("\r[%s%s] %d/%d  %.0f %s/s", "#".repeat(filled), " ".repeat(width - filled), done, total,
                done / Math.max(secs, 1e-9), unit);
        err.flush();
    }

    void end() {
        err.println();
        err.flush();
    }
}
