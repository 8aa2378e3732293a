package io.streamcast.training;

/**
 * Sliding windows over a row-major series [rows, columns]: window s has inputs rows [s, s+L) and
 * targets the target column at rows [s+L, s+L+horizon). The series is split at row
 * S = rows - round(rows * validationFraction): training windows end at or before S; validation
 * windows forecast rows at or after S (their inputs may reach back before S).
 */
public final class Windows {
    final int inputLength;
    final int horizon;
    final int splitRow;
    /** Per segment: the absolute first row of its validation tail. */
    final int[] splitRows;
    final int[] train;
    final int[] validation;

    private Windows(int inputLength, int horizon, int[] splitRows, int[] train, int[] validation) {
        this.inputLength = inputLength;
        this.horizon = horizon;
        this.splitRow = splitRows[0];
        this.splitRows = splitRows;
        this.train = train;
        this.validation = validation;
    }

    /**
     * Windows over several series stored back to back ({@code segmentRows[k]} rows each), cut in
     * each series separately and in series order; a window never spans two series. Series too
     * short for one training window are skipped; at least one must be long enough.
     */
    public static Windows cut(int[] segmentRows, int inputLength, int horizon, int stride, double validationFraction) {
        if (segmentRows.length == 1) {
            return cut(segmentRows[0], inputLength, horizon, stride, validationFraction);
        }
        java.util.List<int[]> trains = new java.util.ArrayList<>();
        java.util.List<int[]> vals = new java.util.ArrayList<>();
        int[] splits = new int[segmentRows.length];
        int first = 0;
        IllegalArgumentException tooShort = null;
        for (int k = 0; k < segmentRows.length; k++) {
            splits[k] = first;
            try {
                Windows one = cut(segmentRows[k], inputLength, horizon, stride, validationFraction);
                splits[k] = first + one.splitRow;
                trains.add(offset(one.train, first));
                vals.add(offset(one.validation, first));
            } catch (IllegalArgumentException e) {
                tooShort = e;
            }
            first += segmentRows[k];
        }
        if (trains.isEmpty()) {
            throw tooShort;
        }
        return new Windows(inputLength, horizon, splits, concat(trains), concat(vals));
    }

    private static int[] offset(int[] a, int by) {
        int[] out = a.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += by;
        }
        return out;
    }

    private static int[] concat(java.util.List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    public static Windows cut(int rows, int inputLength, int horizon, int stride, double validationFraction) {
        int span = inputLength + horizon;
        int split = rows - (int) Math.round(rows * validationFraction);
        int nTrain = split >= span ? (split - span) / stride + 1 : 0;
        if (nTrain < 1) {
            throw new IllegalArgumentException("series of " + rows + " readings is too short: training needs at least "
                    + span + " readings (input-length " + inputLength + " + horizon " + horizon + ") before the "
                    + "validation tail of " + (rows - split));
        }
        int[] train = new int[nTrain];
        for (int i = 0; i < nTrain; i++) {
            train[i] = i * stride;
        }
        int firstVal = Math.max(0, split - inputLength);
        int nVal = rows > split && rows - firstVal >= span ? (rows - firstVal - span) / stride + 1 : 0;
        int[] val = new int[nVal];
        for (int i = 0; i < nVal; i++) {
            val[i] = firstVal + i * stride;
        }
        return new Windows(inputLength, horizon, new int[] {split}, train, val);
    }

    public int trainCount() {
        return train.length;
    }

    public int validationCount() {
        return validation.length;
    }

    /** First row of the validation tail; the normaliser is fitted on rows before it. */
    public int splitRow() {
        return splitRow;
    }

    /** Start rows of the validation windows. */
    public int[] validationStarts() {
        return validation.clone();
    }

    /** Start rows of the training windows. */
    public int[] trainStarts() {
        return train.clone();
    }
}
