package io.streamcast.job;

/**
 * A key's interval state restored from earlier layouts, converted at its first use so that
 * upgrades keep every error and what was issued for the last H slots (IntervalStateTest):
 * <ul>
 *   <li>served values and float half-widths in two arrays (ivServed, ivHalf, by the slot issued
 *       at) become ivIssued (side by side, half-widths as codes, by the slot they are for);</li>
 *   <li>step-major error rings (ivErrorRing) become the interleaved ring (ivErrors);</li>
 *   <li>a missing or differently sized top (the fully sorted windows before it, or another lowest
 *       coverage) is rebuilt from the ring.</li>
 * </ul>
 * Not on the per-event path: {@link Intervals} checks the steady state in one look first.
 */
final class IntervalStateUpgrade {
    private IntervalStateUpgrade() {
    }

    /**
     * Converts what it can; true when the state then has the sizes these options give for horizon h
     * (coverages C, ints per ivIssued entry, window sizes z), else the key's intervals start anew.
     */
    static boolean sizedOrConverted(KeyState s, int h, int coverages, int entry, ErrorWindow.Sizes z) {
        if (s.ivIssued == null && s.ivServed != null) {
            fromSeparateArrays(s, h, coverages, entry); // restored from before ivIssued
        }
        int window = z.window();
        if (s.ivErrors == null && s.ivErrorRing != null && s.ivErrorRing.length == h * window
                && s.ivCount != null && s.ivCount.length == h && s.ivNext != null && s.ivNext.length == h) {
            ErrorWindow.fromStepMajor(s, z); // restored from the step-major rings: the same errors, interleaved
        }
        boolean sized = s.ivIssued != null && s.ivIssued.length == h * h * entry
                && s.ivErrors != null && s.ivErrors.length == h * window; // null: restored from float windows
        if (sized && (s.ivErrorTop == null || s.ivErrorTop.length != h * z.room() || s.ivTopCount == null)) {
            // restored from the fully sorted windows, or under another lowest coverage: the ring has it all
            ErrorWindow.rebuildTop(s, z);
        }
        return sized;
    }

    /**
     * State restored from before ivIssued (served values in ivServed, half-widths as floats in ivHalf,
     * [(row * C + j) * H + k], NaN where uncalibrated), interleaved into ivIssued if it fits these options
     * (else issue starts anew). A conformal half-width (a decoded code) is kept exactly; a Gaussian or
     * borrowed one rounds up by at most 0.39%, so those of the last H slots are scored against a bound at
     * most that much wider than issued. Once per key.
     */
    private static void fromSeparateArrays(KeyState s, int h, int c, int entry) {
        if (s.ivServed.length == h * h && s.ivHalf != null && s.ivHalf.length == h * h * c) {
            int[] issued = new int[h * h * entry];
            for (int row = 0; row < h; row++) {
                for (int k = 0; k < h; k++) {
                    int at = ((row + k + 1) % h * h + k) * entry; // by the slot it was for, as issue keeps it
                    issued[at] = Float.floatToRawIntBits(s.ivServed[row * h + k]);
                    for (int j = 0; j < c; j++) {
                        float half = s.ivHalf[(row * c + j) * h + k];
                        int hc = half >= 0 ? ErrorWindow.encode(half) : Intervals.NO_BOUND; // NaN: uncalibrated
                        issued[at + 1 + (j >> 1)] |= hc << ((j & 1) << 4);
                    }
                    if ((c & 1) == 1) {
                        issued[at + entry - 1] |= Intervals.NO_BOUND << 16;
                    }
                }
            }
            s.ivIssued = issued;
        }
        s.ivServed = null; // read only on restore: no longer written
        s.ivHalf = null;
    }
}
