package io.streamcast.kafka;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Writes a float as plain decimal text that reads back as the same float, as ASCII bytes into the
 * caller's buffer, without allocating. A forecast record with intervals is mostly floats (60 at the
 * defaults), and the shortest-digit writers (Float.toString, Jackson's Schubfach) allocate a String
 * per number and search for the shortest digits; this one rounds to 7, 8 and 9 significant digits
 * and takes the first that reads back exactly. The text is at most one digit longer than
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
    static int write(float v, byte[] out, int pos) {
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
        // v scaled, and the interval of decimals that read back as v, scaled alike (float gaps are exact in double;
        // a is a positive normal float below the largest, so its neighbours are its bits -1 and +1)
        int bits = Float.floatToRawIntBits(a);
        double t = d * scale;
        double lo = (d - (d - Float.intBitsToFloat(bits - 1)) * HALF_GAP) * scale;
        double hi = (d + (Float.intBitsToFloat(bits + 1) - d) * HALF_GAP) * scale;
        // the nearest integers at 7, 8 and 9 digits (no other can be in [lo, hi] when the nearest is not), the first
        // that reads back chosen without a branch (which it is is a coin toss on noisy values), as 9 digits
        double t8 = t * 10;
        double t9 = t8 * 10;
        int m7 = (int) (t + 0.5);
        int m8 = (int) (t8 + 0.5);
        int m9 = (int) (t9 + 0.5);
        boolean ok7 = m7 >= lo & m7 <= hi;
        boolean ok8 = m8 >= lo * 10 & m8 <= hi * 10;
        int m = ok7 ? m7 * 100 : ok8 ? m8 * 10 : m9; // 9 digits always read back
        if (v < 0) {
            out[pos++] = '-';
        }
        return decimal(m, m >= INT_DECADES[9] ? 10 : 9, s + 2, out, pos); // the zeros of a 7 or 8-digit m are trimmed
    }

    /**
     * floor(log10(d)) for d in [1e-5, 1e9): floor(e * log10(2)) for d's binary exponent e, in integers
     * ((e * 78913) >> 18 is exact for |e| < 1600), then one comparison: log10(d) is below that + 1 + log10(2).
     */
    private static int decimalExponent(double d, int binaryExponent) {
        int e10 = (binaryExponent * 78913) >> 18;
        return d >= DECADES[e10 + 1 + 6] ? e10 + 1 : e10;
    }

    /**
     * m x 10^-s (10^8 <= m <= 10^9, n = 9 digits, or 10 for 10^9) as plain decimal text with at
     * least one fraction digit and no trailing zeros: all of m's digits written, then the end moved
     * back over the fraction's trailing zeros, counted from the digits' bytes (no division, no loop).
     */
    private static int decimal(int m, int n, int s, byte[] out, int pos) {
        int top = m / 100_000_000; // 1-9, or 10
        long low = eightDigits(m - top * 100_000_000);
        int zeros = n == 10 ? 9 : Long.numberOfLeadingZeros(low) >>> 3; // m's trailing zeros: low's zero high bytes
        if (s <= 0) { // an integer: m, -s zeros, ".0"
            pos = digits(top, n, low, out, pos);
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
            return digits(top, n, low, out, pos) - zeros; // m's first digit is not 0: one stays
        }
        int whole = n - s; // m's digits one place to the right, then its whole part moved back over the point
        digits(top, n, low, out, pos + 1);
        for (int i = 0; i < whole; i++) {
            out[pos + i] = out[pos + 1 + i];
        }
        out[pos + whole] = '.';
        return pos + n + 1 - Math.min(zeros, s - 1);
    }

    /** m's n digits at out[pos..pos + n): its top digit (or "10"), then its low eight. */
    private static int digits(int top, int n, long low, byte[] out, int pos) {
        if (n == 10) {
            out[pos] = '1';
            out[pos + 1] = '0';
        } else {
            out[pos] = (byte) ('0' + top);
        }
        LONG_LE.set(out, pos + n - 8, low + 0x30303030_30303030L);
        return pos + n;
    }

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * The digits of r (0 <= r < 10^8), one per byte (values 0-9), the most significant in the lowest
     * byte, computed in the lanes of one long: r's two 4-digit halves in 32-bit lanes, each split
     * into two 2-digit numbers in 16-bit lanes, each into two digits in bytes. The divisions are
     * multiplications by rounded reciprocals, exact in these ranges (v * 10486 >>> 20 = v / 100 for
     * v < 43,699, v * 103 >>> 10 = v / 10 for v < 179), and no lane's product reaches the next lane.
     */
    static long eightDigits(int r) {
        int high = r / 10_000;
        long x = high | (long) (r - high * 10_000) << 32;
        long hundreds = ((x * 10486) >>> 20) & 0x0000007F_0000007FL;
        long pairs = hundreds | (x - hundreds * 100) << 16;
        long tens = ((pairs * 103) >>> 10) & 0x000F000F_000F000FL;
        return tens | (pairs - tens * 10) << 8;
    }

    /** "00" to "99". */
    static final byte[] PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            PAIRS[2 * i] = (byte) ('0' + i / 10);
            PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** 10^k for k in [0, 9]. */
    private static final int[] INT_DECADES = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
        1_000_000_000};
}
