package io.streamcast.backtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The backtest's parts against values worked out by hand or from the series' own formula. */
class BaselinesTest {
    static final long H1 = 3_600_000L;

    static KeySeries hourly(double... values) {
        long[] t = new long[values.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = (1000 + i) * H1;
        }
        return new KeySeries("k", H1, t, values);
    }

    @Test
    void scoresAreTheTextbookFormulas() {
        Scores s = new Scores(2);
        // step 1: forecasts 2 and 0 for actuals 1 and 0; step 2: 3 for 1
        s.add(1, 2, 1, 0.5, 2);
        s.add(1, 0, 0, 0.5, 2);
        s.add(2, 3, 1, Double.NaN, Double.NaN);
        assertEquals(2, s.count(1));
        assertEquals(0.5, s.mae(1), 1e-12); // (1 + 0) / 2
        assertEquals(Math.sqrt(0.5), s.rmse(1), 1e-12); // sqrt((1 + 0) / 2)
        assertEquals((200.0 * 1 / 3 + 0) / 2, s.smape(1), 1e-12); // 0/0 counts as 0
        assertEquals((1 / 0.5 + 0) / 2, s.mase(1), 1e-12);
        assertEquals((1 / 2.0) / 2, s.maeZ(1), 1e-12);
        assertEquals((1 / 4.0) / 2, s.mseZ(1), 1e-12);
        assertEquals(2, s.mae(2), 1e-12);
        assertEquals(100, s.smape(2), 1e-12); // 200 * 2 / 4
        assertTrue(Double.isNaN(s.mase(2))); // no scale for that key: not defined
    }

    @Test
    void gapsAreFilledLinearlyForLagsButAreNoActuals() {
        long[] t = {0, H1, 4 * H1, 5 * H1 + 60_000}; // slots 0, 1, 4, 5 (jitter rounds)
        KeySeries s = new KeySeries("k", H1, t, new double[] {1, 2, 5, 6});
        assertEquals(6, s.gridLength());
        assertEquals(3, s.value(2), 1e-12);
        assertEquals(4, s.value(3), 1e-12);
        assertTrue(Double.isNaN(s.actual(2)));
        assertEquals(5, s.actual(4), 0);
        assertEquals(1.0, s.naiveScale(6), 1e-12); // every step changes by 1
    }

    @Test
    void lastValueAndSeasonalNaiveReadOnlyTheOriginAndBefore() {
        KeySeries s = hourly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        double[] out = new double[5];
        new Baseline.LastValue().forecast(s, 6, out);
        assertArrayEquals(new double[] {7, 7, 7, 7, 7}, out);
        new Baseline.SeasonalNaive(3).forecast(s, 6, out);
        // h = 1..3: one season back (indexes 4, 5, 6); h = 4, 5: two seasons back (4, 5)
        assertArrayEquals(new double[] {5, 6, 7, 5, 6}, out);
    }

