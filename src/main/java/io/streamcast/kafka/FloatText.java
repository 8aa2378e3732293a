package io.streamcast.kafka;

/**
 * Writes a float as plain decimal text that reads back as the same float, into the caller's char
 * buffer, without allocating. A forecast record with intervals is mostly floats (60 at the
 * defaults), and the shortest-digit writers (Float.toString, Jackson's Schubfach) allocate a String
 * per number and search for the shortest digits; this one rounds to 7, then 8, then 9 significant
 * digits and takes the first that reads back exactly. The text is at most one digit longer than
 * the shortest, often the same (21.5f is "21.5"), and 9 digits always suffice for a float.
 *
 * <p>Exactness: a candidate m x 10^-s is accepted when m lies in [lo, hi], the values within
 * (1/2 - 10^-6) of the gap to the neighbouring floats, scaled by 10^s. lo and hi take at most six
 * double roundings (under 2^-50 of the value in all); a gap is at least 2^-24 of the value, so the
 * margin left (over 2^-44 of it) is ~60 times that, and every accepted text is strictly within
 * half a gap of the value: any correct parser reads back the same float. Values outside
 * [1e-5, 1e9) in magnitude, NaN and infinities are left to the caller.
 */
final class FloatText {
    /** The longest text written: sign, "0.0000" and 9 digits, or 9 digits, a zero and ".0". */
    static final int MAX_CHARS = 20;

    private static final float MIN = 1e-5f;
    private static final float MAX = 1e9f;
    /** Just under half the gap to the next float: see the class comment. */
    private static final double HALF_GAP = 0.5 - 1e-6;
    private static final double LOG10_2 = 0.30102999566398120;
    /** 10^s for s in [-2, 12] at index s + 2 (the nearest doubles; the margin covers their rounding). */
    private static final double[] SCALES = new double[15];
    /** 10^k for k in [-6, 9] at index k + 6 (the nearest doubles): to find a value's decimal exponent. */
    private static final double[] DECADES = new double[16];

    static {
        for (int k = -2; k <= 12; k++) {
            SCALES[k + 2] = Double.parseDouble("1e" + k);
        }
        for (int k = -6; k <= 9; k++) {
            DECADES[k + 6] = Double.parseDouble("1e" + k);
        }
    }

    private FloatText() {
    }

    /** Writes v at out[pos..] (room for {@link #MAX_CHARS} needed); returns the end, or -1: not handled. */
    static int write(float v, char[] out, int pos) {
        if (v == 0) {
            if (Float.floatToRawIntBits(v) != 0) {
                out[pos++] = '-';
            }
            out[pos++] = '0';
            out[pos++] = '.';
            out[pos++] = '0';
            return pos;
        }
        float a = Math.abs(v);
        if (!(a >= MIN && a < MAX)) { // also NaN
            return -1;
        }
        double d = a;
        int s = 6 - decimalExponent(d, Math.getExponent(a)); // 7 significant digits: s after the point, in [-2, 12]
        double scale = SCALES[s + 2];
        // v scaled, and the interval of decimals that read back as v, scaled alike (float gaps are exact in double)
        double t = d * scale;
        double lo = (d - (d - Math.nextDown(a)) * HALF_GAP) * scale;
        double hi = (d + (Math.nextUp(a) - d) * HALF_GAP) * scale;
        for (int digits = 7; digits <= 9; digits++, s++) {
            int m = (int) (t + 0.5); // the nearest integer: no other can be in [lo, hi] when this one is not
            if (m >= lo && m <= hi) {
                if (v < 0) {
                    out[pos++] = '-';
                }
                return decimal(m, s, out, pos);
            }
            t *= 10;
            lo *= 10;
            hi *= 10;
        }
        return -1; // not reached: 9 digits always read back
    }

    /** floor(log10(d)) for d in [1e-5, 1e9), from the binary exponent and one comparison each way. */
    private static int decimalExponent(double d, int binaryExponent) {
        int e10 = (int) Math.floor(binaryExponent * LOG10_2);
        if (d >= DECADES[e10 + 1 + 6]) {
            e10++;
        } else if (d < DECADES[e10 + 6]) {
            e10--;
        }
        return e10;
    }

    /** m x 10^-s (m > 0) as plain decimal text with at least one fraction digit and no trailing zeros. */
    private static int decimal(int m, int s, char[] out, int pos) {
        while (s > 0 && m % 10 == 0) {
            m /= 10;
            s--;
        }
        int n = digitCount(m);
        if (s <= 0) { // an integer: m, -s zeros, ".0"
            pos = digits(m, n, out, pos);
            for (int i = 0; i < -s; i++) {
                out[pos++] = '0';
            }
            out[pos++] = '.';
            out[pos++] = '0';
            return pos;
        }
        if (n <= s) { // below 1: "0.", leading zeros, m
            out[pos++] = '0';
            out[pos++] = '.';
            for (int i = n; i < s; i++) {
                out[pos++] = '0';
            }
            return digits(m, n, out, pos);
        }
        int whole = n - s; // m's digits one place to the right, then its whole part moved back over the point
        digits(m, n, out, pos + 1);
        for (int i = 0; i < whole; i++) {
            out[pos + i] = out[pos + 1 + i];
        }
        out[pos + whole] = '.';
        return pos + n + 1;
    }

    /** The n digits of m at out[pos..pos + n), two at a time from the right (half the dependent divisions). */
    private static int digits(int m, int n, char[] out, int pos) {
        int i = pos + n;
        while (m >= 100) {
            int q = m / 100;
            int r = (m - q * 100) * 2;
            m = q;
            out[--i] = PAIRS[r + 1];
            out[--i] = PAIRS[r];
        }
        if (m >= 10) {
            out[--i] = PAIRS[m * 2 + 1];
            out[--i] = PAIRS[m * 2];
        } else {
            out[--i] = (char) ('0' + m);
        }
        return pos + n;
    }

    /** "00" to "99". */
    private static final char[] PAIRS = new char[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (char) ('0' + i / 10);
            PAIRS[2 * i + 1] = (char) ('0' + i % 10);
        }
    }

    private static int digitCount(int m) {
        int n = 1;
        while (n < INT_DECADES.length && m >= INT_DECADES[n]) {
            n++;
        }
        return n;
    }

    /** 10^k for k in [0, 9]. */
    private static final int[] INT_DECADES = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
        1_000_000_000};
}
