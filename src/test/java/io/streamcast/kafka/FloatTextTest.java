package io.streamcast.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class FloatTextTest {
    /** JSON's number grammar, without an exponent (FloatText writes plain decimals). */
    private static final Pattern JSON_PLAIN = Pattern.compile("-?(0|[1-9][0-9]*)\\.[0-9]+");

    private static String text(float v) {
        byte[] out = new byte[FloatText.MAX_CHARS];
        int end = FloatText.write(v, out, 0);
        return end < 0 ? null : new String(out, 0, end, java.nio.charset.StandardCharsets.US_ASCII);
    }

    /**
     * The text reads back bit for bit, both through Float.parseFloat and exactly (BigDecimal, one
     * rounding), with at most 9 significant digits and no trailing zero after the first fraction digit; returns how many more than the shortest it has.
     */
    private static int assertReadsBack(float v) {
        String t = text(v);
        assertTrue(t != null, () -> "not handled: " + v);
        assertTrue(JSON_PLAIN.matcher(t).matches(), () -> v + " -> " + t);
        assertTrue(!t.endsWith("0") || t.endsWith(".0"), () -> "a trailing zero: " + v + " -> " + t);
        assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(Float.parseFloat(t)), () -> v + " -> " + t);
        assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(new BigDecimal(t).floatValue()),
                () -> v + " -> " + t);
        int sig = new BigDecimal(t).stripTrailingZeros().precision();
        assertTrue(sig <= 9, () -> v + " -> " + t);
        return Math.max(0, sig - new BigDecimal(Float.toString(v)).stripTrailingZeros().precision());
    }

    /**
     * Checks each in-range value reads back ({@link #assertReadsBack}) and that the texts are not the
     * shortest but rarely more than a digit longer (so records stay about as small); returns how many
     * were in range. Values outside the range must be left to the caller.
     */
    private static int assertAllReadBack(java.util.stream.DoubleStream values) {
        int[] handled = {0};
        long[] extra = {0, 0}; // extra digits in all, texts more than one digit longer
        values.forEach(d -> {
            float v = (float) d;
            float a = Math.abs(v);
            if (a >= 1e-5f && a < 1e9f) {
                int x = assertReadsBack(v);
                extra[0] += x;
                extra[1] += x > 1 ? 1 : 0;
                handled[0]++;
            } else {
                assertEquals(null, text(v), () -> "outside the range, left to the caller: " + v);
            }
        });
        int n = handled[0];
        assertTrue(extra[0] < 0.5 * n, () -> "extra digits per float: " + (double) extra[0] / n);
        assertTrue(extra[1] < 1e-3 * n, () -> "more than one digit longer: " + extra[1] + " of " + n);
        return n;
    }

    @Test
    void everyFloatInRangeReadsBack() {
        SplittableRandom rnd = new SplittableRandom(7);
        // uniform over bit patterns: every exponent (a float widened to double is the same value)
        int handled = assertAllReadBack(java.util.stream.IntStream.range(0, 2_000_000)
                .mapToDouble(i -> Float.intBitsToFloat(rnd.nextInt())));
        assertTrue(handled > 100_000);
    }

    @Test
    void sensorLikeValuesReadBack() {
        SplittableRandom rnd = new SplittableRandom(11);
        int handled = assertAllReadBack(java.util.stream.IntStream.range(0, 1_000_000)
                .mapToDouble(i -> (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 7)))));
        assertTrue(handled > 900_000);
    }

    /**
     * The text is the first of v rounded (half up) to 7, 8 and 9 significant digits that reads back,
     * trailing zeros dropped: computed here with BigDecimal, exactly. FloatText only passes over a
     * candidate exactly half a gap from v (a tie, which a parser may round either way: its margin).
     */
    @Test
    void theFirstRoundingTo7To9DigitsThatReadsBackIsWritten() {
        SplittableRandom rnd = new SplittableRandom(3);
        int ties = 0;
        for (int i = 0; i < 1_000_000; i++) {
            float v = i % 2 == 0 ? Float.intBitsToFloat(rnd.nextInt())
                    : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-4, 8)));
            String t = text(v);
            if (t == null || v == 0) {
                continue;
            }
            BigDecimal exact = new BigDecimal(v);
            for (int digits = 7; digits <= 9; digits++) {
                BigDecimal d = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_UP));
                if (d.floatValue() == v) {
                    String plain = d.stripTrailingZeros().toPlainString();
                    String expected = plain.contains(".") ? plain : plain + ".0";
                    if (!t.equals(expected)) {
                        BigDecimal gap = new BigDecimal(Math.ulp(v)); // the gap below a power of two is half: not a tie
                        assertEquals(0, d.subtract(exact).abs().multiply(BigDecimal.valueOf(2)).compareTo(gap),
                                () -> v + " -> " + t + ", expected " + expected);
                        ties++;
                    }
                    break;
                }
            }
        }
        assertTrue(ties < 5_000, "ties: " + ties);
    }

    @Test
    void edgesOfTheRangeAndOfDecades() {
        float[] edges = {1e-5f, Math.nextUp(1e-5f), Math.nextDown(1e9f), 1f, Math.nextDown(1f), Math.nextUp(1f), 10f,
                Math.nextDown(10f), 0.1f, 0.3f, 9.999999f, 99999.99f, 16_777_216f, 16_777_217f, 123_456_790f,
                Float.MIN_NORMAL * 1e33f, 8_388_607.5f};
        for (float v : edges) {
            assertReadsBack(v);
            assertReadsBack(-v);
        }
        for (int k = -5; k <= 8; k++) {
            float p = Float.parseFloat("1e" + k);
            assertReadsBack(p);
            assertReadsBack(Math.nextUp(p));
            if (k > -5) {
                assertReadsBack(Math.nextDown(p));
            }
        }
    }

    @Test
    void shortValuesGetTheirShortText() {
        assertEquals("21.5", text(21.5f));
        assertEquals("0.1", text(0.1f));
        assertEquals("-3.25", text(-3.25f));
        assertEquals("100.0", text(100f));
        assertEquals("0.00001", text(1e-5f));
        assertEquals("123456790.0", text(123_456_790f));
        assertEquals("0.0", text(0f));
        assertEquals("-0.0", text(-0f));
    }

    @Test
    void nonFiniteAndTinyOrHugeAreLeftToTheCaller() {
        assertEquals(null, text(Float.NaN));
        assertEquals(null, text(Float.POSITIVE_INFINITY));
        assertEquals(null, text(Float.NEGATIVE_INFINITY));
        assertEquals(null, text(1e9f));
        assertEquals(null, text(Math.nextDown(1e-5f)));
        assertEquals(null, text(Float.MIN_VALUE));
    }

    @Test
    void writesAtTheGivenPosition() {
        byte[] out = new byte[4 + FloatText.MAX_CHARS];
        int end = FloatText.write(-1.5f, out, 4);
        assertEquals("-1.5", new String(out, 4, end - 4, java.nio.charset.StandardCharsets.US_ASCII));
    }
}
