package io.streamcast.kafka;

/**
 * Writes a float as plain decimal text that reads back as the same float, into the caller's char
 * buffer, without allocating. A forecast record with intervals is mostly floats (60 at the
 * defaults), and the shortest-digit writers (Float.toString, Jackson's Schubfach) allocate a String
 * per number and search for the shortest digits; this one rounds to 7, then 8, then 9 significant
 * digits and takes the first that reads back exactly. The text is at most one digit longer than
 * the shortest, often the same (21.5f is "21.5"), and 9 digits always suffice for a float.
 *
 * <p>Exactness: the candidate m x 10^-s is computed back in double with one rounding (at most
 * 2^-53 relative) and accepted when it lies within (1/2 - 10^-6) of the gap to the neighbouring
 * float; a gap is at least 2^-24 of the value, so the margin left (~2^-44 of it) is ~500 times that
 * rounding, and every accepted text is strictly within half a gap of the value: any correct
 * parser reads back the same float. Values outside [1e-5, 1e9) in magnitude, NaN and infinities are left to the caller.
 */
final class FloatText {
    /** The longest text written: sign, "0.0000" and 9 digits, or 9 digits, a zero and ".0". */
    static final int MAX_CHARS = 20;

    private static final float MIN = 1e-5f;
    private static final float MAX = 1e9f;
    /** Just under half the gap to the next float: see the class comment. */
    private static final double HALF_GAP = 0.5 - 1e-6;
    private static final double LOG10_2 = 0.30102999566398120;
    /** 10^k for k in [0, 22]: exact doubles. */
    private static final double[] POW10 = new double[23];
    /** 10^k for k in [-6, 9] at index k + 6 (the nearest doubles): to find a value's decimal exponent. */
    private static final double[] DECADES = new double[16];

    static {
        double p = 1;
        for (int k = 0; k < POW10.length; k++) {
            POW10[k] = p;
            p *= 10;
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
        int e10 = decimalExponent(d, Math.getExponent(a));
        double below = (d - Math.nextDown(a)) * HALF_GAP; // float differences are exact in double
        double above = (Math.nextUp(a) - d) * HALF_GAP;
        for (int digits = 7; digits <= 9; digits++) {
            int s = digits - 1 - e10; // digits after the decimal point, in [-2, 13] here
            long m;
            double back;
            if (s >= 0) {
                m = Math.round(d * POW10[s]);
                back = m / POW10[s];
            } else {
                m = Math.round(d / POW10[-s]);
                back = m * POW10[-s];
            }
            if (back - d <= above && d - back <= below) {
                if (v < 0) {
                    out[pos++] = '-';
                }
                return decimal(m, s, out, pos);
            }
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
    private static int decimal(long m, int s, char[] out, int pos) {
        while (s > 0 && m % 10 == 0) {
            m /= 10;
            s--;
        }
        if (s <= 0) { // an integer: m, -s zeros, ".0"
            pos = integer(m, out, pos);
            for (int i = 0; i < -s; i++) {
                out[pos++] = '0';
            }
            out[pos++] = '.';
            out[pos++] = '0';
            return pos;
        }
        int n = digitCount(m);
        if (n <= s) { // below 1: "0.", leading zeros, m
            out[pos++] = '0';
            out[pos++] = '.';
            for (int i = n; i < s; i++) {
                out[pos++] = '0';
            }
            return integer(m, out, pos);
        }
        int end = pos + n + 1; // n digits and the point, written from the right
        int i = end;
        for (int k = 0; k < s; k++) {
            out[--i] = (char) ('0' + m % 10);
            m /= 10;
        }
        out[--i] = '.';
        while (i > pos) {
            out[--i] = (char) ('0' + m % 10);
            m /= 10;
        }
        return end;
    }

    private static int integer(long m, char[] out, int pos) {
        int end = pos + digitCount(m);
        for (int i = end - 1; i >= pos; i--) {
            out[i] = (char) ('0' + m % 10);
            m /= 10;
        }
        return end;
    }

    private static int digitCount(long m) {
        int n = 1;
        while (m >= 10) {
            m /= 10;
            n++;
        }
        return n;
    }
}
