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
    final int[] train;
    final int[] validation;

    private Windows(int inputLength, int horizon, int splitRow, int[] train, int[] validation) {
        this.inputLength = inputLength;
        this.horizon = horizon;
        this.splitRow = splitRow;
        this.train = train;
        this.validation = validation;
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
        return new Windows(inputLength, horizon, split, train, val);
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