    @Test
    void ridgeArForecastsASineFromItsOwnPast() {
        // a sine obeys y[t] = 2 cos(w) y[t-1] - y[t-2] exactly: an AR model with almost no penalty finds it
        int n = 600;
        double w = 2 * Math.PI / 24;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = 50 + 10 * Math.sin(w * i);
        }
        KeySeries s = hourly(v);
        RidgeAr ar = new RidgeAr(6, 24, 400, 1e-9);
        double[] out = new double[12];
        for (int origin : new int[] {450, 500, 587}) {
            ar.forecast(s, origin, out);
            for (int h = 1; h <= 12; h++) {
                assertEquals(50 + 10 * Math.sin(w * (origin + h)), out[h - 1], 1e-3, "origin " + origin + " step " + h);
            }
        }
    }

    @Test
    void theDailyPeriodIsFound() {
        double[] v = new double[24 * 14];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.sin(2 * Math.PI * i / 24) + 0.2 * Math.sin(2 * Math.PI * i / 7.3);
        }
        assertEquals(24, Seasonality.detect(hourly(v), v.length));
    }

    /**
     * A 5-minute series, busy from 09:00 to 17:00 each day, with noise: a day is its period. With 1.7 days of
     * history a day did not fit twice and an hour was taken; with 2.1 days the day's autocorrelation, summed
     * over its 317 pairs and divided by 605, lost to the hour's over 593.
     */
    @Test
    void aDayIsFoundInUnderTwoDaysAndNotShrunkByItsFewerPairs() {
        long m5 = 300_000L;
        java.util.Random rnd = new java.util.Random(7);
        int n = 605;
        long[] t = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = (100_000 + i) * m5;
            int minute = i % 288 * 5;
            v[i] = (minute >= 9 * 60 && minute < 17 * 60 ? 10 : 2) + rnd.nextGaussian();
        }
        KeySeries s = new KeySeries("k", m5, t, v);
        assertEquals(288, Seasonality.detect(s, 490), "1.7 days");
        assertEquals(288, Seasonality.detect(s, 605), "2.1 days");
        assertEquals(12, Seasonality.detect(s, 431), "under 1.5 days: a day does not fit, an hour does");
    }

    @Test
    void historyCsvReadsWideAndLongFormsWithMissingMarkersAndRepeats(@TempDir Path dir) throws IOException {
        Path wide = dir.resolve("station.csv");
        Files.writeString(wide, "\uFEFFDate,Time,CO,T\n2004-03-10,18:00:00,2.6,13.6\n2004-03-10,19:00:00,-200,13.3\n"
                + "2004-03-10,19:00:00,9,9\n2004-03-10,20:00:00,2.2,x\n");
        Map<String, KeySeries> w = HistoryCsv.read(wide, new HistoryCsv.Layout(null, List.of("Date", "Time"), null, -200.0, 0));
        assertEquals(List.of("CO", "T"), List.copyOf(w.keySet()));
        assertEquals(H1, w.get("CO").interval);
        assertEquals(3, w.get("CO").readings()); // -200 is no reading: the repeated 19:00 row gives CO its first
        assertEquals(9, w.get("CO").actual(1), 1e-12);
        assertEquals(2.2, w.get("CO").actual(2), 1e-12);
        assertEquals(2, w.get("T").readings()); // "x" is missing, the repeat of 19:00 is dropped
        assertEquals(13.3, w.get("T").actual(1), 1e-12);
        Path tall = dir.resolve("tall.csv");
        Files.writeString(tall, "sensor,ts,value\na,1000,1\nb,1000,5\na,301000,2\nb,601000,6\n");
        Map<String, KeySeries> l = HistoryCsv.read(tall, new HistoryCsv.Layout("sensor", List.of("ts"), List.of("value"), null, 0));
        assertEquals(300_000, l.get("a").interval); // median gap 300 s
        assertEquals(3, l.get("b").gridLength());
    }

    @Test
    void historyCsvReadsAMultiChannelSeriesAndFillsItsChannelsAsTheJobDoes(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("station.csv");
        Files.writeString(csv, "Date,Time,A,T,B\n"
                + "2004-03-10,18:00:00,1,10,-200\n"
                + "2004-03-10,19:00:00,-200,11,5\n"
                + "2004-03-10,20:00:00,3,-200,6\n" // no target: no reading
                + "2004-03-10,21:00:00,,13,7\n"
                + "2004-03-10,22:00:00,4,14,-200\n");
        Map<String, KeySeries> m = HistoryCsv.read(csv, new HistoryCsv.Layout(null, List.of("Date", "Time"),
                List.of("T", "A", "B"), -200.0, 0, "T"));
        KeySeries s = m.get("station");
        assertEquals(List.of("station"), List.copyOf(m.keySet()));
        assertEquals(List.of("T", "A", "B"), s.names());
        assertEquals(0, s.target());
        assertEquals(4, s.readings());
        assertEquals(11, s.actual(1), 1e-12);
        assertTrue(Double.isNaN(s.actual(2)));
        // T: 12 filled; A: carried through its missing cells, 20:00's 3 belongs to no reading;
        // B: before its first value that value, the filled slot linear, then carried
        assertArrayEquals(new float[] {10, 1, 5, 11, 1, 5, 12, 1, 6, 13, 1, 7, 14, 4, 7}, s.gridRows(5), 0f);
        assertArrayEquals(new float[] {10, 1, 5, 11, 1, 5}, s.gridRows(2), 0f);
        assertThrows(IllegalArgumentException.class, () -> HistoryCsv.read(csv, new HistoryCsv.Layout(null,
                List.of("Date", "Time"), List.of("A", "B"), -200.0, 0, "T")));
    }
}
